{#- The criteria of the government lists (docs/list_rules.md), one entry per criterion and
    period in which it applies. Values are compared in the units S4 publishes them in
    (tenths of a percent, hundredths of the conviction ratio, whole residents), as exact
    integers: `scale` turns the published value into those units, `threshold` is in them.
    A suppressed value meets no criterion.

    key: the criterion's name in the list check (rpt_omraade_listekontrol.criterion);
    list_column: where the published list (S3) gives the same value, if it does. -#}
{% macro list_criteria() -%}
{{ return([
    {"key": "residents", "first_year": 2010, "last_year": 2025, "code": "BEBOERE", "column": "residents",
     "list_column": "residents", "scale": 1, "op": ">=", "threshold": 1000, "rule": "BEBOERE >= 1000"},
    {"key": "work", "first_year": 2010, "last_year": 2025, "code": "UDEN_ARB_UDD_PCT",
     "column": "outside_work_education_pct", "list_column": "outside_work_education_pct",
     "scale": 10, "op": ">", "threshold": 400, "rule": "UDEN_ARB_UDD_PCT > 40"},
    {"key": "origin", "first_year": 2010, "last_year": 2025, "code": "IKKE_VESTLIG_PCT",
     "column": "non_western_pct", "list_column": "non_western_pct",
     "scale": 10, "op": ">", "threshold": 500, "rule": "IKKE_VESTLIG_PCT > 50"},
    {"key": "crime", "first_year": 2010, "last_year": 2017, "code": "DOEMTE_PCT",
     "column": "convicted_pct", "list_column": none,
     "scale": 10, "op": ">", "threshold": 27, "rule": "DOEMTE_PCT > 2.7"},
    {"key": "crime", "first_year": 2018, "last_year": 2025, "code": "DOEMTE_RATIO",
     "column": "convicted_ratio_to_national", "list_column": "convicted_ratio_to_national",
     "scale": 100, "op": ">=", "threshold": 300, "rule": "DOEMTE_RATIO >= 3"},
    {"key": "education", "first_year": 2010, "last_year": 2017, "code": "GRUNDSKOLE_PCT",
     "column": "basic_schooling_only_pct", "list_column": "basic_schooling_only_pct",
     "scale": 10, "op": ">", "threshold": 500, "rule": "GRUNDSKOLE_PCT > 50"},
    {"key": "education", "first_year": 2018, "last_year": 2025, "code": "GRUNDSKOLE_PCT",
     "column": "basic_schooling_only_pct", "list_column": "basic_schooling_only_pct",
     "scale": 10, "op": ">", "threshold": 600, "rule": "GRUNDSKOLE_PCT > 60"},
    {"key": "income", "first_year": 2010, "last_year": 2025, "code": "INDKOMST_REGION_PCT",
     "column": "income_pct_of_region", "list_column": "income_pct_of_region",
     "scale": 10, "op": "<", "threshold": 550, "rule": "INDKOMST_REGION_PCT < 55"},
    {"key": "prevention_origin", "first_year": 2021, "last_year": 2025, "code": "IKKE_VESTLIG_PCT",
     "column": "non_western_pct", "list_column": "non_western_pct",
     "scale": 10, "op": ">", "threshold": 300, "rule": "IKKE_VESTLIG_PCT > 30"},
    {"key": "prevention_work", "first_year": 2021, "last_year": 2025, "code": "UDEN_ARB_UDD_PCT",
     "column": "outside_work_education_pct", "list_column": "outside_work_education_pct",
     "scale": 10, "op": ">", "threshold": 300, "rule": "UDEN_ARB_UDD_PCT > 30"},
    {"key": "prevention_crime", "first_year": 2021, "last_year": 2025, "code": "DOEMTE_RATIO",
     "column": "convicted_ratio_to_national", "list_column": "convicted_ratio_to_national",
     "scale": 100, "op": ">=", "threshold": 200, "rule": "DOEMTE_RATIO >= 2"},
    {"key": "prevention_education", "first_year": 2021, "last_year": 2025, "code": "GRUNDSKOLE_PCT",
     "column": "basic_schooling_only_pct", "list_column": "basic_schooling_only_pct",
     "scale": 10, "op": ">", "threshold": 600, "rule": "GRUNDSKOLE_PCT > 60"},
    {"key": "prevention_income", "first_year": 2021, "last_year": 2025, "code": "INDKOMST_REGION_PCT",
     "column": "income_pct_of_region", "list_column": "income_pct_of_region",
     "scale": 10, "op": "<", "threshold": 650, "rule": "INDKOMST_REGION_PCT < 65"},
]) }}
{%- endmacro %}

{#- The distinct criterion keys, in order. -#}
{% macro list_criterion_keys() -%}
{%- set keys = [] -%}
{%- for c in list_criteria() if c.key not in keys -%}{%- do keys.append(c.key) -%}{%- endfor -%}
{{ return(keys) }}
{%- endmacro %}

{#- Whether `value_sql` meets criterion `key` in the row's list_year: NULL where the
    criterion does not apply that year, false where the value is NULL (suppressed). -#}
{% macro meets_criterion(key, source) -%}
case
    {%- for c in list_criteria() if c.key == key %}
    {%- set column = c.column if source == 'official' else c.list_column %}
    when list_year between {{ c.first_year }} and {{ c.last_year }} then
        {%- if column %}
        coalesce(round({{ source }}_{{ column }} * {{ c.scale }}) {{ c.op }} {{ c.threshold }}, false)
        {%- else %}
        null
        {%- endif %}
    {%- endfor %}
end
{%- endmacro %}

{#- Which criteria decide each category of the list (docs/list_rules.md): the list check
    names these when a disagreement has no differing value to point at. -#}
{% macro list_category_criteria() -%}
{%- set udsat = ['residents', 'work', 'crime', 'education', 'income'] -%}
{{ return([
    {"category": "ghettoområde", "first_year": 2010, "last_year": 2017,
     "keys": ['residents', 'work', 'origin', 'crime', 'education', 'income']},
    {"category": "udsat boligområde", "first_year": 2018, "last_year": 2025, "keys": udsat},
    {"category": "ghettoområde", "first_year": 2018, "last_year": 2020, "keys": udsat + ['origin']},
    {"category": "parallelsamfund", "first_year": 2021, "last_year": 2025, "keys": udsat + ['origin']},
    {"category": "hårdt ghettoområde", "first_year": 2018, "last_year": 2020, "keys": udsat + ['origin', 'history']},
    {"category": "omdannelsesområde", "first_year": 2021, "last_year": 2025, "keys": udsat + ['origin', 'history']},
    {"category": "forebyggelsesområde", "first_year": 2021, "last_year": 2025,
     "keys": ['residents', 'prevention_origin', 'prevention_work', 'prevention_crime', 'prevention_education',
              'prevention_income']},
]) }}
{%- endmacro %}
