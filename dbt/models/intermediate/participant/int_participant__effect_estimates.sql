-- The effects of each activity on each outcome at horizons 0-2, for everybody and for each
-- gender: the effect on the treated against never taking part (ATT), from coarsened exact
-- matching with censoring-weighted controls, next to the estimate without the censoring
-- weights and the naive comparison. Unsuppressed and never published: the report
-- rpt_aktivitet_effekter applies the disclosure rules. docs/effects.md states the
-- estimand, the formulas and their assumptions.
--
-- No estimate is computed from a table with a cell of fewer than 5 persons
-- (smallest_cell < 5): its estimates are NULL here already. That also keeps every rate
-- strictly between 0 and 1 and every variance positive.
--
-- Sums across strata are of DECIMAL(38, 18) terms (exact, so independent of row order);
-- everything after them is arithmetic on single values.
{%- set exact = "cast({} as decimal(38, 18))" %}
{%- set binary = "outcome_kind = 'binary' and smallest_cell >= 5" %}
{%- set mean = "outcome_kind = 'mean' and smallest_cell >= 5" %}
with strata as (
    select * from {{ ref('int_participant__matched_strata') }}
),

-- A stratum with a single control has no variance of its own: it takes the pooled
-- within-stratum variance of its activity, outcome and horizon.
pooled as (
    select
        activity_code,
        outcome,
        horizon,
        cast(sum({{ exact.format('(control_ess - 1) * control_variance') }}) as double)
            / nullif(cast(sum({{ exact.format('control_ess - 1') }}) as double), 0) as pooled_variance
    from strata
    where is_matched and control_variance is not null
    group by activity_code, outcome, horizon
),

subgroups as (
    select * from (values ('all', null), ('female', 'K'), ('male', 'M')) as s (subgroup, gender)
),

sums as (
    select
        strata.activity_code,
        strata.outcome,
        any_value(strata.outcome_kind) as outcome_kind,
        strata.horizon,
        subgroups.subgroup,
        -- matched treated and uncensored controls (persons, unweighted)
        coalesce(sum(strata.n_treated) filter (where strata.is_matched), 0) as n_t,
        cast(sum(strata.sum_y_treated) filter (where strata.is_matched) as double) as y_t,
        coalesce(sum(strata.n_controls) filter (where strata.is_matched), 0) as n_c,
        cast(sum(strata.sum_y_controls) filter (where strata.is_matched) as double) as y_c,
        -- what the treated would have had: each stratum's control mean for its treated
        cast(sum({{ exact.format('strata.n_treated * strata.control_mean') }}) filter (where strata.is_matched)
            as double) as counterfactual_sum,
        cast(sum({{ exact.format('strata.n_treated * strata.control_mean_excluding') }})
            filter (where strata.is_matched) as double) as counterfactual_sum_excluding,
        -- variance of (the treated's mean outcome without the activity - its estimate):
        -- per stratum n_T * sigma^2 * (1 + n_T / ess_C)
        cast(sum({{ exact.format('strata.n_treated * coalesce(strata.control_variance, pooled.pooled_variance, 0)'
                                 ' * (1 + strata.n_treated / strata.control_ess)') }})
            filter (where strata.is_matched) as double) as counterfactual_variance_sum,
        -- sum over controls of their squared matching x censoring weights, each stratum's
        -- weights scaled to add up to its treated
        cast(sum({{ exact.format('strata.n_treated * strata.n_treated / strata.control_ess') }})
            filter (where strata.is_matched) as double) as control_weight_sumsq,
        count(*) filter (where strata.is_matched) as matched_strata,
        sum(strata.n_treated) filter (where not strata.is_matched and strata.n_treated > 0) as n_t_unmatched,
        count(*) filter (where not strata.is_matched and strata.n_treated > 0) as unmatched_strata,
        -- naive: every treated person against every uncensored control, unweighted
        sum(strata.n_treated) as n_t_all,
        cast(sum(strata.sum_y_treated) as double) as y_t_all,
        cast(sum(strata.sumsq_y_treated) as double) as yy_t_all,
        sum(strata.n_controls) as n_c_all,
        cast(sum(strata.sum_y_controls) as double) as y_c_all,
        cast(sum(strata.sumsq_y_controls) as double) as yy_c_all
    from strata
    inner join subgroups on subgroups.gender is null or subgroups.gender = strata.gender
    left join pooled
        on pooled.activity_code = strata.activity_code
        and pooled.outcome = strata.outcome
        and pooled.horizon = strata.horizon
    group by strata.activity_code, strata.outcome, strata.horizon, subgroups.subgroup
    -- a row where at least one participant has the outcome measured
    having sum(strata.n_treated) > 0
),

rates as (
    select
        *,
        y_t / nullif(n_t, 0) as p_t,
        counterfactual_sum / nullif(n_t, 0) as p_c,
        counterfactual_sum_excluding / nullif(n_t, 0) as p_c_excluding,
        sqrt(counterfactual_variance_sum) / nullif(n_t, 0) as se_counterfactual,
        n_t * n_t / nullif(control_weight_sumsq, 0) as ess_c,
        y_t_all / n_t_all as p_t_all,
        y_c_all / nullif(n_c_all, 0) as p_c_all,
        -- each cell of the matched treated/control x outcome yes/no table (for a mean: each group)
        cast(case outcome_kind
            when 'binary' then least(n_t, n_c, y_t, n_t - y_t, y_c, n_c - y_c)
            else least(n_t, n_c)
        end as bigint) as smallest_cell
    from sums
)

-- Intervals (95 %, normal approximation) for the effect on these participants, the
-- truth's definition: the treated's outcome is observed, so the estimate is off only by
-- how far the control means are from what the treated would have had without the
-- activity. se_counterfactual is that difference's standard error (docs/effects.md); the
-- delta method carries it to the log odds ratio (1 / (p_c (1 - p_c))) and the log risk
-- ratio (1 / p_c).
select
    activity_code,
    outcome,
    outcome_kind,
    horizon,
    subgroup,
    smallest_cell,
    n_t as treated_n,
    n_c as matched_controls_n,
    coalesce(n_t_unmatched, 0) as treated_unmatched_n,
    matched_strata,
    coalesce(unmatched_strata, 0) as unmatched_strata,
    case when smallest_cell >= 5 then ess_c end as control_effective_size,
    case when smallest_cell >= 5 then p_t end as treated_outcome,
    case when smallest_cell >= 5 then p_c end as control_outcome,
    case when smallest_cell >= 5 then se_counterfactual end as control_outcome_se,
    case when {{ binary }} then (p_t / (1 - p_t)) / (p_c / (1 - p_c)) end as odds_ratio,
    case when {{ binary }} then se_counterfactual / (p_c * (1 - p_c)) end as se_log_odds_ratio,
    case when {{ binary }} then p_t / p_c end as risk_ratio,
    case when {{ binary }} then se_counterfactual / p_c end as se_log_risk_ratio,
    case when {{ mean }} then p_t - p_c end as mean_difference,
    case when {{ mean }} then se_counterfactual end as se_mean_difference,
    -- without the censoring weights (the controls who start within the horizon left out)
    case when {{ binary }} then (p_t / (1 - p_t)) / (p_c_excluding / (1 - p_c_excluding)) end
        as excluding_later_starters_odds_ratio,
    case when {{ mean }} then p_t - p_c_excluding end as excluding_later_starters_mean_difference,
    -- naive: Woolf's interval on the unweighted 2 x 2 table, Welch's for a difference in means
    case when {{ binary }} then (y_t_all / (n_t_all - y_t_all)) / (y_c_all / (n_c_all - y_c_all)) end
        as naive_odds_ratio,
    case when {{ binary }}
        then sqrt(1 / y_t_all + 1 / (n_t_all - y_t_all) + 1 / y_c_all + 1 / (n_c_all - y_c_all))
    end as se_log_naive_odds_ratio,
    case when {{ mean }} then p_t_all - p_c_all end as naive_mean_difference,
    case when {{ mean }}
        then sqrt(greatest(yy_t_all - n_t_all * p_t_all * p_t_all, 0) / (n_t_all - 1) / n_t_all
                  + greatest(yy_c_all - n_c_all * p_c_all * p_c_all, 0) / (n_c_all - 1) / n_c_all)
    end as se_naive_mean_difference
from rates
