{#- The one fingerprint of what an incremental model was built from (the loader's load
    log is its counterpart for files, data_quality/landing/reuse.py), as a one-row select of
    `built_from`: a digest of the code and settings the rows rest on, the input's row count,
    an order-free digest of its key columns, then any further parts (SQL text values). A
    model whose last build carries another fingerprint is built whole again. -#}
{% macro build_fingerprint(code, keys, relation, parts=[]) -%}
    select
        '{{ local_md5(code) }}'
        || '-' || cast(count(*) as {{ dbt.type_string() }})
        || '-' || cast(coalesce(bit_xor({{ row_hash(keys) }}), 0) as {{ dbt.type_string() }})
        {%- for part in parts %}
        || '-' || {{ part }}
        {%- endfor %} as built_from
    from {{ relation }}
{%- endmacro %}

{#- A 64-bit hash of a row's key columns, which bit_xor folds in any order. -#}
{% macro row_hash(keys) -%}
    {{- return(adapter.dispatch('row_hash')(keys)) -}}
{%- endmacro %}

{% macro duckdb__row_hash(keys) -%}hash({{ keys | join(', ') }}){%- endmacro %}

{% macro spark__row_hash(keys) -%}xxhash64({{ keys | join(', ') }}){%- endmacro %}

{#- Whether the model's table carries its fingerprint (one built before it may not). -#}
{% macro has_fingerprint() -%}
    {{- return('built_from' in adapter.get_columns_in_relation(this) | map(attribute='name') | list) -}}
{%- endmacro %}
