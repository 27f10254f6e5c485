select
    Id as task_id,
    WhatId as account_id,
    WhoId as contact_id,
    OwnerId as owner_id,
    ActivityDate as activity_date,
    CreatedDate as created_at,
    Type as task_type,
    TaskSubtype as task_subtype,
    Subject as subject,
    Status as status,
    coalesce(IsRecurrence, false) as is_recurrence,
    CallDurationInSeconds as call_duration_seconds,
    _row as landing_row
from {{ source('salesforce', 'tasks') }}
