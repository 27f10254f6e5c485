select * from {{ source('allocation', 'rep_capacity') }}
