{#- Schemas are named by layer (staging, intermediate, marts, ...), not prefixed with the
    target schema: the build database belongs to this project alone. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
