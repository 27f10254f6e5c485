-- The coverage measures, counted over rows of int_accounts__coverage; every coverage_* mart
-- uses the same definitions, so the totals, segments and regions add up.
{% macro coverage_measures() -%}
    {{ count_where("is_tam") }} as tam_accounts,
    {{ count_where("is_nbtam") }} as nbtam_accounts,
    {{ count_where("is_nbtam and is_in_book") }} as nbtam_in_books,
    {{ count_where("is_nbtam and not is_in_book") }} as nbtam_in_pool,
    {%- for days in [30, 60, 90] %}
    {{ count_where("is_nbtam and worked_" ~ days ~ "d") }} as nbtam_worked_{{ days }}d,
    {{ count_where("is_nbtam and worked_" ~ days ~ "d and is_in_book") }}
        as nbtam_worked_{{ days }}d_owned,
    {{ count_where("is_nbtam and worked_" ~ days ~ "d and not is_in_book") }}
        as nbtam_worked_{{ days }}d_unowned,
    round(
        {{ count_where("is_nbtam and worked_" ~ days ~ "d") }}
        / nullif({{ count_where("is_nbtam") }}, 0), 4
    ) as nbtam_worked_{{ days }}d_share,
    {%- endfor %}
    {{ count_where("is_nbtam and not_assigned_in_year") }} as nbtam_not_assigned_in_year,
    {{ count_where("is_nbtam and not_worked_in_year") }} as nbtam_not_worked_in_year
{%- endmacro %}

-- Incremental by run date: a re-run replaces its own date, earlier dates stay (the trend).
-- Never rebuilt from scratch: the history cannot be recomputed from today's inputs.
{% macro snapshot_config() -%}
    {{- adapter.dispatch('snapshot_config')() -}}
{%- endmacro %}

{% macro default__snapshot_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    ) }}
{%- endmacro %}

{#- Spark tables without Delta cannot delete rows: a run date is a partition, overwritten. -#}
{% macro spark__snapshot_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['as_of_date'],
        full_refresh=false,
        on_schema_change='append_new_columns'
    ) }}
{%- endmacro %}
