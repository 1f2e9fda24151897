-- Effects of each activity on each outcome in the participation year and one and two years
-- after, for everybody and for girls/women and boys/men: the effect on the treated (ATT)
-- from coarsened exact matching, next to the naive comparison. docs/effects.md states the
-- estimand, the formulas and the suppression rule.
{% set z = 1.959963984540054 %}
{% set binary = "outcome_kind = 'binary' and smallest_cell >= 5" %}
{% set mean = "outcome_kind = 'mean' and smallest_cell >= 5" %}
with strata as (
    select * from {{ ref('int_participant__cem_weights') }}
),

activities as (
    select activity_code, primary_outcome from {{ ref('ref_activities') }}
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
        -- matched treated and controls (unweighted counts and sums)
        coalesce(sum(strata.n_treated) filter (where strata.is_matched), 0) as n_t,
        {{ exact_sum('strata.sum_y_treated', where='strata.is_matched') }} as y_t,
        {{ exact_sum('strata.sumsq_y_treated', where='strata.is_matched') }} as yy_t,
        coalesce(sum(strata.n_controls) filter (where strata.is_matched), 0) as n_c,
        {{ exact_sum('strata.sum_y_controls', where='strata.is_matched') }} as y_c,
        -- matched controls, CEM-weighted
        {{ exact_sum('strata.control_weight * strata.n_controls', where='strata.is_matched') }} as w_c,
        {{ exact_sum('strata.control_weight * strata.sum_y_controls', where='strata.is_matched') }} as wy_c,
        {{ exact_sum('strata.control_weight * strata.sumsq_y_controls', where='strata.is_matched') }} as wyy_c,
        {{ exact_sum('strata.control_weight * strata.control_weight * strata.n_controls', where='strata.is_matched') }} as ww_c,
        count(*) filter (where strata.is_matched) as matched_strata,
        sum(strata.n_treated) filter (where not strata.is_matched and strata.n_treated > 0) as n_t_unmatched,
        count(*) filter (where not strata.is_matched and strata.n_treated > 0) as unmatched_strata,
        -- naive: every treated person against every eligible non-participant, unweighted
        sum(strata.n_treated) as n_t_all,
        {{ exact_sum('strata.sum_y_treated') }} as y_t_all,
        {{ exact_sum('strata.sumsq_y_treated') }} as yy_t_all,
        sum(strata.n_controls) as n_c_all,
        {{ exact_sum('strata.sum_y_controls') }} as y_c_all,
        {{ exact_sum('strata.sumsq_y_controls') }} as yy_c_all
    from strata
    inner join subgroups on subgroups.gender is null or subgroups.gender = strata.gender
    group by strata.activity_code, strata.outcome, strata.horizon, subgroups.subgroup
    -- a row where at least one participant has the outcome measured
    having sum(strata.n_treated) > 0
),

rates as (
    select
        *,
        y_t / nullif(n_t, 0) as p_t,
        wy_c / nullif(w_c, 0) as p_c,
        w_c * w_c / nullif(ww_c, 0) as ess_c,
        y_t_all / n_t_all as p_t_all,
        y_c_all / nullif(n_c_all, 0) as p_c_all,
        -- each cell of the matched treated/control x outcome yes/no table (for a mean: each group)
        case outcome_kind
            when 'binary' then least(n_t, n_c, y_t, n_t - y_t, y_c, n_c - y_c)
            else least(n_t, n_c)
        end as smallest_cell
    from sums
),

-- Estimates only where every cell has at least 5 persons (the others are suppressed), so
-- that every rate is strictly between 0 and 1 and every variance positive.
-- Confidence intervals: delta method, normal approximation. The matched controls' rate
-- estimates what the treated would have had; its variance is the controls' over their
-- effective sample size (sum w)^2 / sum w^2. The treated term is the larger of the
-- treated's own outcome variance (for the population ATT) and the counterfactual one,
-- the controls' (for the effect on these participants, whose untreated outcome was never
-- observed), so the interval holds for both (docs/effects.md).
estimates as (
    select
        *,
        case when {{ binary }} then (p_t / (1 - p_t)) / (p_c / (1 - p_c)) end as odds_ratio_raw,
        case when {{ binary }}
            then sqrt(1 / (n_t * least(p_t * (1 - p_t), p_c * (1 - p_c))) + 1 / (ess_c * p_c * (1 - p_c)))
        end as se_log_or,
        case when {{ binary }} then p_t / p_c end as risk_ratio_raw,
        case when {{ binary }}
            then sqrt(greatest((1 - p_t) / p_t, (1 - p_c) / p_c) / n_t + (1 - p_c) / (ess_c * p_c))
        end as se_log_rr,
        -- naive: Woolf's interval on the unweighted 2 x 2 table
        case when {{ binary }}
            then (y_t_all / (n_t_all - y_t_all)) / (y_c_all / (n_c_all - y_c_all)) end as naive_or_raw,
        case when {{ binary }}
            then sqrt(1 / y_t_all + 1 / (n_t_all - y_t_all) + 1 / y_c_all + 1 / (n_c_all - y_c_all))
        end as se_log_naive_or,
        case when {{ mean }} then p_t - p_c end as mean_difference_raw,
        case when {{ mean }}
            then sqrt(greatest(greatest(yy_t - n_t * p_t * p_t, 0) / (n_t - 1), greatest(wyy_c / w_c - p_c * p_c, 0))
                      / n_t
                      + greatest(wyy_c / w_c - p_c * p_c, 0) / ess_c)
        end as se_difference,
        case when {{ mean }} then p_t_all - p_c_all end as naive_difference_raw,
        case when {{ mean }}
            then sqrt(greatest(yy_t_all - n_t_all * p_t_all * p_t_all, 0) / (n_t_all - 1) / n_t_all
                      + greatest(yy_c_all - n_c_all * p_c_all * p_c_all, 0) / (n_c_all - 1) / n_c_all)
        end as se_naive_difference
    from rates
),

flagged as (
    select
        *,
        coalesce(smallest_cell, 0) < 5 as primary_suppressed,
        case when n_t_unmatched between 1 and 4 then true else false end as unmatched_small
    from estimates
),

-- Complementary suppression: 'all' is the sum of the two gender rows, so when one gender
-- row (or its unmatched count) is suppressed, the other is too, or it could be derived.
complemented as (
    select
        *,
        primary_suppressed
            or (subgroup <> 'all' and bool_or(primary_suppressed) over genders) as is_suppressed_row,
        unmatched_small
            or (subgroup <> 'all' and bool_or(primary_suppressed or unmatched_small) over genders)
            as unmatched_hidden
    from flagged
    window genders as (
        partition by activity_code, outcome, horizon, subgroup = 'all'
    )
)

select
    c.activity_code,
    c.outcome,
    c.outcome_kind,
    c.outcome = activities.primary_outcome as is_primary_outcome,
    cast(c.horizon as integer) as horizon,
    c.subgroup,
    c.is_suppressed_row as is_suppressed,
    case when not c.is_suppressed_row then cast(c.n_t as bigint) end as treated_n,
    case when not c.is_suppressed_row then cast(c.n_c as bigint) end as matched_controls_n,
    case when not c.is_suppressed_row and not c.unmatched_hidden then cast(coalesce(c.n_t_unmatched, 0) as bigint) end
        as treated_unmatched_n,
    case when not c.is_suppressed_row then c.matched_strata end as matched_strata,
    case when not c.is_suppressed_row and not c.unmatched_hidden then c.unmatched_strata end as unmatched_strata,
    case when not c.is_suppressed_row then c.ess_c end as control_effective_size,
    case when not c.is_suppressed_row then c.p_t end as treated_outcome,
    case when not c.is_suppressed_row then c.p_c end as control_outcome,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary' then c.odds_ratio_raw end as odds_ratio,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary'
        then c.odds_ratio_raw * exp(-{{ z }} * c.se_log_or) end as odds_ratio_ci_low,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary'
        then c.odds_ratio_raw * exp({{ z }} * c.se_log_or) end as odds_ratio_ci_high,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary' then c.risk_ratio_raw end as risk_ratio,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary'
        then c.risk_ratio_raw * exp(-{{ z }} * c.se_log_rr) end as risk_ratio_ci_low,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary'
        then c.risk_ratio_raw * exp({{ z }} * c.se_log_rr) end as risk_ratio_ci_high,
    case when not c.is_suppressed_row and c.outcome_kind = 'mean' then c.mean_difference_raw end
        as mean_difference,
    case when not c.is_suppressed_row and c.outcome_kind = 'mean'
        then c.mean_difference_raw - {{ z }} * c.se_difference end as mean_difference_ci_low,
    case when not c.is_suppressed_row and c.outcome_kind = 'mean'
        then c.mean_difference_raw + {{ z }} * c.se_difference end as mean_difference_ci_high,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary' then c.naive_or_raw end as naive_odds_ratio,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary'
        then c.naive_or_raw * exp(-{{ z }} * c.se_log_naive_or) end as naive_odds_ratio_ci_low,
    case when not c.is_suppressed_row and c.outcome_kind = 'binary'
        then c.naive_or_raw * exp({{ z }} * c.se_log_naive_or) end as naive_odds_ratio_ci_high,
    case when not c.is_suppressed_row and c.outcome_kind = 'mean' then c.naive_difference_raw end
        as naive_mean_difference,
    case when not c.is_suppressed_row and c.outcome_kind = 'mean'
        then c.naive_difference_raw - {{ z }} * c.se_naive_difference end as naive_mean_difference_ci_low,
    case when not c.is_suppressed_row and c.outcome_kind = 'mean'
        then c.naive_difference_raw + {{ z }} * c.se_naive_difference end as naive_mean_difference_ci_high
from complemented as c
inner join activities on activities.activity_code = c.activity_code
order by c.activity_code, c.outcome, c.horizon, c.subgroup
