-- A table, not a view: the domain regex over every website is the costly part of lead and
-- intent matching, and four models and their tests read it.
-- Incremental, rebuilt only when its input changes: accounts are mostly yesterday's, and
-- the regex is costly to run daily. `built_from` fingerprints the input (every account id
-- and website) and the domain SQL; a run whose fingerprint differs deletes the table's rows
-- (pre-hook) and builds them again, one whose fingerprint matches adds nothing. Decided
-- before the query runs: a filter on the fingerprint inside it would still see the regex
-- evaluated over every website first (DuckDB pushes that filter down).
{{ config(materialized=incremental_or_table(), pre_hook="{{ drop_stale_domains() }}") }}
{%- set rebuild = domains_are_stale() %}
-- Each account's registrable website domain, the key inbound leads and intent match on.
-- The host, then its domain, each once per account: inline, `registrable_domain` repeats
-- the host's four regexes, and the filter below repeated it all.
with hosts as {{ cte_materialized() }} (
    select account_id, {{ website_host('website') }} as host
    from {{ ref('stg_salesforce__accounts') }}
    {%- if not rebuild %}
    where false
    {%- endif %}
),

domains as {{ cte_materialized() }} (
    select account_id, {{ domain_of_host('host') }} as domain
    from hosts
)

select
    d.account_id,
    d.domain,
    f.built_from
from domains as d
cross join ({{ domains_built_from() }}) as f
where d.domain is not null
