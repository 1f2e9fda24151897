{#- The gated raw layer as the sources' relations, on engines that read it as tables.

    DuckDB reads each source's Parquet files where they are (the source's
    meta.external_location: read_parquet over <raw dir>/<identifier>/*.parquet), so it
    needs nothing here. Spark reads a source as a table of its catalog: before a build, each
    source becomes an external table over the same files (the raw layer's *.json beside
    them are its sidecars, not data), re-created so that it sees the partitions of this
    refresh. Files written by one refresh and partitions of differing columns (a column
    added later) are read with their columns merged by name, as DuckDB's union_by_name. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
    {%- set raw_dir = env_var('BOLIGSOCIAL_RAW_DIR', '../data/work/raw') -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- set location = raw_dir ~ '/' ~ source.identifier -%}
        {%- do run_query('create database if not exists ' ~ source.schema) -%}
        {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
        {%- do run_query('create table ' ~ source.schema ~ '.' ~ source.identifier
                         ~ " using parquet options (pathGlobFilter '*.parquet', mergeSchema 'true')"
                         ~ " location '" ~ location ~ "'") -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
