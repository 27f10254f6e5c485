-- A table (one row per account): as a view, each of the three coverage snapshots grouped
-- the account-rep rows of the activity sums again.
{{ config(materialized="table") }}
-- One row per account with what coverage is counted from: TAM / NBTAM, in a book (any
-- lane), worked by anyone in the last 30 / 60 / 90 days, and not assigned or not worked
-- in a year.
with owners as (
    select account_id, min(rep_id) as rep_id
    from {{ ref('current_books') }}
    group by account_id
),

work as (
    select
        account_id,
        max(last_meaningful_activity_on) as last_meaningful_activity_on,
        sum(meaningful_activities_30d) > 0 as worked_30d,
        sum(meaningful_activities_60d) > 0 as worked_60d,
        sum(meaningful_activities_90d) > 0 as worked_90d
    from {{ ref('int_pairs__activity_summed') }}
    group by account_id
),

left_book as (
    select account_id, max(as_of_date) as last_left_book_on
    from {{ ref('ownership_events') }}
    where from_rep_id is not null
    group by account_id
)

select
    s.account_id,
    s.segment,
    coalesce(s.region, 'unmapped') as region,
    s.is_tam,
    s.is_nbtam,
    o.account_id is not null as is_in_book,
    coalesce(w.worked_30d, false) as worked_30d,
    coalesce(w.worked_60d, false) as worked_60d,
    coalesce(w.worked_90d, false) as worked_90d,
    w.last_meaningful_activity_on,
    o.account_id is null
    and coalesce(x.last_left_book_on <= {{ as_of_date() }} - 365, true) as not_assigned_in_year,
    coalesce(w.last_meaningful_activity_on <= {{ as_of_date() }} - 365, true) as not_worked_in_year
from {{ ref('account_scores') }} as s
left join owners as o on s.account_id = o.account_id
left join work as w on s.account_id = w.account_id
left join left_book as x on s.account_id = x.account_id
