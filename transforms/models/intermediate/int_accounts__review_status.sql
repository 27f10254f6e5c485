-- Each reviewed account's latest RevOps decision (decisions are append-only).
select
    account_id,
    decision as review_decision,
    decided_on as review_decided_on,
    note as review_note
from {{ ref('stg_quality__review_decisions') }}
qualify row_number() over (partition by account_id order by decided_at desc, decision) = 1
