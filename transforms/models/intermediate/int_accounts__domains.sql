-- A table, not a view: the domain regex over every website is the costly part of lead and
-- intent matching, and four models and their tests read it (1M accounts: dbt 35 -> 20 s).
-- Incremental, rebuilt only when its input changes: accounts are mostly yesterday's, and
-- the regex takes ~4 s a day at 1M. `built_from` fingerprints the input (every account id
-- and website) and the domain SQL; a run whose fingerprint differs deletes the table's rows
-- (pre-hook) and builds them again, one whose fingerprint matches adds nothing. Decided
-- before the query runs: a filter on the fingerprint inside it would still see the regex
-- evaluated over every website first (DuckDB pushes that filter down).
{{ config(materialized='incremental', pre_hook="{{ drop_stale_domains() }}") }}
{%- set rebuild = domains_are_stale() %}
-- Each account's registrable website domain, the key inbound leads and intent match on.
select
    a.account_id,
    {{ registrable_domain('website') }} as domain,
    f.built_from
from {{ ref('stg_salesforce__accounts') }} as a
cross join ({{ domains_built_from() }}) as f
where {{ 'false and' if not rebuild }} {{ registrable_domain('website') }} is not null
