-- Per account and rep who touched it: meaningful work in the last 30/60/90 days, the last
-- meaningful activity, contacts engaged and the share of phantom activity. The allocation
-- reads the owning rep's row to decide whether an account is being worked. The sums come
-- from int_activities__summed_by_pair; what depends on the run date or on the rep's other
-- pairs is worked out here, daily.
{%- set activity = rule('activity') %}
with per_pair as (
    select * exclude (engaged_contacts, built_for, built_from, tasks_through, events_through)
    from {{ ref('int_activities__summed_by_pair') }}
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
    date_diff('day', p.last_meaningful_activity_on, {{ as_of_date() }}) as days_since_meaningful_activity,
    p.last_meaningful_activity_on > {{ as_of_date() }} - {{ rule('working_window_days') }}
        is true as is_working,
    p.phantom_activities_90d > 0 and p.meaningful_activities_90d = 0 as is_phantom_only,
    coalesce(r.phantom_share_90d >= {{ activity.phantom_share_flag }}, false) as rep_is_phantom_flagged,
    r.phantom_share_90d as rep_phantom_share_90d
from per_pair as p
left join per_rep as r on p.rep_id = r.rep_id
