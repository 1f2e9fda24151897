-- Effects of each activity on each outcome in the participation year and one and two years
-- after, for everybody and for girls/women and boys/men, as published: the estimates of
-- int_participant__effect_estimates (the effect on the treated from coarsened exact
-- matching with censoring-weighted controls, the estimate without the censoring weights
-- and the naive comparison) with 95 % intervals, under the disclosure rules of
-- docs/effects.md ("Suppression") and the differencing rule of docs/privacy.md.
{%- set z = 1.959963984540054 %}
{%- set row = 'c.is_suppressed_row' %}
{%- set unmatched = 'c.unmatched_withheld' %}
with estimates as (
    select * from {{ ref('int_participant__effect_estimates') }}
),

activities as (
    select activity_code, primary_outcome from {{ ref('ref_activities') }}
),

flagged as (
    select
        *,
        smallest_cell < 5 as primary_suppressed,
        treated_unmatched_n between 1 and 4 as unmatched_small
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
),

-- Differencing (docs/privacy.md): the treated of a row, and the treated with the unmatched,
-- are participation episodes rpt_participant_profile counts (its total and its eligible
-- episodes for 'all', its gender for 'female' and 'male'). Where such a published count
-- minus treated_n (or minus treated_n + treated_unmatched_n) is 1-4, that count of this
-- report is hidden in all three subgroups of the activity, outcome and horizon, so that
-- neither it nor a gender's (from 'all') can be subtracted.
profile as (
    select
        activity_code,
        case when dimension = 'gender' then case category when 'K' then 'female' when 'M' then 'male' end
            else 'all' end as subgroup,
        n_episodes
    from {{ ref('rpt_participant_profile') }}
    where n_episodes is not null
        and (dimension = 'total' or (dimension = 'eligibility' and category = 'eligible')
             or (dimension = 'gender' and category in ('K', 'M')))
),

differences as (
    select
        c.activity_code,
        c.outcome,
        c.horizon,
        coalesce(bool_or(profile.n_episodes - c.treated_n between 1 and 4), false) as treated_derivable,
        coalesce(bool_or(not c.unmatched_hidden
                         and profile.n_episodes - c.treated_n - coalesce(c.treated_unmatched_n, 0) between 1 and 4), false)
            as unmatched_derivable
    from complemented as c
    inner join profile on profile.activity_code = c.activity_code and profile.subgroup = c.subgroup
    where not c.is_suppressed_row
    group by c.activity_code, c.outcome, c.horizon
),

differenced as (
    select
        c.*,
        coalesce(d.treated_derivable, false) as treated_hidden,
        c.unmatched_hidden or coalesce(not d.treated_derivable and d.unmatched_derivable, false)
            as unmatched_withheld
    from complemented as c
    left join differences as d
        on d.activity_code = c.activity_code and d.outcome = c.outcome and d.horizon = c.horizon
)

select
    c.activity_code,
    c.outcome,
    c.outcome_kind,
    c.outcome = activities.primary_outcome as is_primary_outcome,
    cast(c.horizon as integer) as horizon,
    c.subgroup,
    {{ row }} as is_suppressed,
    {{ unless_suppressed('cast(c.treated_n as bigint)', row, 'not c.treated_hidden') }} as treated_n,
    {{ unless_suppressed('cast(c.matched_controls_n as bigint)', row) }} as matched_controls_n,
    {{ unless_suppressed('cast(c.treated_unmatched_n as bigint)', row, 'not ' ~ unmatched) }} as treated_unmatched_n,
    {{ unless_suppressed('cast(c.matched_strata as bigint)', row) }} as matched_strata,
    {{ unless_suppressed('cast(c.unmatched_strata as bigint)', row, 'not ' ~ unmatched) }} as unmatched_strata,
    {{ unless_suppressed('c.control_effective_size', row) }} as control_effective_size,
    {{ unless_suppressed('c.treated_outcome', row) }} as treated_outcome,
    {{ unless_suppressed('c.control_outcome', row) }} as control_outcome,
    {{ unless_suppressed('c.odds_ratio', row) }} as odds_ratio,
    {{ unless_suppressed('c.odds_ratio * exp(-' ~ z ~ ' * c.se_log_odds_ratio)', row) }} as odds_ratio_ci_low,
    {{ unless_suppressed('c.odds_ratio * exp(' ~ z ~ ' * c.se_log_odds_ratio)', row) }} as odds_ratio_ci_high,
    {{ unless_suppressed('c.risk_ratio', row) }} as risk_ratio,
    {{ unless_suppressed('c.risk_ratio * exp(-' ~ z ~ ' * c.se_log_risk_ratio)', row) }} as risk_ratio_ci_low,
    {{ unless_suppressed('c.risk_ratio * exp(' ~ z ~ ' * c.se_log_risk_ratio)', row) }} as risk_ratio_ci_high,
    {{ unless_suppressed('c.mean_difference', row) }} as mean_difference,
    {{ unless_suppressed('c.mean_difference - ' ~ z ~ ' * c.se_mean_difference', row) }} as mean_difference_ci_low,
    {{ unless_suppressed('c.mean_difference + ' ~ z ~ ' * c.se_mean_difference', row) }} as mean_difference_ci_high,
    {{ unless_suppressed('c.excluding_later_starters_odds_ratio', row) }} as excluding_later_starters_odds_ratio,
    {{ unless_suppressed('c.excluding_later_starters_mean_difference', row) }}
        as excluding_later_starters_mean_difference,
    {{ unless_suppressed('c.naive_odds_ratio', row) }} as naive_odds_ratio,
    {{ unless_suppressed('c.naive_odds_ratio * exp(-' ~ z ~ ' * c.se_log_naive_odds_ratio)', row) }}
        as naive_odds_ratio_ci_low,
    {{ unless_suppressed('c.naive_odds_ratio * exp(' ~ z ~ ' * c.se_log_naive_odds_ratio)', row) }}
        as naive_odds_ratio_ci_high,
    {{ unless_suppressed('c.naive_mean_difference', row) }} as naive_mean_difference,
    {{ unless_suppressed('c.naive_mean_difference - ' ~ z ~ ' * c.se_naive_mean_difference', row) }}
        as naive_mean_difference_ci_low,
    {{ unless_suppressed('c.naive_mean_difference + ' ~ z ~ ' * c.se_naive_mean_difference', row) }}
        as naive_mean_difference_ci_high
from differenced as c
inner join activities on activities.activity_code = c.activity_code
order by c.activity_code, c.outcome, c.horizon, c.subgroup
