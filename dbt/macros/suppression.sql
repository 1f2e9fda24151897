{#- Disclosure control in the reports: a value is published only where its row is not
    suppressed (and, optionally, a further condition holds); NULL otherwise. One macro for
    every column, so no column of a suppressed row can be forgotten. -#}
{% macro unless_suppressed(expression, flag, condition=none) -%}
    case when not {{ flag }}{% if condition %} and {{ condition }}{% endif %} then {{ expression }} end
{%- endmacro %}
