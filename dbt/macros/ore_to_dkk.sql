{#- Integer øre -> DECIMAL(18,2) kroner. Raw amounts are integer øre so that sums are
    exact; the conversion is exact too, for every amount DECIMAL(18,2) holds (to
    999,999,999,999,999.99 kr), in decimal arithmetic: dividing in floating point, as
    `/ 100` does, loses the last øre beyond about 2^50 øre (unit test
    fct_bevilling_converts_ore_to_kroner_exactly). A larger amount fails the cast, never
    rounds. The argument may be an expression (a sum of columns): it is parenthesised
    before converting. -#}
{% macro ore_to_dkk(column) -%}
    cast(cast(({{ column }}) as decimal(38, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}
