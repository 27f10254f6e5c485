{#- Marts land in `marts`, not `main_marts`: analysts query stable schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
