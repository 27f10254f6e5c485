-- Each review item's latest RevOps decision: the log is append-only, the last one stands.
with ranked as (
    select
        review_item_id,
        record_key,
        item_kind,
        decision,
        decided_by,
        decided_on,
        decided_at,
        row_number() over (partition by review_item_id order by decided_at desc) as recency
    from {{ ref('stg_quality__review_decisions') }}
    where review_item_id is not null
)

select
    review_item_id,
    record_key,
    item_kind,
    decision,
    decided_by,
    decided_on,
    decided_at
from ranked
where recency = 1
