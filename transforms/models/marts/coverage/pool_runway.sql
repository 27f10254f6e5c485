-- How many weeks the eligible pool lasts per lane and segment at the last 28 days' pace:
-- accounts leaving the pool for books, less accounts coming back (returns, retrievals,
-- releases). Null runway: the pool is not shrinking.
with pace as (
    select
        least(
            28,
            -- dbt's datediff renders past the line limit.
            {{ dbt.datediff('min(as_of_date)', as_of_date(), 'day') }} + 1  -- noqa: LT05
        ) as days
    from {{ ref('ownership_events') }}
),

flows as (
    select
        e.lane,
        s.segment,
        {{ count_where("e.kind in ('distribution', 'redistribution', 'claim')
            and e.to_rep_id is not null") }} as distributed_28d,
        {{ count_where("e.kind in ('return', 'retrieval', 'release')") }} as returned_28d
    from {{ ref('ownership_events') }} as e
    inner join {{ ref('account_scores') }} as s on e.account_id = s.account_id
    where e.as_of_date > {{ as_of_date() }} - 28
    group by e.lane, s.segment
),

stock as (
    select
        lane,
        segment,
        {{ count_where("pool_state = 'eligible'") }} as eligible_accounts,
        {{ count_where("pool_state = 'resting'") }} as resting_accounts
    from {{ ref('pool') }}
    group by lane, segment
)

select
    st.lane,
    st.segment,
    st.eligible_accounts,
    st.resting_accounts,
    round(coalesce(f.distributed_28d, 0) * 7.0 / p.days, 2) as distributed_per_week,
    round(coalesce(f.returned_28d, 0) * 7.0 / p.days, 2) as returned_per_week,
    round((coalesce(f.distributed_28d, 0) - coalesce(f.returned_28d, 0)) * 7.0 / p.days, 2)
        as net_drain_per_week,
    case
        when coalesce(f.distributed_28d, 0) > coalesce(f.returned_28d, 0)
            then round(
                st.eligible_accounts
                / ((f.distributed_28d - coalesce(f.returned_28d, 0)) * 7.0 / p.days), 2
            )
    end as weeks_of_runway
from stock as st
cross join pace as p
left join flows as f on st.lane = f.lane and st.segment = f.segment
