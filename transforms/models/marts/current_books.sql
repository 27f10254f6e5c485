-- Who owns what now: each account's latest ownership event per lane, where it landed in a
-- book (one lane, or one per role with shared AE + SDR ownership).
with latest as (
    select
        *,
        row_number()
            over (partition by account_id, lane order by as_of_date desc, seq desc)
            as recency
    from {{ ref('ownership_events') }}
)

select
    l.account_id,
    l.lane,
    l.to_rep_id as rep_id,
    l.to_rep_name as rep_name,
    l.as_of_date as entered_on,
    l.kind as entered_by,
    l.reason_code,
    l.explanation,
    s.segment,
    s.priority
from latest as l
left join {{ ref('account_scores') }} as s on l.account_id = s.account_id
where l.recency = 1 and l.to_rep_id is not null
