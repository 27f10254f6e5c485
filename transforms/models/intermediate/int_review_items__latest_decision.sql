-- Each review item's latest RevOps decision: the log is append-only, the last one stands.
select
    review_item_id,
    record_key,
    item_kind,
    decision,
    decided_by,
    decided_on,
    decided_at
from {{ ref('stg_quality__review_decisions') }}
where review_item_id is not null
qualify row_number() over (partition by review_item_id order by decided_at desc) = 1
