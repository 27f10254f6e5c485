-- A table, not a view: the domain regex over every website is the costly part of lead and
-- intent matching, and four models and their tests read it (1M accounts: dbt 35 -> 20 s).
{{ config(materialized="table") }}
-- Each account's registrable website domain, the key inbound leads and intent match on.
select
    account_id,
    {{ registrable_domain('website') }} as domain
from {{ ref('stg_salesforce__accounts') }}
where {{ registrable_domain('website') }} is not null
