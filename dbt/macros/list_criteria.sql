{#- The government lists' rules are data: the seed ref_list_rules (docs/list_rules.md), one
    row per list category, criterion and range of list years. These macros are the SQL
    that applies them; the generator and the list forecast apply the same seed in Python
    (dagster_project/lists/rules.py), independently of this. -#}

{#- The pseudo-indicator of the history criterion: how many of the previous `threshold`
    lists had the area in a category with ref_list_categories.ghetto_list. -#}
{% macro list_history_indicator() -%}'LISTED_PREVIOUS_YEARS'{%- endmacro %}

{#- `value` <comparison> `threshold`, the comparison read from the seed. NULL when the
    value is NULL (suppressed); callers decide what that means. Values and thresholds are
    doubles parsed from the same decimal text, so the comparison is exact at the threshold. -#}
{% macro list_comparison(value, comparison, threshold) -%}
case {{ comparison }}
    when '>' then {{ value }} > {{ threshold }}
    when '>=' then {{ value }} >= {{ threshold }}
    when '<' then {{ value }} < {{ threshold }}
    when '<=' then {{ value }} <= {{ threshold }}
end
{%- endmacro %}

{#- How far `value` lies on the meeting side of the threshold: value - threshold for '>'
    and '>=', threshold - value for '<' and '<='; negative when short of it. Rounded to 6
    decimals, which drops the binary noise of the subtraction (published values have at
    most 2). -#}
{% macro list_margin(value, comparison, threshold) -%}
round(case when {{ comparison }} in ('>', '>=') then {{ value }} - {{ threshold }}
      else {{ threshold }} - {{ value }} end, 6)
{%- endmacro %}

{#- The rule as docs/list_rules.md writes it, e.g. 'DOEMTE_PCT > 2.7', 'BEBOERE >= 1000'. -#}
{% macro list_rule_text(indicator_code, comparison, threshold) -%}
{{ indicator_code }} || ' ' || {{ comparison }} || ' ' || {{ regex_replace('cast(' ~ threshold ~ ' as string)', '\\.0$', '') }}
{%- endmacro %}

{#- The S4 indicators the published list (S3) prints a value of, as their column in
    int_area__lists_resolved (named as in area_indicators). -#}
{% macro list_printed_indicators() -%}
{%- set printed = ['residents', 'outside_work_education_pct', 'convicted_ratio_to_national',
                   'basic_schooling_only_pct', 'income_pct_of_region', 'non_western_pct'] -%}
{{ return(area_indicators() | selectattr('column', 'in', printed) | list) }}
{%- endmacro %}

{#- Per area, list year and category: whether the category's rules hold, from `checks`
    (area_id, list_year, category, role, criteria_required, meets): every 'required'
    criterion met and at least criteria_required of the 'counted' ones. -#}
{% macro list_qualification(checks) -%}
select
    area_id,
    list_year,
    category,
    coalesce(bool_and(meets) filter (where role = 'required'), true)
        and count(*) filter (where role = 'counted' and meets) >= any_value(criteria_required) as qualifies
from {{ checks }}
group by area_id, list_year, category
{%- endmacro %}
