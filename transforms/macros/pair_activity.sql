{#- int_pairs__activity_summed keeps its last build and, on the next run date, moves only
    the pairs whose sums can have moved. These macros decide whether the last build is one to build
    on, and work out the columns that move with the date or the rep's other pairs. -#}

{#- Everything the sums rest on besides the activity rows themselves, as one value: the
    classification (the rules' activity section and the SQL of both models), which contact
    belongs to which account, and the whole read each activity table has grown from by
    appends since (the ingest's load log: its date and the bytes read, never the wall clock,
    so two warehouses given the same days agree; a table read whole again starts a new base). The
    file names are data_quality/contract.py's. -#}
{% macro pair_activity_built_from() -%}
    {#- graph has no nodes while parsing, nor in a unit test. -#}
    {%- set classified = graph.get('nodes', {}).values()
        | selectattr('name', 'equalto', 'int_activities__classified') | map(attribute='raw_code') | join -%}
    {%- set loads = source('quality', 'landing_loads') -%}
    {%- set reads = [] -%}
    {%- for file in ['Task.csv', 'Event.csv'] -%}
    {%- do reads.append(
        "coalesce((select max_by(cast(as_of_date as " ~ dbt.type_string() ~ ") || ':' || file_digest, loaded_at) from " ~ loads
        ~ " where file = '" ~ file ~ "' and reused_from is null and appended_to is null), 'never read')"
    ) -%}
    {%- endfor -%}
    {{- build_fingerprint(
        tojson(rule("activity")) ~ classified ~ model.raw_code,
        ['contact_id', 'account_id'], ref('stg_salesforce__contacts'), reads
    ) -}}
{%- endmacro %}

{#- The last build to add to, or none when the model must be built whole: no build yet, a
    fingerprint that differs, a run date before the last build's, or a new task logged by
    the rep on the day of an old one (the bulk-logged rule counts a rep's tasks per day, so
    old rows may change class). Run at compile time. -#}
{% macro pair_activity_state() -%}
    {%- if not (is_incremental() and execute) -%}
    {{- return(none) -}}
    {%- endif -%}
    {#- A table built before the model was incremental has no record of what it rests on;
        on_schema_change adds the columns when it is built whole. -#}
    {%- if not has_fingerprint() -%}
    {{- return(none) -}}
    {%- endif -%}
    {%- set last = run_query(
        "select cast(max(built_for) as " ~ dbt.type_string() ~ "), max(tasks_through), max(events_through) "
        ~ "from " ~ this ~ " "
        ~ "having count(*) > 0 and count(distinct built_from) = 1 "
        ~ "and any_value(built_from) = (" ~ pair_activity_built_from() ~ ") "
        ~ "and max(built_for) <= " ~ as_of_date()
    ) -%}
    {%- if last.rows | length == 0 -%}
    {{- return(none) -}}
    {%- endif -%}
    {%- set row = last.rows[0] -%}
    {%- set tasks = ref('stg_salesforce__tasks') -%}
    {%- set old_days_grown = run_query(
        "select count(*) from " ~ tasks ~ " as t semi join (select owner_id, "
        ~ "cast(created_at as date) as created_on from " ~ tasks ~ " where landing_row > " ~ row[1]
        ~ ") as n on t.owner_id = n.owner_id and cast(t.created_at as date) = n.created_on "
        ~ "where t.landing_row <= " ~ row[1]
    ).columns[0].values()[0] -%}
    {%- if old_days_grown > 0 -%}
    {{- return(none) -}}
    {%- endif -%}
    {{- return({'built_for': row[0], 'tasks_through': row[1], 'events_through': row[2]}) -}}
{%- endmacro %}

{#- Pre-hook: a build not to add to is emptied first, so the model's rows replace it whole. -#}
{% macro drop_stale_pair_activity() -%}
    {%- if is_incremental() and pair_activity_state() is none -%}
    {{- adapter.dispatch('drop_stale_pair_activity')() -}}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__drop_stale_pair_activity() -%}
    delete from {{ this }}
{%- endmacro %}

{% macro default__drop_stale_pair_activity() -%}
    {{- incremental_only('int_pairs__activity_summed') -}}
{%- endmacro %}

{#- The columns that depend on the run date or on the rep's other pairs, as (column,
    expression) over a pair relation and a rep_phantom_shares relation: account_activity
    works them out on read. -#}
{% macro activity_as_of_columns(pairs, reps) -%}
    {{- return([
        ('days_since_meaningful_activity',
            dbt.datediff(pairs ~ ".last_meaningful_activity_on", as_of_date(), 'day')),
        ('is_working', pairs ~ ".last_meaningful_activity_on > " ~ as_of_date() ~ " - "
            ~ rule('working_window_days') ~ " is true"),
        ('rep_is_phantom_flagged', "coalesce(" ~ reps ~ ".phantom_share_90d >= "
            ~ rule('activity').phantom_share_flag ~ ", false)"),
        ('rep_phantom_share_90d', reps ~ ".phantom_share_90d"),
    ]) -}}
{%- endmacro %}

{#- Each rep's phantom share over the last 90 days, summed from the pairs' counts: the same
    as counting the rep's activities, without classifying all of them again. No
    activity in 90 days: no share (0 / 0 would be NaN, which DuckDB ranks high). -#}
{% macro rep_phantom_shares(pairs) -%}
    select
        rep_id,
        sum(phantom_activities_90d)
            / nullif(sum(meaningful_activities_90d + phantom_activities_90d), 0) as phantom_share_90d
    from {{ pairs }}
    group by rep_id
{%- endmacro %}
