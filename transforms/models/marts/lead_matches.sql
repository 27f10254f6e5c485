-- Inbound leads and the account each matched by domain; unmatched and ambiguous leads are
-- the report RevOps works to fix websites or create accounts.
select
    lead_id,
    company,
    email,
    website,
    lead_source,
    created_at,
    domain,
    account_id,
    is_matched,
    is_ambiguous
from {{ ref('int_leads__matched_to_accounts') }}
