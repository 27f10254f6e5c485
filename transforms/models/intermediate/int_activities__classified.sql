-- Every task and event, and whether it is meaningful work on the account. What is not
-- meaningful says why (the "phantom tasks" of passive territory management): recurring
-- automated tasks, tasks never completed, short calls, bulk-logged days, other types.
{%- set a = rule('activity') %}

with tasks as (
    select
        *,
        count(*) over (partition by owner_id, cast(created_at as date)) as logged_same_day
    from {{ ref('stg_salesforce__tasks') }}
),

classified_tasks as (
    select
        task_id as activity_id,
        'task' as activity_source,
        account_id,
        owner_id as rep_id,
        contact_id,
        coalesce(activity_date, cast(created_at as date)) as activity_date,
        task_subtype as activity_type,
        landing_row,
        case
            {%- if not a.count_recurring_tasks %}
                when is_recurrence then 'recurring'
            {%- endif %}
            when
                coalesce(status, '') not in {{ sql_list(a.completed_statuses) }}
                then 'not_completed'
            when coalesce(task_subtype, '') not in {{ sql_list(a.meaningful_task_subtypes) }}
                then 'not_meaningful_type'
            when
                task_subtype = 'Call'
                and coalesce(call_duration_seconds, 0) < {{ a.min_call_seconds }}
                then 'short_call'
            when logged_same_day > {{ a.bulk_log_tasks_per_day }} then 'bulk_logged'
        end as phantom_reason
    from tasks
),

classified_events as (
    select
        event_id as activity_id,
        'event' as activity_source,
        account_id,
        owner_id as rep_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        event_date as activity_date,
        event_type as activity_type,
        landing_row,
        case
            when coalesce(event_type, '') not in {{ sql_list(a.meaningful_event_types) }}
                then 'not_meaningful_type'
        end as phantom_reason
    from {{ ref('stg_salesforce__events') }}
),

activities as (
    select * from classified_tasks
    union all
    select * from classified_events
)

select
    *,
    phantom_reason is null as is_meaningful
from activities
-- Scheduled work has not happened yet: it neither keeps nor loses an account.
where activity_date <= {{ as_of_date() }} and account_id is not null
