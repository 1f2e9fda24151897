{#- The SQL of the project that DuckDB and Spark SQL spell differently, in one place: each
    macro dispatches on the adapter (duckdb__ for the embedded build database, spark__ for
    Apache Spark); on an adapter without an implementation dbt's dispatch fails to compile,
    naming the macro and the implementations it looked for. The raw layer as the sources' relations is macros/raw_layer.sql.

    Everything else in the models, tests and gates is SQL both engines read the same:
    `count(*) filter (where ...)`, `any_value`, `bool_or`, `bool_and`, `qualify`,
    `group by all`, `is not distinct from`, `||` with a number, `cast(... as string)`,
    DECIMAL(38, s) sums, `make_date`, `datediff('day', a, b)`. -#}

{#- One row per element of an array, in a select list: `select key, {{ unnest_rows('xs') }}
    as x from t`. Spark allows one such expression per select, not nested in another. -#}
{% macro unnest_rows(array) -%}
    {{ return(adapter.dispatch('unnest_rows')(array)) }}
{%- endmacro %}
{% macro duckdb__unnest_rows(array) -%} unnest({{ array }}) {%- endmacro %}
{% macro spark__unnest_rows(array) -%} explode({{ array }}) {%- endmacro %}
{#- The integers from `first` to `last`, both included, as an array. -#}
{% macro integer_series(first, last) -%}
    {{ return(adapter.dispatch('integer_series')(first, last)) }}
{%- endmacro %}
{% macro duckdb__integer_series(first, last) -%} generate_series({{ first }}, {{ last }}) {%- endmacro %}
{% macro spark__integer_series(first, last) -%} sequence({{ first }}, {{ last }}) {%- endmacro %}
{#- An array literal of the given Jinja list of numbers. -#}
{% macro array_of(values) -%}
    {{ return(adapter.dispatch('array_of')(values)) }}
{%- endmacro %}
{% macro duckdb__array_of(values) -%} [{{ values | join(', ') }}] {%- endmacro %}
{% macro spark__array_of(values) -%} array({{ values | join(', ') }}) {%- endmacro %}
{#- `text` split at every `delimiter` (an SQL literal, matched as it is) into an array. -#}
{% macro split_text(text, delimiter) -%}
    {{ return(adapter.dispatch('split_text')(text, delimiter)) }}
{%- endmacro %}
{% macro duckdb__split_text(text, delimiter) -%} string_split({{ text }}, {{ delimiter }}) {%- endmacro %}
{% macro spark__split_text(text, delimiter) -%}
    split({{ text }}, concat('\\Q', {{ delimiter }}, '\\E'))
{%- endmacro %}
{#- The number of elements of an array, and its `position`-th element (1 is the first). -#}
{% macro array_size(array) -%}
    {{ return(adapter.dispatch('array_size')(array)) }}
{%- endmacro %}
{% macro duckdb__array_size(array) -%} len({{ array }}) {%- endmacro %}
{% macro spark__array_size(array) -%} size({{ array }}) {%- endmacro %}
{% macro array_element(array, position) -%}
    {{ return(adapter.dispatch('array_element')(array, position)) }}
{%- endmacro %}
{% macro duckdb__array_element(array, position) -%} {{ array }}[{{ position }}] {%- endmacro %}
{% macro spark__array_element(array, position) -%} element_at({{ array }}, {{ position }}) {%- endmacro %}
{#- Integer division, rounded towards minus infinity for the non-negative amounts it divides. -#}
{% macro integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_divide')(dividend, divisor)) }}
{%- endmacro %}
{% macro duckdb__integer_divide(dividend, divisor) -%} {{ dividend }} // {{ divisor }} {%- endmacro %}
{% macro spark__integer_divide(dividend, divisor) -%} {{ dividend }} div {{ divisor }} {%- endmacro %}
{#- The integer type wide enough for an amount in øre times a weight (beyond bigint). -#}
{% macro type_wide_integer() -%}
    {{ return(adapter.dispatch('type_wide_integer')()) }}
{%- endmacro %}
{% macro duckdb__type_wide_integer() -%} hugeint {%- endmacro %}
{% macro spark__type_wide_integer() -%} decimal(38, 0) {%- endmacro %}
{#- The value of `value` in the row where `by` is largest (an aggregate; takes a filter). -#}
{% macro value_at_max(value, by) -%}
    {{ return(adapter.dispatch('value_at_max')(value, by)) }}
{%- endmacro %}
{% macro duckdb__value_at_max(value, by) -%} arg_max({{ value }}, {{ by }}) {%- endmacro %}
{% macro spark__value_at_max(value, by) -%} max_by({{ value }}, {{ by }}) {%- endmacro %}
{#- The text values of a group, sorted and joined by `delimiter` (an SQL literal); NULL
    when the group has none. `distinct=true` joins each value once. -#}
{% macro sorted_string_agg(text, delimiter, distinct=false) -%}
    {{ return(adapter.dispatch('sorted_string_agg')(text, delimiter, distinct)) }}
{%- endmacro %}
{% macro duckdb__sorted_string_agg(text, delimiter, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ text }}, {{ delimiter }} order by {{ text }})
{%- endmacro %}
{% macro spark__sorted_string_agg(text, delimiter, distinct) -%}
    case when count({{ text }}) > 0 then
        array_join(array_sort({{ 'collect_set' if distinct else 'collect_list' }}({{ text }})), {{ delimiter }}) end
{%- endmacro %}
{#- The distinct values of a group as a sorted array. -#}
{% macro sorted_distinct_array(value) -%}
    {{ return(adapter.dispatch('sorted_distinct_array')(value)) }}
{%- endmacro %}
{% macro duckdb__sorted_distinct_array(value) -%} list(distinct {{ value }} order by {{ value }}) {%- endmacro %}
{% macro spark__sorted_distinct_array(value) -%} array_sort(collect_set({{ value }})) {%- endmacro %}
{#- The files of a raw asset's partitions (one Parquet file each, also for a partition
    without rows), as a relation with one column `file`. -#}
{% macro raw_partition_files(identifier) -%}
    {{ return(adapter.dispatch('raw_partition_files')(identifier)) }}
{%- endmacro %}
{% macro duckdb__raw_partition_files(identifier) -%}
    glob('{{ env_var("BOLIGSOCIAL_RAW_DIR", "../data/work/raw") }}/{{ identifier }}/*.parquet')
{%- endmacro %}
{#- Spark's binaryFile source lists files (their contents are not read unless selected);
    its paths are file: URIs. -#}
{% macro spark__raw_partition_files(identifier) -%}
    (select regexp_replace(path, '^file:', '') as file
     from binaryFile.`{{ env_var("BOLIGSOCIAL_RAW_DIR", "../data/work/raw") }}/{{ identifier }}/*.parquet`)
{%- endmacro %}
{#- The number of items in a delimited string: split_count('plan_ids', "', '") is 3 for
    'a, b, c'; NULL for NULL. -#}
{% macro split_count(text, delimiter) -%}
    case when {{ text }} is not null then {{ array_size(split_text(text, delimiter)) }} end
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

{#- Spark replaces every match: a pattern given here matches at most once (anchored). Its
    string literals read a backslash as an escape, so each is doubled. -#}
{% macro spark__regex_replace(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern | replace("\\", "\\\\") | replace("'", "\\'") }}', '{{ replacement | replace("\\", "\\\\") | replace("'", "\\'") }}')
{%- endmacro %}

