select
    account_id,
    rep_id,
    claimed_at,
    _row as source_row
from {{ source('books', 'claims') }}
