-- Per account and rep who touched it: the sums of int_pairs__activity_summed, and the
-- columns that move with the run date or with the rep's other pairs, worked out on read.
-- A view: stored, those columns made every day rewrite all 7M pairs at 1M accounts to
-- move the days since each one's last activity, where a day moves 300k of them. A table
-- on another engine, whose views the allocation (on DuckDB) cannot read.
{{ config(materialized="view" if target.type == "duckdb" else "table") }}

select
    s.account_activity_id,
    s.account_id,
    s.rep_id,
    s.last_meaningful_activity_on,
    s.last_activity_on,
    s.meaningful_activities_30d,
    s.meaningful_activities_60d,
    s.meaningful_activities_90d,
    s.phantom_activities_90d,
    s.contacts_engaged_90d,
    s.is_phantom_only,
    {%- for column, expression in activity_as_of_columns('s', 'r') %}
        {{ expression }} as {{ column }},
    {%- endfor %}
    s.engaged_contacts,
    s.built_for,
    s.built_from,
    s.tasks_through,
    s.events_through
from {{ ref('int_pairs__activity_summed') }} as s
left join ({{ rep_phantom_shares(ref('int_pairs__activity_summed')) }}) as r
    on s.rep_id = r.rep_id
