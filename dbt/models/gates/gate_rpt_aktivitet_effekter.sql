-- The frame of suite rpt_aktivitet_effekter: every effect of the report, with its key
-- and the rules of suppression, of estimates by kind of outcome, of intervals, ranges
-- and of estimates that follow from the published rates, as boolean columns. A
-- suppressed row passes every rule but the first: it shows nothing to check.
{%- set ratios = [
    'odds_ratio', 'odds_ratio_ci_low', 'odds_ratio_ci_high',
    'risk_ratio', 'risk_ratio_ci_low', 'risk_ratio_ci_high',
    'naive_odds_ratio', 'naive_odds_ratio_ci_low', 'naive_odds_ratio_ci_high',
] %}
{%- set differences = [
    'mean_difference', 'mean_difference_ci_low', 'mean_difference_ci_high',
    'naive_mean_difference', 'naive_mean_difference_ci_low', 'naive_mean_difference_ci_high',
] %}
{%- set counts_and_outcomes = [
    'treated_n', 'matched_controls_n', 'treated_unmatched_n', 'matched_strata', 'unmatched_strata',
    'control_effective_size', 'treated_outcome', 'control_outcome',
] %}
select
    *,
    activity_code || '/' || outcome || '/' || horizon || '/' || subgroup as effect_key,
    case
        when is_suppressed then ({{ (counts_and_outcomes + ratios + differences) | join(' is null and ') }} is null)
        -- treated_n may be hidden against differencing (docs/privacy.md) in a published row.
        else (treated_n is null or treated_n >= 5)
            and matched_controls_n >= 5
            and (treated_outcome is not null and control_outcome is not null and control_effective_size is not null)
    end as suppression_consistent,
    case
        when is_suppressed then true
        when outcome_kind = 'binary' then
            ({{ ratios | join(' is not null and ') }} is not null)
            and ({{ differences | join(' is null and ') }} is null)
        else
            ({{ differences | join(' is not null and ') }} is not null)
            and ({{ ratios | join(' is null and ') }} is null)
    end as estimates_match_outcome_kind,
    case
        when is_suppressed then true
        when outcome_kind = 'binary' then
            odds_ratio between odds_ratio_ci_low and odds_ratio_ci_high
            and risk_ratio between risk_ratio_ci_low and risk_ratio_ci_high
            and naive_odds_ratio between naive_odds_ratio_ci_low and naive_odds_ratio_ci_high
            and odds_ratio_ci_low < odds_ratio_ci_high
        else
            mean_difference between mean_difference_ci_low and mean_difference_ci_high
            and naive_mean_difference between naive_mean_difference_ci_low and naive_mean_difference_ci_high
            and mean_difference_ci_low < mean_difference_ci_high
    end as estimate_within_interval,
    case
        when is_suppressed then true
        when outcome_kind = 'binary' then
            treated_outcome > 0 and treated_outcome < 1
            and control_outcome > 0 and control_outcome < 1
        else
            treated_outcome between 0 and 100
            and control_outcome between 0 and 100
    end as outcomes_in_range,
    case
        when is_suppressed then true
        when outcome_kind = 'binary' then
            abs(odds_ratio - (treated_outcome / (1 - treated_outcome)) / (control_outcome / (1 - control_outcome)))
                < 1e-9 * odds_ratio
            and abs(risk_ratio - treated_outcome / control_outcome) < 1e-9 * risk_ratio
        else abs(mean_difference - (treated_outcome - control_outcome)) < 1e-9
    end as estimates_follow_from_outcomes,
    case
        when is_suppressed then true
        else control_effective_size >= 1 and control_effective_size <= matched_controls_n
    end as effective_size_at_most_controls
from {{ ref('rpt_aktivitet_effekter') }}
