{#- The combination of columns is unique: one row per key. (dbt_utils is not used: dbt
    packages come from outside the package registries this project may reach.) -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
