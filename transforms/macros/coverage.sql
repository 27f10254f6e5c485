-- The coverage measures, counted over rows of int_accounts__coverage; every coverage_* mart
-- uses the same definitions, so the totals, segments and regions add up.
{% macro coverage_measures() -%}
    count(*) filter (where is_tam) as tam_accounts,
    count(*) filter (where is_nbtam) as nbtam_accounts,
    count(*) filter (where is_nbtam and is_in_book) as nbtam_in_books,
    count(*) filter (where is_nbtam and not is_in_book) as nbtam_in_pool,
    {%- for days in [30, 60, 90] %}
    count(*) filter (where is_nbtam and worked_{{ days }}d) as nbtam_worked_{{ days }}d,
    count(*) filter (where is_nbtam and worked_{{ days }}d and is_in_book)
        as nbtam_worked_{{ days }}d_owned,
    count(*) filter (where is_nbtam and worked_{{ days }}d and not is_in_book)
        as nbtam_worked_{{ days }}d_unowned,
    round(
        count(*) filter (where is_nbtam and worked_{{ days }}d)
        / nullif(count(*) filter (where is_nbtam), 0), 4
    ) as nbtam_worked_{{ days }}d_share,
    {%- endfor %}
    count(*) filter (where is_nbtam and not_assigned_in_year) as nbtam_not_assigned_in_year,
    count(*) filter (where is_nbtam and not_worked_in_year) as nbtam_not_worked_in_year
{%- endmacro %}

-- Incremental by run date: a re-run replaces its own date, earlier dates stay (the trend).
-- Never rebuilt from scratch: the history cannot be recomputed from today's inputs.
{% macro snapshot_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    ) }}
{%- endmacro %}
