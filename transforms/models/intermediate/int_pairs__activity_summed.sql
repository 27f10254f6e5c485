-- Per account and rep who touched it: meaningful work in the last 30/60/90 days, the last
-- meaningful activity, contacts engaged and phantom activity: the sums account_activity
-- shows with the columns that move with the run date (a view: stored, they made every
-- day rewrite all 7M pairs at 1M accounts).
--
-- Incremental, because summing every activity again is the costly part of a day while a
-- day moves a few rows: a run builds on the last build when
-- macros/pair_activity.sql finds it sound, and reads only the rows that move a sum (new,
-- reaching the run date, or leaving a 30/60/90-day window). A window boundary alone
-- touches 300k pairs holding a third of all activity, so the sums are moved by those rows
-- rather than summed again; contacts keep their last meaningful date in a list, which a
-- leaving row cannot take back from a distinct count. Anything else (a file read whole
-- again, a contact moved, new rules, a new task on an old task's rep and day, where the
-- bulk-logged rule may reclassify old rows) builds it whole.
{{ config(
    materialized=incremental_or_table(),
    unique_key='account_activity_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    pre_hook="{{ drop_stale_pair_activity() }}",
) }}
{%- set last = pair_activity_state() %}
{%- set as_of = as_of_date() %}
{#- The windowed counts: column, window in days, which activity counts. -#}
{%- set counts = [
    ('meaningful_activities_30d', 30, 'is_meaningful'),
    ('meaningful_activities_60d', 60, 'is_meaningful'),
    ('meaningful_activities_90d', 90, 'is_meaningful'),
    ('phantom_activities_90d', 90, 'not is_meaningful'),
] %}
-- The linter lays out one branch of the if at a time and reads these CTEs as nested.
-- noqa: disable=LT02
with
{%- if not last %}
engaged_contacts as (
    -- Only contacts that belong to the account count as engaged.
    select a.account_id, a.rep_id, a.contact_id, max(a.activity_date) as last_on
    from {{ ref('int_activities__classified') }} as a
    inner join {{ ref('stg_salesforce__contacts') }} as c
        on a.contact_id = c.contact_id and a.account_id = c.account_id
    where
        a.rep_id is not null
        and a.is_meaningful
        and a.activity_date > {{ as_of }} - 90
    group by all
),

sums as {{ cte_materialized() }} (
    select
        a.account_id,
        a.rep_id,
        max(case when a.is_meaningful then a.activity_date end) as last_meaningful_activity_on,
        max(a.activity_date) as last_activity_on,
        {%- for column, days, counted in counts %}
        {{ count_where(counted ~ " and activity_date > " ~ as_of ~ " - " ~ days) }}
            as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_activities__classified') }} as a
    where a.rep_id is not null
    group by a.account_id, a.rep_id
),

-- noqa: enable=LT02
{%- else %}
{%- set built_for = "date '" ~ last.built_for ~ "'" %}
{%- set is_new = "((activity_source = 'task' and landing_row > " ~ last.tasks_through
    ~ ") or (activity_source = 'event' and landing_row > " ~ last.events_through ~ "))" %}
-- A row adds to a window it is in today when it is new or was still to come on the last
-- build's date; an old row leaves a window it was in then and is not in now.
{%- set adds = "(is_new or activity_date > " ~ built_for ~ ")" %}
{%- set leaves = {} %}
{%- for days in [30, 60, 90] %}
{%- do leaves.update({days: "(not is_new and activity_date > " ~ built_for ~ " - " ~ days
    ~ " and activity_date <= least(" ~ built_for ~ ", " ~ as_of ~ " - " ~ days ~ "))"}) %}
{%- endfor %}
moving as {{ cte_materialized() }} (
    select account_id, rep_id, contact_id, activity_date, is_meaningful, {{ is_new }} as is_new
    from {{ ref('int_activities__classified') }}
    where
        rep_id is not null
        and ({{ is_new }} or activity_date > {{ built_for }}
        {%- for days in [30, 60, 90] %}
            or (activity_date > {{ built_for }} - {{ days }} and activity_date <= {{ as_of }} - {{ days }})
        {%- endfor %})
),

moves as {{ cte_materialized() }} (
    select
        account_id,
        rep_id,
        {%- for column, days, counted in counts %}
        coalesce(sum(case when {{ counted }} then case
            when {{ adds }} and activity_date > {{ as_of }} - {{ days }} then 1
            when {{ leaves[days] }} then -1 else 0
        end end), 0) as {{ column }},
        {%- endfor %}
        max(case when is_meaningful and {{ adds }} then activity_date end) as entered_meaningful_on,
        max(case when {{ adds }} then activity_date end) as entered_on
    from moving
    group by account_id, rep_id
),

built as (
    select s.*
    from {{ this }} as s
    semi join moves as m on s.account_id = m.account_id and s.rep_id = m.rep_id
),

engaged_contacts as (
    -- The moved pairs' contacts: each one's last meaningful date, from the last build's
    -- list and the rows that came in; the window then drops the ones gone quiet.
    select account_id, rep_id, contact_id, max(last_on) as last_on
    from (
        select account_id, rep_id, {{ records_of('engaged_contacts') }}
        from built
        union all
        select m.account_id, m.rep_id, m.contact_id, m.activity_date
        from moving as m
        inner join {{ ref('stg_salesforce__contacts') }} as c
            on m.contact_id = c.contact_id and m.account_id = c.account_id
        where m.is_meaningful and {{ adds }}
    )
    where last_on > {{ as_of }} - 90
    group by all
),

sums as {{ cte_materialized() }} (
    select
        m.account_id,
        m.rep_id,
        greatest(s.last_meaningful_activity_on, m.entered_meaningful_on) as last_meaningful_activity_on,
        greatest(s.last_activity_on, m.entered_on) as last_activity_on,
        {%- for column, days, counted in counts %}
        coalesce(s.{{ column }}, 0) + m.{{ column }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from moves as m
    left join built as s on m.account_id = s.account_id and m.rep_id = s.rep_id
),

{%- endif %}

engaged as (
    select
        account_id,
        rep_id,
        count(*) as contacts_engaged_90d,
        {{ record_list({'contact_id': 'contact_id', 'last_on': 'last_on'}) }} as engaged_contacts
    from engaged_contacts
    group by account_id, rep_id
)

select
    p.account_id || '|' || p.rep_id as account_activity_id,
    p.*,
    coalesce(e.contacts_engaged_90d, 0) as contacts_engaged_90d,
    p.phantom_activities_90d > 0 and p.meaningful_activities_90d = 0 as is_phantom_only,
    e.engaged_contacts,
    -- What this build rests on; a pair summed again carries the run's values, so the
    -- table's max is its latest build.
    {{ as_of }} as built_for,
    f.built_from,
    (select coalesce(max(landing_row), 0) from {{ ref('stg_salesforce__tasks') }}) as tasks_through,
    (select coalesce(max(landing_row), 0) from {{ ref('stg_salesforce__events') }})
        as events_through
from sums as p
left join engaged as e on p.account_id = e.account_id and p.rep_id = e.rep_id
cross join ({{ pair_activity_built_from() }}) as f
