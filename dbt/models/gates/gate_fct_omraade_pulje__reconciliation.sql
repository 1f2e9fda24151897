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
    {{ raw_grant_totals() }}
)

{{ beside_raw(['grant_lbf_ore', 'total_budget_ore']) }}
