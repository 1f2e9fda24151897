{#- The matching cells of docs/generator.md ("The cells"), the coarsening that both the
    selection of participants and the coarsened exact matching use. Ages are
    year - birth_year (the age reached during the year). -#}

{% macro age_band(age) -%}
    case
        when {{ age }} between 6 and 9 then '6-9'
        when {{ age }} between 10 and 12 then '10-12'
        when {{ age }} between 13 and 15 then '13-15'
        when {{ age }} between 16 and 17 then '16-17'
        when {{ age }} between 18 and 24 then '18-24'
        when {{ age }} between 25 and 34 then '25-34'
        when {{ age }} between 35 and 44 then '35-44'
        when {{ age }} between 45 and 54 then '45-54'
        when {{ age }} between 55 and 64 then '55-64'
    end
{%- endmacro %}

{% macro origin_group(origin) -%}
    case
        when {{ origin }} in ('ikke_vestlig_indvandrer', 'ikke_vestlig_efterkommer') then 'ikke_vestlig'
        when {{ origin }} in ('vestlig_indvandrer', 'vestlig_efterkommer') then 'vestlig'
        when {{ origin }} = 'dansk' then 'dansk'
    end
{%- endmacro %}

{#- A binary status as a cell: '0', '1' or 'unknown' (no row, or null at that age). -#}
{% macro binary_cell(value) -%}
    coalesce(cast(cast({{ value }} as integer) as string), 'unknown')
{%- endmacro %}

{#- School absence in % as a cell: '<5', '5-10' (5 <= x < 10), '10-20', '>=20' or 'unknown'. -#}
{% macro absence_cell(value) -%}
    case
        when {{ value }} is null then 'unknown'
        when {{ value }} < 5 then '<5'
        when {{ value }} < 10 then '5-10'
        when {{ value }} < 20 then '10-20'
        else '>=20'
    end
{%- endmacro %}

{#- The six outcomes measured for participants and comparison persons: the code (the
    register panel's column name, as in ref_activities.primary_outcome and the generator's
    truth file), the English column of stg_panel__person_years, and whether it is a yes/no
    status ('binary': rates, odds ratios) or a percentage ('mean': difference in means). -#}
{% macro participant_outcomes() -%}
    {{ return([
        {'code': 'fritidsjob', 'column': 'has_leisure_job', 'kind': 'binary'},
        {'code': 'i_uddannelse', 'column': 'in_education', 'kind': 'binary'},
        {'code': 'beskaeftiget', 'column': 'is_employed', 'kind': 'binary'},
        {'code': 'afgangseksamen', 'column': 'took_ninth_grade_exam', 'kind': 'binary'},
        {'code': 'skolefravaer_pct', 'column': 'school_absence_pct', 'kind': 'mean'},
        {'code': 'mistanke_sigtelse', 'column': 'was_suspected_or_charged', 'kind': 'binary'},
    ]) }}
{%- endmacro %}

{% macro effect_horizons() -%}
    {{ return([0, 1, 2]) }}
{%- endmacro %}

{#- The baseline cell of an activity's primary outcome (ref_activities.primary_outcome),
    from a relation of int_participant__person_years: one mapping for the participants'
    episodes and the matching pool, so the two can never stratify differently. -#}
{% macro baseline_cell(primary_outcome, person_years) -%}
    case {{ primary_outcome }}
        {%- for outcome in ['fritidsjob', 'i_uddannelse', 'beskaeftiget', 'afgangseksamen', 'skolefravaer_pct'] %}
        when '{{ outcome }}' then {{ person_years }}.baseline_{{ outcome }}
        {%- endfor %}
    end
{%- endmacro %}
