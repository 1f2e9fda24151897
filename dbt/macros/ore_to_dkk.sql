{#- Integer øre -> DECIMAL(18,2) kroner. Raw amounts are integer øre so that sums are
    exact; the division is exact to the øre for any amount below 2^53 øre. The argument
    may be an expression (a sum of columns): it is parenthesised before dividing. -#}
{% macro ore_to_dkk(column) -%}
    cast(({{ column }}) / 100 as decimal(18, 2))
{%- endmacro %}
