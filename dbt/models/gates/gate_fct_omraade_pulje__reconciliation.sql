-- The frame of suite fct_omraade_pulje__reconciliation: per funding round, the areas'
-- shares of the grants and budgets (in øre) beside the gated raw grant files (S1a-c).
-- A round on one side only has NULLs on the other.
with mart as (
    select
        funding_round,
        sum(grant_lbf_dkk) * 100 as grant_lbf_ore,
        sum(total_budget_dkk) * 100 as total_budget_ore
    from {{ ref('fct_omraade_pulje') }}
    group by funding_round
),

raw as (
    select
        funding_round,
        sum(grant_lbf_ore) as grant_lbf_ore,
        sum(grant_lbf_ore + cofinancing_municipality_ore + cofinancing_housing_org_ore) as total_budget_ore
    from {{ source('lbf', 'raw_lbf_grants') }}
    group by funding_round
)

select
    coalesce(raw.funding_round, mart.funding_round) as funding_round,
    cast(raw.grant_lbf_ore as bigint) as raw_grant_lbf_ore,
    cast(mart.grant_lbf_ore as bigint) as mart_grant_lbf_ore,
    cast(raw.total_budget_ore as bigint) as raw_total_budget_ore,
    cast(mart.total_budget_ore as bigint) as mart_total_budget_ore
from raw
full outer join mart
    on raw.funding_round = mart.funding_round
order by 1
