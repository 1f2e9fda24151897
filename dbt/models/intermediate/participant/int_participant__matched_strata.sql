-- Coarsened exact matching, stratum by stratum (per activity, outcome and horizon): a
-- stratum is matched when it holds at least one treated person and one uncensored control
-- with the outcome measured. For each stratum, what its controls say about the treated's
-- outcome without the activity:
--   control_mean      the censoring-weighted mean sum(w y) / sum(w) (IPCW; w from
--                     int_participant__outcomes, 1 for a control that could not start);
--   control_ess       the controls' effective number (sum w)^2 / sum w^2;
--   control_variance  the weighted within-stratum variance of the outcome, with the
--                     small-sample factor ess / (ess - 1) (NULL with a single control);
--   control_mean_excluding  the unweighted mean of the same controls: the estimate
--                     before the censoring weights (controls who start within the
--                     horizon left out, the others unweighted), kept for comparison.
-- Treated persons in unmatched strata are left out of the estimates and counted
-- (treated_unmatched_n in rpt_aktivitet_effekter). Each value is computed from the exact
-- sums of int_participant__strata, row by row, so it does not depend on row order.
with strata as (
    select * from {{ ref('int_participant__strata') }}
),

means as (
    select
        *,
        n_treated > 0 and n_controls > 0 as is_matched,
        case when n_controls > 0 then cast(sum_wy_controls as double) / cast(sum_w_controls as double) end
            as control_mean,
        case when n_controls > 0 then cast(sum_y_controls as double) / n_controls end as control_mean_excluding,
        case when n_controls > 0
            then cast(sum_w_controls as double) * cast(sum_w_controls as double) / cast(sum_ww_controls as double)
        end as control_ess
    from strata
)

select
    *,
    case when n_controls >= 2
        then greatest(cast(sum_wyy_controls as double) / cast(sum_w_controls as double) - control_mean * control_mean, 0)
            * control_ess / (control_ess - 1)
    end as control_variance
from means
