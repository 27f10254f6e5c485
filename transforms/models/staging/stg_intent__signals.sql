select
    nullif(account_id, '') as account_id,
    lower(nullif(account_domain, '')) as account_domain,
    signal_type,
    strength,
    observed_at,
    source as signal_source
from {{ source('intent', 'signals') }}
