-- Each account's registrable website domain, the key inbound leads and intent match on.
select
    account_id,
    {{ registrable_domain('website') }} as domain
from {{ ref('stg_salesforce__accounts') }}
where {{ registrable_domain('website') }} is not null
