{#- A key the model builds unique (a group by, and delete+insert of each rebuilt row),
    checked on the rows of its latest build (`built_for`): a whole build is every row, a
    day's incremental build the rows it moved; a daily scan of every row would prove
    again what no run since has touched. Nulls count as a failure. -#}
{% test unique_in_latest_build(model, column_name) %}
select {{ column_name }}, count(*) as rows_with_key
from {{ model }}
where built_for = (select max(built_for) from {{ model }})
group by {{ column_name }}
having count(*) > 1 or {{ column_name }} is null
{% endtest %}
