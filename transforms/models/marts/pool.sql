-- Accounts in no book of a lane, and why each is or is not available for distribution.
-- Rest and review belong to the account: its latest exit in any lane decides them.
with lane_latest as (
    select
        *,
        row_number() over (
            partition by account_id, lane order by as_of_date desc, seq desc
        ) as recency
    from {{ ref('ownership_events') }}
),

-- Lanes whose latest event sent the account to the pool; the most recent exit names it.
exits as (
    select
        account_id,
        kind as left_by,
        reason_code as left_reason,
        max(rest_until) over (partition by account_id) as rest_until,
        max(case when kind = 'return' and reason_code = 'bad_data' then as_of_date end)
            over (partition by account_id) as returned_as_bad_data_on,
        row_number() over (partition by account_id order by as_of_date desc, seq desc)
            as exit_recency
    from lane_latest
    where recency = 1 and to_rep_id is null
),

lane_accounts as (
    select s.*, l.lane
    from {{ ref('account_scores') }} as s
    cross join {{ lanes_relation() }} as l
)

select
    s.account_id,
    s.lane,
    s.segment,
    s.priority,
    s.segment_rank,
    x.left_by,
    x.left_reason,
    x.rest_until,
    case
        when s.is_retired then 'retired'
        when not s.is_new_business then 'out_of_scope'
        -- Returned as bad data: waits for a RevOps decision, not for distribution.
        when
            x.returned_as_bad_data_on is not null
            and coalesce(s.review_decided_on < x.returned_as_bad_data_on, true) then 'in_review'
        when x.rest_until > {{ as_of_date() }} then 'resting'
        when s.priority < {{ rule('distribution.min_priority') }} then 'below_min_priority'
        else 'eligible'
    end as pool_state
from lane_accounts as s
left join exits as x on s.account_id = x.account_id and x.exit_recency = 1
left join {{ ref('current_books') }} as b on s.account_id = b.account_id and s.lane = b.lane
where b.account_id is null
