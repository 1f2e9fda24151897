-- One row per boligsocial helhedsplan, all rounds.
with coverage as (
    select
        plan_estates.plan_id,
        count(distinct plan_estates.estate_id) as n_estates,
        count(distinct plan_estates.area_id) as n_areas,
        cast(sum(estates.dwellings) as bigint) as dwellings
    from {{ ref('int_lbf__plan_estates') }} as plan_estates
    left join {{ ref('stg_register__estates') }} as estates
        on plan_estates.estate_id = estates.estate_id
    group by plan_estates.plan_id
)

select
    plans.plan_id,
    plans.funding_round,
    plans.plan_name,
    plans.housing_organisations,
    plans.municipality_code,
    municipalities.municipality_name,
    municipalities.region_name,
    plans.start_date,
    plans.end_date,
    plans.n_budget_lines as n_focus_areas,
    coalesce(coverage.n_estates, 0) as n_estates,
    coalesce(coverage.n_areas, 0) as n_areas,
    coalesce(coverage.dwellings, 0) as dwellings,
    {{ ore_to_dkk('plans.grant_lbf_ore') }} as grant_lbf_dkk,
    {{ ore_to_dkk('plans.cofinancing_municipality_ore') }} as cofinancing_municipality_dkk,
    {{ ore_to_dkk('plans.cofinancing_housing_org_ore') }} as cofinancing_housing_org_dkk,
    {{ ore_to_dkk('plans.grant_lbf_ore + plans.cofinancing_municipality_ore + plans.cofinancing_housing_org_ore') }}
        as total_budget_dkk,
    cast(
        (plans.cofinancing_municipality_ore + plans.cofinancing_housing_org_ore)
        / (plans.grant_lbf_ore + plans.cofinancing_municipality_ore + plans.cofinancing_housing_org_ore)
        as decimal(6, 4)
    ) as local_cofinancing_share,
    plans.source_file,
    plans.source_sha256
from {{ ref('int_lbf__plans') }} as plans
left join {{ ref('ref_municipalities') }} as municipalities
    on plans.municipality_code = municipalities.municipality_code
left join coverage
    on plans.plan_id = coverage.plan_id
