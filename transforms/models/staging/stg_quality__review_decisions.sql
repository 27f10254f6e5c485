select
    review_item_id,
    item_kind,
    file,
    record_key,
    column_name,
    decision,
    corrected_value,
    note,
    decided_by,
    decided_on,
    decided_at,
    run_id
from {{ source('quality', 'review_decisions') }}
