select
    "Id" as account_id,
    "Name" as account_name,
    "Website" as website,
    "Industry" as industry,
    "AnnualRevenue" as annual_revenue,
    "NumberOfEmployees" as number_of_employees,
    "BillingCountry" as billing_country,
    "BillingState" as billing_state,
    "Type" as account_type,
    "OwnerId" as crm_owner_id,
    "CreatedDate" as created_at
from {{ source('salesforce', 'accounts') }}
