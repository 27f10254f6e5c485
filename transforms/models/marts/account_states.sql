-- Every account's state in each lane after the run: in a book and working, in a book but due for
-- retrieval, resting (until when and why), in review, eligible in the pool, not new
-- business, or retired; with the TAM and NBTAM flags coverage is measured against.
-- Built after the allocation, so it reflects the run's own book changes.
with activity as (
    select account_id, rep_id, last_meaningful_activity_on, is_working
    from {{ ref('account_activity') }}
)

select
    s.account_id,
    l.lane,
    s.segment,
    s.priority,
    b.rep_id,
    b.entered_on,
    case when b.account_id is not null then b.entered_on + {{ rule('grace_days') }} end
        as grace_until,
    a.last_meaningful_activity_on,
    p.rest_until,
    p.left_reason as rest_reason,
    case
        -- A customer or an open deal in a book: the CRM owner's, outside the book rules.
        when b.account_id is not null and not s.is_new_business and not s.is_retired
            then 'out_of_scope'
        when b.account_id is not null and coalesce(a.is_working, false) then 'working'
        when
            b.account_id is not null
            and b.entered_on + {{ rule('grace_days') }} > {{ as_of_date() }} then 'in_grace'
        when b.account_id is not null then 'due_for_retrieval'
        else p.pool_state
    end as book_state,
    s.scope_reason,
    s.is_tam,
    s.is_nbtam
from {{ ref('account_scores') }} as s
cross join {{ lanes_relation() }} as l
left join {{ ref('current_books') }} as b on s.account_id = b.account_id and l.lane = b.lane
left join activity as a on b.account_id = a.account_id and b.rep_id = a.rep_id
left join {{ ref('pool') }} as p on s.account_id = p.account_id and l.lane = p.lane
