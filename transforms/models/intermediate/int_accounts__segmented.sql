-- Each account with its segment and whether it is new business (not a customer, no open
-- opportunity, not retired by RevOps): only new-business accounts are distributed.
with open_opportunities as (
    select account_id, count(*) as open_opportunities
    from {{ ref('stg_salesforce__opportunities') }}
    where not is_closed
    group by account_id
)

select
    a.account_id,
    a.account_name,
    a.website,
    a.industry,
    a.annual_revenue,
    a.number_of_employees,
    a.billing_country,
    a.billing_state,
    a.account_type,
    a.crm_owner_id,
    {{ segment_case('a.annual_revenue', 'a.number_of_employees') }} as segment,
    coalesce(o.open_opportunities, 0) as open_opportunities,
    a.account_type = 'Customer' as is_customer,
    r.review_decision,
    r.review_decided_on,
    coalesce(r.review_decision = 'retire', false) as is_retired,
    coalesce(a.account_type, 'Prospect') <> 'Customer' and o.account_id is null
    and coalesce(r.review_decision, '') <> 'retire' as is_new_business,
    -- Why a customer or an account with an open deal is outside dynamic books: it stays
    -- with its CRM owner (the allocation reads this, so the reason is written once).
    case
        when a.account_type = 'Customer' then 'a customer'
        when o.open_opportunities = 1 then '1 open opportunity'
        when o.open_opportunities > 1
            then cast(o.open_opportunities as {{ dbt.type_string() }}) || ' open opportunities'
    end as scope_reason
from {{ ref('stg_salesforce__accounts') }} as a
left join open_opportunities as o on a.account_id = o.account_id
left join {{ ref('int_accounts__review_status') }} as r on a.account_id = r.account_id
