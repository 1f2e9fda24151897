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
    {{ raw_grant_totals() }}
)

{{ beside_raw(['plans', 'grant_lbf_ore', 'cofinancing_municipality_ore', 'cofinancing_housing_org_ore', 'total_budget_ore']) }}
