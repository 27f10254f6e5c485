-- Every account's state in each lane after the run, as the allocation decided it: the
-- engine writes allocation.account_states (allocation/states.py, the one copy of the
-- state machine), and this mart adds the segment, priority and the TAM and NBTAM flags
-- coverage is measured against.
select
    st.account_id,
    st.lane,
    s.segment,
    s.priority,
    st.rep_id,
    st.entered_on,
    st.grace_until,
    st.last_meaningful_activity_on,
    st.rest_until,
    st.left_reason as rest_reason,
    st.state as book_state,
    st.state_reason,
    s.scope_reason,
    s.is_tam,
    s.is_nbtam
from {{ ref('stg_allocation__account_states') }} as st
inner join {{ ref('account_scores') }} as s on st.account_id = s.account_id
