-- The frame of suite fct_omraade_aar: every area-year of the mart, with its consistency
-- rules as boolean columns. The suppression rules cover every indicator of
-- area_indicators() (macros/area_indicators.sql), official and from the panel.
{%- set outcomes = area_indicators() | selectattr('outcome') | list %}
{%- set panel_outcomes = outcomes | selectattr('panel') | list %}
{%- set suppressible = [] %}
{%- for indicator in outcomes %}{% do suppressible.append(indicator.column) %}{% endfor %}
{%- for indicator in panel_outcomes %}{% do suppressible.append('panel_' ~ indicator.column) %}{% endfor %}
{%- do suppressible.extend(['residents', 'panel_residents']) %}
select
    *,
    area_year_key = area_id || '/' || year as key_is_area_and_year,
    {% for column in suppressible -%}
    ({{ column }} is null or not {{ column }}_suppressed)
    {%- if not loop.last %}
    and {% endif %}
    {%- endfor %}
    as suppressed_values_are_null,
    {% for indicator in panel_outcomes -%}
    {%- set column = 'panel_' ~ indicator.column -%}
    (not panel_delivered or (({{ column }} is null) = {{ column }}_suppressed))
    {%- if not loop.last %}
    and {% endif %}
    {%- endfor %}
    as panel_rates_null_exactly_when_flagged,
    list_category is null or list_published as listed_only_when_published,
    (n_active_plans > 0) = (active_plan_ids is not null)
        and (n_active_plans > 0) = (active_2011_14 or active_2015_18 or active_2019_26)
        as active_plans_consistent,
    lbf_grant_dkk = 0 or n_active_plans > 0 as grant_only_with_an_active_plan,
    total_budget_dkk >= lbf_grant_dkk as total_budget_covers_grant,
    (lbf_grant_per_resident_dkk is null) = (coalesce(residents, 0) = 0)
        as grant_per_resident_when_residents_known
from {{ ref('fct_omraade_aar') }}
