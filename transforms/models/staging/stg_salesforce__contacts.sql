select
    Id as contact_id,
    AccountId as account_id,
    Email as email,
    Title as title,
    CreatedDate as created_at
from {{ source('salesforce', 'contacts') }}
