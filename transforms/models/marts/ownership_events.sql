-- Every change of ownership, with its reason: the answer to "why is this account in Jane's book?".
select
    e.event_id,
    e.run_id,
    e.as_of_date,
    e.seq,
    e.account_id,
    e.lane,
    e.from_rep_id,
    e.to_rep_id,
    e.kind,
    e.reason_code,
    e.explanation,
    e.priority,
    e.rest_until
from {{ ref('stg_allocation__ownership_events') }} as e
