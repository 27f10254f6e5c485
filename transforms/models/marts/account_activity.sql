-- Per account and rep who touched it: meaningful work in the last 30/60/90 days, the last
-- meaningful activity, contacts engaged and the share of phantom activity. The allocation
-- reads the owning rep's row to decide whether an account is being worked.
{%- set activity = rule('activity') %}
with engaged as (
    -- Only contacts that belong to the account count as engaged. Counted apart from the
    -- per-pair totals so the join sees meaningful recent work only (~30% faster at 18M).
    select
        a.account_id,
        a.rep_id,
        count(distinct a.contact_id) as contacts_engaged_90d
    from {{ ref('int_activities__classified') }} as a
    inner join {{ ref('stg_salesforce__contacts') }} as c
        on a.contact_id = c.contact_id and a.account_id = c.account_id
    where
        a.rep_id is not null
        and a.is_meaningful
        and a.activity_date > {{ as_of_date() }} - 90
    group by a.account_id, a.rep_id
),

-- Materialized: read twice (the rows and the per-rep sums), aggregated once.
per_pair as materialized (
    select
        a.account_id,
        a.rep_id,
        max(a.activity_date) filter (where a.is_meaningful) as last_meaningful_activity_on,
        max(a.activity_date) as last_activity_on,
        count(*) filter (where a.is_meaningful and a.activity_date > {{ as_of_date() }} - 30)
            as meaningful_activities_30d,
        count(*) filter (where a.is_meaningful and a.activity_date > {{ as_of_date() }} - 60)
            as meaningful_activities_60d,
        count(*) filter (where a.is_meaningful and a.activity_date > {{ as_of_date() }} - 90)
            as meaningful_activities_90d,
        count(*) filter (where not a.is_meaningful and a.activity_date > {{ as_of_date() }} - 90)
            as phantom_activities_90d
    from {{ ref('int_activities__classified') }} as a
    where a.rep_id is not null
    group by a.account_id, a.rep_id
),

per_rep as (
    -- The rep's phantom share summed from the pairs' counts: the same as counting the
    -- rep's activities, without classifying all 20M of them again (int_reps__phantom_activity
    -- reads it from here).
    select
        rep_id,
        -- No activity in 90 days: no share (0 / 0 would be NaN, which DuckDB ranks high).
        sum(phantom_activities_90d)
            / nullif(sum(meaningful_activities_90d + phantom_activities_90d), 0)
            as phantom_share_90d
    from per_pair
    group by rep_id
)

select
    p.account_id || '|' || p.rep_id as account_activity_id,
    p.*,
    coalesce(e.contacts_engaged_90d, 0) as contacts_engaged_90d,
    date_diff('day', p.last_meaningful_activity_on, {{ as_of_date() }}) as days_since_meaningful_activity,
    p.last_meaningful_activity_on > {{ as_of_date() }} - {{ rule('working_window_days') }}
        is true as is_working,
    p.phantom_activities_90d > 0 and p.meaningful_activities_90d = 0 as is_phantom_only,
    coalesce(r.phantom_share_90d >= {{ activity.phantom_share_flag }}, false) as rep_is_phantom_flagged,
    r.phantom_share_90d as rep_phantom_share_90d
from per_pair as p
left join engaged as e on p.account_id = e.account_id and p.rep_id = e.rep_id
left join per_rep as r on p.rep_id = r.rep_id
