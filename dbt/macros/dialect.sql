{#- The SQL of the gate models (models/gates/) that is not standard SQL, in one place:
    another engine (Spark, issue 18) needs an implementation of each macro here and
    nothing else in the gates. Each dispatches on the adapter; duckdb__ is the build
    database's, and an adapter without one fails to compile, naming the macro.

    Everything else in the gates is standard SQL (or what DuckDB and Spark SQL share:
    `count(*) filter (where ...)`, `bool_and`, `is not distinct from`, `||` with a number),
    plus dbt's own cross-database macros (dbt.type_string()). -#}

{#- The number of items in a delimited string: split_count('plan_ids', "', '") is 3 for
    'a, b, c'; NULL for NULL. -#}
{% macro split_count(text, delimiter) -%}
    {{ return(adapter.dispatch('split_count')(text, delimiter)) }}
{%- endmacro %}

{% macro duckdb__split_count(text, delimiter) -%}
    len(string_split({{ text }}, {{ delimiter }}))
{%- endmacro %}

{% macro default__split_count(text, delimiter) -%}
    {{ exceptions.raise_compiler_error("split_count has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{#- `text` with the first match of the regular expression `pattern` replaced. The pattern
    is given as the regular expression itself, not as an SQL literal: how a literal
    escapes a backslash is the engine's (DuckDB keeps it, Spark reads it as an escape),
    and so is the regex dialect (DuckDB's RE2; keep to what RE2 and Java share). -#}
{% macro regex_replace(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regex_replace(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern | replace("'", "''") }}', '{{ replacement | replace("'", "''") }}')
{%- endmacro %}

{% macro default__regex_replace(text, pattern, replacement) -%}
    {{ exceptions.raise_compiler_error("regex_replace has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}
