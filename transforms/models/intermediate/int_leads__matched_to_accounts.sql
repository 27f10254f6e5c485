-- Inbound leads (hand raises) matched to accounts by normalised domain: the lead's
-- website, else its e-mail domain. Unmatched leads keep a null account_id so they
-- can be reported; a domain shared by several accounts goes to the lowest id, flagged.
with leads as (
    select
        *,
        coalesce({{ registrable_domain('website') }}, {{ registrable_domain('email') }}) as domain
    from {{ ref('stg_salesforce__leads') }}
),

domains as (
    select
        domain,
        min(account_id) as account_id,
        count(*) as accounts_with_domain
    from {{ ref('int_accounts__domains') }}
    group by domain
)

select
    l.lead_id,
    l.company,
    l.email,
    l.website,
    l.lead_source,
    l.status,
    l.created_at,
    l.domain,
    d.account_id,
    d.account_id is not null as is_matched,
    coalesce(d.accounts_with_domain, 0) > 1 as is_ambiguous
from leads as l
left join domains as d on l.domain = d.domain
