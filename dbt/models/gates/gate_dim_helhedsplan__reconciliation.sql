-- The frame of suite dim_helhedsplan__reconciliation: per funding round, the mart's
-- plans and sums (in øre) beside the gated raw grant files (S1a-c). A round on one side
-- only has NULLs on the other.
with mart as (
    select
        funding_round,
        count(*) as plans,
        sum(grant_lbf_dkk) * 100 as grant_lbf_ore,
        sum(cofinancing_municipality_dkk) * 100 as cofinancing_municipality_ore,
        sum(cofinancing_housing_org_dkk) * 100 as cofinancing_housing_org_ore,
        sum(total_budget_dkk) * 100 as total_budget_ore
    from {{ ref('dim_helhedsplan') }}
    group by funding_round
),

raw as (
    select
        funding_round,
        count(distinct plan_id) as plans,
        sum(grant_lbf_ore) as grant_lbf_ore,
        sum(cofinancing_municipality_ore) as cofinancing_municipality_ore,
        sum(cofinancing_housing_org_ore) as cofinancing_housing_org_ore,
        sum(grant_lbf_ore + cofinancing_municipality_ore + cofinancing_housing_org_ore) as total_budget_ore
    from {{ source('lbf', 'raw_lbf_grants') }}
    group by funding_round
)

select
    coalesce(raw.funding_round, mart.funding_round) as funding_round,
    cast(raw.plans as bigint) as raw_plans,
    cast(mart.plans as bigint) as mart_plans,
    cast(raw.grant_lbf_ore as bigint) as raw_grant_lbf_ore,
    cast(mart.grant_lbf_ore as bigint) as mart_grant_lbf_ore,
    cast(raw.cofinancing_municipality_ore as bigint) as raw_cofinancing_municipality_ore,
    cast(mart.cofinancing_municipality_ore as bigint) as mart_cofinancing_municipality_ore,
    cast(raw.cofinancing_housing_org_ore as bigint) as raw_cofinancing_housing_org_ore,
    cast(mart.cofinancing_housing_org_ore as bigint) as mart_cofinancing_housing_org_ore,
    cast(raw.total_budget_ore as bigint) as raw_total_budget_ore,
    cast(mart.total_budget_ore as bigint) as mart_total_budget_ore
from raw
full outer join mart
    on raw.funding_round = mart.funding_round
order by 1
