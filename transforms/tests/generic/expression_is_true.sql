{#- Rows for which `expression` does not hold: a rule across columns of one row. -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
