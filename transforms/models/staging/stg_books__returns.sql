select
    account_id,
    rep_id,
    returned_at,
    cast(returned_at as date) as returned_on,
    lower(reason) as reason,
    note,
    _row as source_row
from {{ source('books', 'returns') }}
