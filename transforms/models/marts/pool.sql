-- Accounts in no book, and why each is or is not available for distribution.
with last_exit as (
    select
        account_id,
        rest_until,
        kind as left_by,
        reason_code as left_reason,
        as_of_date as left_on,
        row_number() over (partition by account_id order by as_of_date desc, seq desc) as recency
    from {{ ref('ownership_events') }}
)

select
    s.account_id,
    s.segment,
    s.priority,
    s.segment_rank,
    x.left_by,
    x.left_reason,
    x.rest_until,
    case
        when s.is_retired then 'retired'
        when not s.is_new_business then 'not_new_business'
        -- Returned as bad data: waits for a RevOps decision, not for distribution.
        when x.left_by = 'return' and x.left_reason = 'bad_data'
            and coalesce(s.review_decided_on < x.left_on, true) then 'in_review'
        when x.rest_until > {{ as_of_date() }} then 'resting'
        else 'eligible'
    end as pool_state
from {{ ref('account_scores') }} as s
left join last_exit as x on s.account_id = x.account_id and x.recency = 1
where s.account_id not in (select account_id from {{ ref('current_books') }})
