select * from {{ source('allocation', 'account_states') }}
