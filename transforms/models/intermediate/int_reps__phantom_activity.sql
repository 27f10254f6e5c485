-- A table (a thousand rows): as a view, every reader would classify all activity again.
{{ config(materialized="table") }}
-- Per rep, over the last 90 days: how much of what they log is phantom activity.
{%- set a = rule('activity') %}

select
    rep_id,
    count(*) as activities_90d,
    count(*) filter (where not is_meaningful) as phantom_activities_90d,
    count(*) filter (where not is_meaningful) / count(*) as phantom_share_90d,
    count(*) filter (where not is_meaningful) / count(*) >= {{ a.phantom_share_flag }} as is_phantom_flagged
from {{ ref('int_activities__classified') }}
where activity_date > {{ as_of_date() }} - 90
group by rep_id
