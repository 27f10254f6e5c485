-- The ranked queues reps claim from in queue mode: the eligible pool accounts, each in the
-- queue the allocation keyed it to (segment, and each attribute the rules match on) and at
-- the place it ranked it, best first.
select
    st.account_id,
    st.lane,
    st.queue,
    st.queue_rank,
    s.priority,
    s.segment,
    s.region,
    s.language,
    s.time_zone
from {{ ref('stg_allocation__account_states') }} as st
inner join {{ ref('account_scores') }} as s on st.account_id = s.account_id
where st.state = 'eligible'
