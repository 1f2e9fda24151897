-- One row per almene boligområde in the register, with its funding history.
with estates as (
    select
        area_id,
        count(*) as n_estates,
        sum(dwellings) as dwellings,
        string_agg(distinct housing_org_name, ' | ' order by housing_org_name) as housing_organisations
    from {{ ref('stg_register__estates') }}
    group by area_id
),

funding as (
    select
        area_id,
        min(funding_round) as first_funding_round,
        string_agg(distinct funding_round, ', ' order by funding_round) as funding_rounds,
        count(distinct plan_id) as n_plans,
        bool_or(funding_round = '2011-14') as funded_2011_14,
        bool_or(funding_round = '2015-18') as funded_2015_18,
        bool_or(funding_round = '2019-26') as funded_2019_26
    from {{ ref('int_lbf__plan_estates') }}
    group by area_id
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
    coalesce(funding.funded_2019_26, false) as funded_2019_26
from {{ ref('stg_register__areas') }} as areas
left join {{ ref('ref_municipalities') }} as municipalities
    on areas.municipality_code = municipalities.municipality_code
left join estates
    on areas.area_id = estates.area_id
left join funding
    on areas.area_id = funding.area_id
