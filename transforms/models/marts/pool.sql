-- Accounts in no book of a lane, and why each is or is not available for distribution:
-- the pool rows of the allocation's account states (allocation/states.py decides them).
select
    st.account_id,
    st.lane,
    s.segment,
    s.priority,
    s.segment_rank,
    st.left_by,
    st.left_reason,
    st.rest_until,
    st.state as pool_state
from {{ ref('stg_allocation__account_states') }} as st
inner join {{ ref('account_scores') }} as s on st.account_id = s.account_id
where st.rep_id is null
