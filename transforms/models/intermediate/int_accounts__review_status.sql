-- Each account's latest RevOps decision on an item about the account itself (a blocked
-- Account row or a bad-data return), once the run date it applies from has come. Keeping
-- one row of a duplicated Id decides for the account too (a retire before it is undone);
-- the twins it sets aside do not.
with ranked as (
    select
        record_key as account_id,
        decision as review_decision,
        decided_on as review_decided_on,
        note as review_note,
        row_number() over (partition by record_key order by decided_at desc) as recency
    from {{ ref('stg_quality__review_decisions') }}
    where
        coalesce(item_kind, 'blocked_account') in ('blocked_account', 'bad_data_return')
        and decision in ('reintroduce', 'retire', 'keep')
        and decided_on <= {{ as_of_date() }}
)

select account_id, review_decision, review_decided_on, review_note
from ranked
where recency = 1
