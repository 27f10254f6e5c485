{#- What DuckDB and Spark write differently, once each (transforms/portability.py finds
    DuckDB-only SQL anywhere else). Where both read one form, the macro has no dispatch. -#}

{#- How many rows of the group meet a condition. count(case ...) rather than count_if,
    which DuckDB types hugeint, or FILTER (WHERE ...), which DuckDB and Spark read but
    Snowflake and BigQuery do not. -#}
{% macro count_where(condition) -%}
    count(case when {{ condition }} then 1 end)
{%- endmacro %}

{#- A CTE read more than once that DuckDB must compute once (it inlines CTEs by default);
    Spark plans each reference itself. Written `name as {{ cte_materialized() }}(`. -#}
{% macro cte_materialized() -%}
    {{- return(adapter.dispatch('cte_materialized')()) -}}
{%- endmacro %}

{% macro duckdb__cte_materialized() -%}materialized {%- endmacro %}

{% macro default__cte_materialized() -%}{%- endmacro %}

{#- A regular expression as a SQL string: Spark's literals take a backslash as an escape,
    DuckDB's keep it. Patterns are written once, as DuckDB (and RE2 / Java) read them. -#}
{% macro regex(pattern) -%}
    {{- return(adapter.dispatch('regex')(pattern)) -}}
{%- endmacro %}

{% macro default__regex(pattern) -%}'{{ pattern }}'{%- endmacro %}

{% macro spark__regex(pattern) -%}'{{ pattern | replace("\\", "\\\\") }}'{%- endmacro %}

{#- Every match of a pattern replaced (DuckDB replaces the first unless told 'g'). -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{- return(adapter.dispatch('regexp_replace_all')(expr, pattern, replacement)) -}}
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ regex(pattern) }}, {{ sql_string(replacement) }}, 'g')
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ regex(pattern) }}, {{ sql_string(replacement) }})
{%- endmacro %}

{#- A text aggregate joined in a given order: keys are ascending sort expressions (negate a
    number to sort it descending). Spark's collect_list has no order: the values are sorted
    as structs led by the keys, then joined. -#}
{% macro ordered_join(value, delimiter, keys) -%}
    {{- return(adapter.dispatch('ordered_join')(value, delimiter, keys)) -}}
{%- endmacro %}

{% macro duckdb__ordered_join(value, delimiter, keys) -%}
    string_agg({{ value }}, {{ sql_string(delimiter) }} order by {{ keys | join(', ') }})
{%- endmacro %}

{% macro spark__ordered_join(value, delimiter, keys) -%}
    array_join(transform(array_sort(collect_list(struct(
        {%- for key in keys %}{{ key }} as k{{ loop.index }}, {% endfor %}{{ value }} as v
    ))), s -> s.v), {{ sql_string(delimiter) }})
{%- endmacro %}

{#- A list of records per group, and the rows back out of it: named fields, each an
    expression over the group's rows. The records are sorted by their fields in order, so
    the same rows make the same list however the engine aggregated them. -#}
{% macro record_list(fields) -%}
    {{- return(adapter.dispatch('record_list')(fields)) -}}
{%- endmacro %}

{% macro duckdb__record_list(fields) -%}
    list({ {%- for name, expr in fields.items() %}'{{ name }}': {{ expr }}{{ ', ' if not loop.last }}{% endfor -%} }
        order by {{ fields.values() | join(', ') }})
{%- endmacro %}

{% macro spark__record_list(fields) -%}
    array_sort(collect_list(named_struct(
        {%- for name, expr in fields.items() %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor -%}
    )))
{%- endmacro %}

{#- A select list item: the records of a record_list column, one row and a column each. -#}
{% macro records_of(column) -%}
    {{- return(adapter.dispatch('records_of')(column)) -}}
{%- endmacro %}

{% macro duckdb__records_of(column) -%}unnest({{ column }}, recursive := true){%- endmacro %}

{% macro spark__records_of(column) -%}inline({{ column }}){%- endmacro %}

{#- A model built on its last build where the engine can delete and update rows in place
    (DuckDB); built whole on the others (Spark tables without Delta take only appends and
    overwrites). The rows are the same; only the cost differs. -#}
{% macro incremental_or_table() -%}
    {{- return('incremental' if adapter.type() == 'duckdb' else 'table') -}}
{%- endmacro %}

{#- The default__ side of an incremental-only hook: never reached through
    incremental_or_table, refused if it is (rendered, not run, while dbt parses). -#}
{% macro incremental_only(model_name) -%}
    {%- if execute -%}
    {{- exceptions.raise_compiler_error(model_name ~ ' is incremental only on DuckDB (incremental_or_table)') -}}
    {%- endif -%}
{%- endmacro %}

