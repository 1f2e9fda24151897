-- One row per almene boligområde in the register: where it is, what it holds, its
-- residents, its funding history and its years on the government lists.
{%- set categories = {'ghettoområde': 'ghettoomraade', 'hårdt ghettoområde': 'haardt_ghettoomraade',
                      'udsat boligområde': 'udsat_boligomraade', 'parallelsamfund': 'parallelsamfund',
                      'omdannelsesområde': 'omdannelsesomraade', 'forebyggelsesområde': 'forebyggelsesomraade'} %}
with estates as (
    select
        area_id,
        count(*) as n_estates,
        cast(sum(dwellings) as bigint) as dwellings,
        {{ sorted_string_agg('housing_org_name', "' | '", distinct=true) }} as housing_organisations
    from {{ ref('stg_register__estates') }}
    group by area_id
),

funding as (
    select
        area_id,
        min(funding_round) as first_funding_round,
        {{ sorted_string_agg('funding_round', "', '", distinct=true) }} as funding_rounds,
        count(distinct plan_id) as n_plans,
        bool_or(funding_round = '2011-14') as funded_2011_14,
        bool_or(funding_round = '2015-18') as funded_2015_18,
        bool_or(funding_round = '2019-26') as funded_2019_26
    from {{ ref('int_lbf__plan_estates') }}
    group by area_id
),

grants as (
    select
        area_id,
        sum(grant_lbf_ore) as grant_lbf_ore,
        sum(grant_lbf_ore + cofinancing_municipality_ore + cofinancing_housing_org_ore) as total_budget_ore
    from {{ ref('int_area__plan_grants') }}
    group by area_id
),

latest_residents as (
    -- Residents on 1 January of the latest year with indicators (S4).
    select area_id, year as residents_year, residents
    from {{ ref('int_area__indicators_official') }}
    qualify row_number() over (partition by area_id order by year desc) = 1
),

lists as (
    select
        area_id,
        {%- for category, column in categories.items() %}
        count(*) filter (where list_category = '{{ category }}') as years_{{ column }},
        {%- endfor %}
        count(*) as years_on_list,
        min(list_year) as first_list_year,
        max(list_year) as last_list_year
    from {{ ref('int_area__lists_resolved') }}
    where area_id is not null
    group by area_id
),

latest_list as (
    -- The category on the latest list delivered; NULL when the area is not on it.
    select listed.area_id, listed.list_category
    from {{ ref('int_area__lists_resolved') }} as listed
    where listed.area_id is not null
        and listed.list_year = (select max(list_year) from {{ ref('int_area__list_years') }})
)

select
    areas.area_id,
    areas.area_name,
    areas.municipality_code,
    municipalities.municipality_name,
    municipalities.region_code,
    municipalities.region_name,
    coalesce(estates.n_estates, 0) as n_estates,
    coalesce(estates.dwellings, 0) as dwellings,
    estates.housing_organisations,
    funding.first_funding_round,
    funding.funding_rounds,
    coalesce(funding.n_plans, 0) as n_plans,
    coalesce(funding.funded_2011_14, false) as funded_2011_14,
    coalesce(funding.funded_2015_18, false) as funded_2015_18,
    coalesce(funding.funded_2019_26, false) as funded_2019_26,
    {{ ore_to_dkk('coalesce(grants.grant_lbf_ore, 0)') }} as grant_lbf_dkk,
    {{ ore_to_dkk('coalesce(grants.total_budget_ore, 0)') }} as total_budget_dkk,
    -- A count of persons from 1 to 4 is never published.
    cast(case when latest_residents.residents between 1 and 4 then null else latest_residents.residents end
        as integer) as residents,
    latest_residents.residents_year,
    {%- for column in categories.values() %}
    coalesce(lists.years_{{ column }}, 0) as years_{{ column }},
    {%- endfor %}
    coalesce(lists.years_on_list, 0) as years_on_list,
    lists.first_list_year,
    lists.last_list_year,
    latest_list.list_category as latest_list_category
from {{ ref('stg_register__areas') }} as areas
left join {{ ref('ref_municipalities') }} as municipalities
    on areas.municipality_code = municipalities.municipality_code
left join estates
    on areas.area_id = estates.area_id
left join funding
    on areas.area_id = funding.area_id
left join grants
    on areas.area_id = grants.area_id
left join latest_residents
    on areas.area_id = latest_residents.area_id
left join lists
    on areas.area_id = lists.area_id
left join latest_list
    on areas.area_id = latest_list.area_id
