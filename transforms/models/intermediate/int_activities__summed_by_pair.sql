-- Per account and rep who touched it: meaningful work in the last 30/60/90 days, the last
-- meaningful activity, contacts engaged and phantom activity, the sums account_activity
-- reports. Incremental: a day moves few of the 7M pairs, but summing 20M activities took
-- 10-20 s a day at 1M accounts. A run builds on the last build (see macros/pair_activity.sql)
-- and sums again only the pairs that can have changed: a new row, a row that reaches the
-- run date or leaves a 30/60/90-day window, or a task logged by the same rep on the same
-- day as a new task (the bulk-logged rule counts those). Activities are append-mostly:
-- anything else (a file read whole again, a contact moved, new rules) builds it whole.
{{ config(
    materialized='incremental',
    unique_key=['account_id', 'rep_id'],
    incremental_strategy='delete+insert',
    pre_hook="{{ drop_stale_pair_activity() }}",
) }}
{%- set last = pair_activity_state() %}
{%- set activities = ref('int_activities__classified') %}
with
{%- if last %}
new_tasks as (
    select owner_id, cast(created_at as date) as created_on
    from {{ ref('stg_salesforce__tasks') }}
    where landing_row > {{ last.tasks_through }}
),

changed as (
    select account_id, rep_id
    from {{ activities }}
    where
        (activity_source = 'task' and landing_row > {{ last.tasks_through }})
        or (activity_source = 'event' and landing_row > {{ last.events_through }})
        or activity_date > date '{{ last.built_for }}'
        {%- for days in [30, 60, 90] %}
        or (
            activity_date > date '{{ last.built_for }}' - {{ days }}
            and activity_date <= {{ as_of_date() }} - {{ days }}
        )
        {%- endfor %}
    union
    select t.account_id, t.owner_id
    from {{ ref('stg_salesforce__tasks') }} as t
    semi join new_tasks as n
        on t.owner_id = n.owner_id and cast(t.created_at as date) = n.created_on
),

-- Read twice below, gathered once: every activity of the changed pairs.
changed_activities as materialized (
    select a.*
    from {{ activities }} as a
    semi join changed as c on a.account_id = c.account_id and a.rep_id = c.rep_id
),
{%- set activities = 'changed_activities' %}
{%- endif %}

engaged as (
    -- Only contacts that belong to the account count as engaged. Counted apart from the
    -- per-pair totals so the join sees meaningful recent work only (~30% faster at 18M).
    select
        a.account_id,
        a.rep_id,
        count(distinct a.contact_id) as contacts_engaged_90d
    from {{ activities }} as a
    inner join {{ ref('stg_salesforce__contacts') }} as c
        on a.contact_id = c.contact_id and a.account_id = c.account_id
    where
        a.rep_id is not null
        and a.is_meaningful
        and a.activity_date > {{ as_of_date() }} - 90
    group by a.account_id, a.rep_id
),

per_pair as (
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
    from {{ activities }} as a
    where a.rep_id is not null
    group by a.account_id, a.rep_id
)

select
    p.*,
    coalesce(e.contacts_engaged_90d, 0) as contacts_engaged_90d,
    -- What this build rests on; a pair summed again carries the run's values, so the
    -- table's max is its latest build.
    {{ as_of_date() }} as built_for,
    f.built_from,
    (select coalesce(max(landing_row), 0) from {{ ref('stg_salesforce__tasks') }}) as tasks_through,
    (select coalesce(max(landing_row), 0) from {{ ref('stg_salesforce__events') }}) as events_through
from per_pair as p
left join engaged as e on p.account_id = e.account_id and p.rep_id = e.rep_id
cross join ({{ pair_activity_built_from() }}) as f
