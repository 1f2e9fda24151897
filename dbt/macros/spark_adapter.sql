{#- Where dbt-spark's own macros do not fit this project on Spark's plain Parquet tables
    (the spark target's file_format; Delta Lake is not on these machines). -#}

{#- A model contract's not_null constraints. dbt-spark sets them with ALTER COLUMN ...
    SET NOT NULL, which only Delta tables support. On Parquet tables the table is checked
    instead, after it is built: a NULL in such a column fails the model, naming the column,
    as DuckDB refuses the row at insert. -#}
{% macro spark__persist_constraints(relation, model) %}
  {%- if config.get('contract').enforced -%}
    {%- set required = [] -%}
    {%- for column_name, column in model.columns.items() -%}
      {%- if column.constraints | selectattr('type', 'equalto', 'not_null') | list -%}
        {%- do required.append((column_name, adapter.quote(column_name) if column.quote else column_name)) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if required -%}
      {#- One scan of the table for all of them. -#}
      {%- set counts = [] -%}
      {%- for name, quoted in required -%}
        {%- do counts.append('count(*) filter (where ' ~ quoted ~ ' is null)') -%}
      {%- endfor -%}
      {%- set nulls = run_query('select ' ~ counts | join(', ') ~ ' from ' ~ relation).rows[0] -%}
      {%- for name, quoted in required -%}
        {%- if nulls[loop.index0] > 0 -%}
          {{ exceptions.raise_compiler_error("contract of " ~ relation ~ ": column " ~ name ~ " is not_null, "
                                             ~ nulls[loop.index0] ~ " row(s) have NULL") }}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}

{#- A seed's rows as literals. dbt-spark's session cursor quotes a bound text value
    without escaping it, so a value with an apostrophe ("Landsbyggefonden's ...") breaks
    the INSERT; here each value is written as an escaped literal. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for col_name in agate_table.column_names -%}
          {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
          {%- set value = row[loop.index0] -%}
          cast({{ 'null' if value is none else "'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'" }} as {{ type }})
          {%- if not loop.last %}, {% endif -%}
        {%- endfor -%})
        {%- if not loop.last %},{% endif %}
      {% endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}
