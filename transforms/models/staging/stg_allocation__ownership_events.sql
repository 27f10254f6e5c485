select * from {{ source('allocation', 'ownership_events') }}
