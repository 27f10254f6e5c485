select
    account_id,
    decision,
    note,
    decided_on,
    decided_at,
    run_id
from {{ source('quality', 'review_decisions') }}
