-- Countries as ISO 3166 alpha-2 codes however the CRM wrote them (United States, USA, us);
-- a value that is no country is kept as written, and int_accounts__unknown_rule_values
-- reports it.
select
    a.Id as account_id,
    a.Name as account_name,
    a.Website as website,
    a.Industry as industry,
    a.AnnualRevenue as annual_revenue,
    a.NumberOfEmployees as number_of_employees,
    coalesce(c.alpha_2, nullif(trim(a.BillingCountry), '')) as billing_country,
    a.BillingCountry as billing_country_as_written,
    c.alpha_2 is not null as is_country_known,
    a.BillingState as billing_state,
    a.Type as account_type,
    a.OwnerId as crm_owner_id,
    a.CreatedDate as created_at
from {{ source('salesforce', 'accounts') }} as a
left join {{ source('reference', 'countries') }} as c
    on upper(trim({{ regexp_replace_all('a.BillingCountry', '\s+', ' ') }})) = c.alias
