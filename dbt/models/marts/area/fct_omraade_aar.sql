-- One row per boligområde and year 2008-2025: the official indicators (S4), the same
-- indicators computed from the register panel (S6) where the panel holds them, the list
-- category of the year (published, and by our rules), the plans active in the area and
-- LBF's budget for the year per resident.
--
-- Disclosure control: a rate computed from the panel is published only when at least
-- {{ min_persons_per_rate() }} persons are in its population (the provider's own rule for
-- S4, stricter than the warehouse's minimum of 5 persons behind any figure) and is
-- rounded like S4; a count of persons from 1 to 4 is NULL. Either is flagged
-- <column>_suppressed = true.
{%- set panel_indicators = [] %}
{%- for indicator in area_indicators() if indicator.panel %}{% do panel_indicators.append(indicator) %}{% endfor %}
with series as (
    select {{ unnest_rows(integer_series(2008, 2025)) }} as year
),

years as (
    select cast(year as integer) as year from series
),

spine as (
    select areas.area_id, areas.area_name, areas.municipality_code, years.year
    from {{ ref('stg_register__areas') }} as areas
    cross join years
),

panel_years as (
    select distinct year from {{ ref('stg_panel__person_years') }}
),

active as (
    select
        area_id,
        year,
        {{ sorted_string_agg('plan_id', "', '", distinct=true) }} as active_plan_ids,
        count(distinct plan_id) as n_active_plans,
        {{ sorted_string_agg('funding_round', "', '", distinct=true) }} as active_funding_rounds,
        bool_or(funding_round = '2011-14') as active_2011_14,
        bool_or(funding_round = '2015-18') as active_2015_18,
        bool_or(funding_round = '2019-26') as active_2019_26,
        sum(grant_lbf_ore) as grant_lbf_ore,
        sum(total_budget_ore) as total_budget_ore
    from {{ ref('int_area__plan_years') }}
    group by area_id, year
),

residents as (
    select
        official.area_id,
        official.year,
        -- A count of persons from 1 to 4 is never published.
        case when official.residents between 1 and 4 then null else official.residents end as residents,
        official.residents_suppressed or official.residents between 1 and 4 as residents_suppressed
    from {{ ref('int_area__indicators_official') }} as official
)

select
    spine.area_id || '/' || spine.year as area_year_key,
    spine.area_id,
    spine.year,
    spine.area_name,
    spine.municipality_code,
    official.area_id is not null as indicators_delivered,
    cast(residents.residents as integer) as residents,
    coalesce(residents.residents_suppressed, false) as residents_suppressed,
    {%- for indicator in area_indicators() if indicator.code != 'BEBOERE' %}
    official.{{ indicator.column }},
    coalesce(official.{{ indicator.column }}_suppressed, false) as {{ indicator.column }}_suppressed,
    {%- endfor %}
    panel_years.year is not null as panel_delivered,
    {%- for indicator in panel_indicators %}
    {%- set n = 'panel.n_' ~ indicator.column %}
    {%- set k = 'panel.k_' ~ indicator.column %}
    {%- if indicator.panel.per %}
    case when {{ n }} >= {{ min_persons_per_rate() }}
        then {{ rate_half_up(k, n, indicator.panel.per, indicator.decimals) }}
    end as panel_{{ indicator.column }},
    panel_years.year is not null and coalesce({{ n }}, 0) < {{ min_persons_per_rate() }}
        as panel_{{ indicator.column }}_suppressed,
    {%- else %}
    cast(case when {{ k }} between 1 and 4 then null else coalesce({{ k }}, case when panel_years.year is not null then 0 end) end
        as integer) as panel_{{ indicator.column }},
    coalesce({{ k }} between 1 and 4, false) as panel_{{ indicator.column }}_suppressed,
    {%- endif %}
    {%- endfor %}
    list_years.list_year is not null as list_published,
    listed.list_category,
    rules.computed_category as computed_list_category,
    active.active_plan_ids,
    coalesce(active.n_active_plans, 0) as n_active_plans,
    active.active_funding_rounds,
    coalesce(active.active_2011_14, false) as active_2011_14,
    coalesce(active.active_2015_18, false) as active_2015_18,
    coalesce(active.active_2019_26, false) as active_2019_26,
    {{ ore_to_dkk('round(coalesce(active.grant_lbf_ore, 0))') }} as lbf_grant_dkk,
    {{ ore_to_dkk('round(coalesce(active.total_budget_ore, 0))') }} as total_budget_dkk,
    case when residents.residents > 0
        then {{ ore_to_dkk('round(coalesce(active.grant_lbf_ore, 0) / residents.residents)') }}
    end as lbf_grant_per_resident_dkk
from spine
left join {{ ref('int_area__indicators_official') }} as official
    on spine.area_id = official.area_id and spine.year = official.year
left join residents
    on spine.area_id = residents.area_id and spine.year = residents.year
left join {{ ref('int_area__indicators_panel') }} as panel
    on spine.area_id = panel.area_id and spine.year = panel.year
left join panel_years
    on spine.year = panel_years.year
left join (select distinct list_year from {{ ref('int_area__list_years') }}) as list_years
    on spine.year = list_years.list_year
left join {{ ref('int_area__lists_resolved') }} as listed
    on spine.area_id = listed.area_id and spine.year = listed.list_year
left join {{ ref('int_area__lists_rules') }} as rules
    on spine.area_id = rules.area_id and spine.year = rules.list_year
left join active
    on spine.area_id = active.area_id and spine.year = active.year
