select
    Id as user_id,
    Name as user_name,
    Email as email,
    coalesce(IsActive, false) as is_active,
    Title as title
from {{ source('salesforce', 'users') }}
