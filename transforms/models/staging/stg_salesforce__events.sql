select
    Id as event_id,
    WhatId as account_id,
    OwnerId as owner_id,
    StartDateTime as starts_at,
    cast(StartDateTime as date) as event_date,
    Type as event_type,
    Subject as subject,
    _row as landing_row
from {{ source('salesforce', 'events') }}
