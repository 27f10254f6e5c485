select
    Id as lead_id,
    Company as company,
    Email as email,
    Website as website,
    LeadSource as lead_source,
    Status as status,
    CreatedDate as created_at
from {{ source('salesforce', 'leads') }}
