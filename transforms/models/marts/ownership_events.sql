-- Every change of ownership, with its reason: the answer to "why is this account in Jane's book?".
-- Reps by id and by name: two reps may share a name, never an id.
select
    e.event_id,
    e.run_id,
    e.as_of_date,
    e.seq,
    e.account_id,
    e.lane,
    e.from_rep_id,
    f.user_name as from_rep_name,
    e.to_rep_id,
    t.user_name as to_rep_name,
    e.kind,
    e.reason_code,
    e.explanation,
    e.priority,
    e.rest_until
from {{ ref('stg_allocation__ownership_events') }} as e
left join {{ ref('stg_salesforce__users') }} as f on e.from_rep_id = f.user_id
left join {{ ref('stg_salesforce__users') }} as t on e.to_rep_id = t.user_id
