-- Coarsened exact matching: a stratum is matched when it holds at least one treated person
-- and one control with the outcome measured (per activity, outcome and horizon). Controls
-- of a matched stratum get the standard CEM weight
--     w_s = (n_T,s / n_C,s) * (N_C / N_T),
-- N_T and N_C the treated and controls in all matched strata of the activity, outcome and
-- horizon; treated persons weigh 1; unmatched strata weigh 0 and are counted, not dropped
-- (treated_unmatched_n in rpt_aktivitet_effekter).
with strata as (
    select
        *,
        n_treated > 0 and n_controls > 0 as is_matched
    from {{ ref('int_participant__strata') }}
),

totals as (
    select
        activity_code,
        outcome,
        horizon,
        sum(n_treated) filter (where is_matched) as matched_treated,
        sum(n_controls) filter (where is_matched) as matched_controls
    from strata
    group by activity_code, outcome, horizon
)

select
    strata.*,
    case
        when strata.is_matched
            then (cast(strata.n_treated as double) / strata.n_controls)
                * (cast(totals.matched_controls as double) / totals.matched_treated)
        else 0
    end as control_weight
from strata
inner join totals
    on totals.activity_code = strata.activity_code
    and totals.outcome = strata.outcome
    and totals.horizon = strata.horizon
