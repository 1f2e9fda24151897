-- Cohort difference-in-differences with an event study (Callaway & Sant'Anna 2021): areas
-- grouped by the round that first funded them, group-time effects ATT(g, t) with
-- never-funded or not-yet-funded areas as controls (universal base period g - 1, areas
-- weighted by their residents), and their aggregations. One row per
-- indicator, source, comparison group, cohort and term:
--   cohort = a round, term 'event_time'   ATT(g, g + e): the cohort's own event study
--   cohort = 'all',   term 'event_time'   the event study: sum_g w_g ATT(g, g + e), w_g the
--                                         cohort's share of the residents estimated at e
--   cohort = a round, term 'post_average' the mean of ATT(g, t) over t >= g;
--                     term 'pre_average'  over t <= g - 2 (placebo: 0 under parallel trends)
--   cohort = 'all',   the same averages   weighted by the cohorts' residents
-- Standard errors from the areas' influence functions: an area's contributions to every
-- ATT(g, t) of a term are added up before squaring, so an area that is a comparison for
-- one cohort and in another cohort, or in several years, is counted with its correlation.
-- Intervals: +-1.96 standard errors (normal approximation). Values are exact DECIMALs (the
-- indicators are published with at most two decimals) and every sum is of integer or
-- DECIMAL terms, so the result does not depend on row order. docs/effects.md ("Areas") explains it.
{%- set exact = "cast({} as decimal(38, 18))" %}
{#- Fewer areas on a side give no usable standard error (the areas are the units of inference). #}
{%- set min_areas = var('event_study_min_areas') %}
{%- set series = "indicator_code, indicator_source, comparison_group" %}
with did_values as (
    {{ did_values() }}
),

indicator_values as (
    select area_id, year, indicator_code, indicator_source, cast(value as decimal(18, 4)) as value
    from did_values
),

base_residents as (
    select area_id, year, residents from {{ ref('fct_omraade_aar') }} where residents > 0
),

rounds as (
    select funding_round, first_year from {{ ref('ref_funding_rounds') }}
),

areas as (
    select areas.area_id, areas.first_funding_round, rounds.first_year as first_funded_year
    from {{ ref('dim_boligomraade') }} as areas
    left join rounds on rounds.funding_round = areas.first_funding_round
),

cohorts as (
    select distinct areas.first_funding_round as cohort, areas.first_funded_year as cohort_first_year
    from areas
    where areas.first_funding_round is not null
),

-- Each area's change since the year before its cohort's first year (the universal base
-- period g - 1), weighted by its residents in g - 1 (a small area, whose rates vary most by
-- chance, counts for less; the estimates are averages over residents).
base_changes as (
    select
        cohorts.cohort,
        cohorts.cohort_first_year,
        later.indicator_code,
        later.indicator_source,
        later.year,
        later.area_id,
        later.value - base.value as change,
        base_residents.residents as weight
    from cohorts
    inner join indicator_values as base on base.year = cohorts.cohort_first_year - 1
    inner join base_residents on base_residents.area_id = base.area_id and base_residents.year = base.year
    inner join indicator_values as later
        on later.area_id = base.area_id
        and later.indicator_code = base.indicator_code
        and later.indicator_source = base.indicator_source
        and later.year <> base.year
),

comparison_groups as (
    select * from (values ('never_funded'), ('not_yet_funded')) as c (comparison_group)
),

-- Its role in ATT(g, t): 'cohort' (first funded in the cohort's round) or 'comparison'
-- (never funded; for 'not_yet_funded' also first funded by a round later than max(t, g - 1)).
roles as (
    select
        base_changes.*,
        comparison_groups.comparison_group,
        case
            when areas.first_funding_round = base_changes.cohort then 'cohort'
            when areas.first_funding_round is null then 'comparison'
            when comparison_groups.comparison_group = 'not_yet_funded'
                and areas.first_funded_year > greatest(base_changes.year, base_changes.cohort_first_year - 1)
                then 'comparison'
        end as role
    from base_changes
    inner join areas on areas.area_id = base_changes.area_id
    cross join comparison_groups
),

changes as (
    select
        cohort,
        cohort_first_year,
        indicator_code,
        indicator_source,
        comparison_group,
        cast(year as integer) as year,
        cast(year - cohort_first_year as integer) as event_time,
        area_id,
        role,
        change,
        cast(weight as bigint) as weight
    from roles
    where role is not null
),

-- Group-time effects ATT(g, t): per side the residents-weighted mean change and the
-- variance of that weighted mean, n / (n - 1) * sum w^2 (change - m)^2 / (sum w)^2; where both
-- sides have at least {{ min_areas }} areas.
sides as (
    select
        cohort,
        cohort_first_year,
        indicator_code,
        indicator_source,
        comparison_group,
        year,
        event_time,
        role,
        count(*) as n_areas,
        sum(weight) as sum_w,
        sum(weight * weight) as sum_ww,
        sum(weight * change) as sum_wy,
        sum(weight * weight * change) as sum_wwy,
        sum(weight * weight * change * change) as sum_wwyy
    from changes
    group by cohort, cohort_first_year, indicator_code, indicator_source, comparison_group, year, event_time, role
),

moments as (
    select
        *,
        cast(sum_wy as double) / cast(sum_w as double) as mean_change
    from sides
),

side_variances as (
    select
        *,
        case when n_areas >= 2
            then greatest(
                cast(sum_wwyy as double) - 2 * mean_change * cast(sum_wwy as double)
                    + mean_change * mean_change * cast(sum_ww as double), 0)
                / (cast(sum_w as double) * cast(sum_w as double)) * n_areas / (n_areas - 1)
        end as variance_of_mean
    from moments
),

att as (
    select
        treated.cohort,
        treated.cohort_first_year,
        treated.indicator_code,
        treated.indicator_source,
        treated.comparison_group,
        treated.year,
        treated.event_time,
        treated.n_areas as n_cohort_areas,
        comparison.n_areas as n_comparison_areas,
        cast(treated.sum_w as bigint) as cohort_residents,
        cast(comparison.sum_w as bigint) as comparison_residents,
        treated.mean_change as cohort_change,
        comparison.mean_change as comparison_change,
        treated.mean_change - comparison.mean_change as att,
        sqrt(treated.variance_of_mean + comparison.variance_of_mean) as standard_error
    from side_variances as treated
    inner join side_variances as comparison
        on comparison.cohort = treated.cohort
        and comparison.indicator_code = treated.indicator_code
        and comparison.indicator_source = treated.indicator_source
        and comparison.comparison_group = treated.comparison_group
        and comparison.year = treated.year
        and comparison.role = 'comparison'
    where treated.role = 'cohort'
        and treated.n_areas >= {{ min_areas }}
        and comparison.n_areas >= {{ min_areas }}
),

-- Each area's influence on ATT(g, t): w_i (change_i - its side's mean) / sum w, times
-- sqrt(n / (n - 1)), with the sign of its side; the sum of squares over areas is the
-- variance of ATT(g, t).
influence as (
    select
        changes.cohort,
        changes.indicator_code,
        changes.indicator_source,
        changes.comparison_group,
        changes.year,
        changes.area_id,
        changes.role,
        case changes.role
            when 'cohort' then changes.weight * (cast(changes.change as double) - att.cohort_change)
                / att.cohort_residents * sqrt(att.n_cohort_areas / (att.n_cohort_areas - 1.0))
            else -changes.weight * (cast(changes.change as double) - att.comparison_change)
                / att.comparison_residents * sqrt(att.n_comparison_areas / (att.n_comparison_areas - 1.0))
        end as psi
    from changes
    inner join att
        on att.cohort = changes.cohort
        and att.indicator_code = changes.indicator_code
        and att.indicator_source = changes.indicator_source
        and att.comparison_group = changes.comparison_group
        and att.year = changes.year
),

periods as (
    select
        *,
        case when event_time >= 0 then 'post_average' when event_time <= -2 then 'pre_average' end as period,
        count(*) over (partition by cohort, {{ series }}, event_time >= 0) as years_in_period
    from att
),

-- A cohort's weight in the averages over cohorts: its share of the residents (of its areas
-- estimated in the period, in the base year; the most in any year of the period).
cohort_shares as (
    select
        cohort,
        {{ series }},
        period,
        cast(max(cohort_residents) as double)
            / sum(max(cohort_residents)) over (partition by {{ series }}, period) as cohort_share
    from periods
    where period is not null
    group by cohort, {{ series }}, period
),

-- Which ATT(g, t) make up each term, with which weight.
terms as (
    select {{ series }}, cohort as term_cohort, 'event_time' as term, event_time, cohort, year, 1.0 as weight
    from att
    union all
    select
        {{ series }}, 'all', 'event_time', event_time, cohort, year,
        cast(cohort_residents as double) / sum(cohort_residents) over (partition by {{ series }}, event_time)
    from att
    union all
    select {{ series }}, cohort, period, null, cohort, year, 1.0 / years_in_period
    from periods
    where period is not null
    union all
    select
        periods.indicator_code, periods.indicator_source, periods.comparison_group, 'all', periods.period, null,
        periods.cohort, periods.year, shares.cohort_share / periods.years_in_period
    from periods
    inner join cohort_shares as shares
        on shares.cohort = periods.cohort
        and shares.indicator_code = periods.indicator_code
        and shares.indicator_source = periods.indicator_source
        and shares.comparison_group = periods.comparison_group
        and shares.period = periods.period
),

estimates as (
    select
        terms.indicator_code,
        terms.indicator_source,
        terms.comparison_group,
        terms.term_cohort,
        terms.term,
        terms.event_time,
        count(distinct terms.cohort) as n_cohorts,
        case when terms.term_cohort <> 'all' and terms.term = 'event_time' then min(terms.year) end as year,
        cast(sum({{ exact.format('terms.weight * att.cohort_change') }}) as double) as cohort_change,
        cast(sum({{ exact.format('terms.weight * att.comparison_change') }}) as double) as comparison_change,
        cast(sum({{ exact.format('terms.weight * att.att') }}) as double) as att
    from terms
    inner join att
        on att.cohort = terms.cohort
        and att.indicator_code = terms.indicator_code
        and att.indicator_source = terms.indicator_source
        and att.comparison_group = terms.comparison_group
        and att.year = terms.year
    group by terms.indicator_code, terms.indicator_source, terms.comparison_group, terms.term_cohort, terms.term,
        terms.event_time
),

area_influence as (
    select
        terms.indicator_code,
        terms.indicator_source,
        terms.comparison_group,
        terms.term_cohort,
        terms.term,
        terms.event_time,
        influence.area_id,
        bool_or(influence.role = 'cohort') as in_cohort,
        bool_or(influence.role = 'comparison') as in_comparison,
        sum({{ exact.format('terms.weight * influence.psi') }}) as psi
    from terms
    inner join influence
        on influence.cohort = terms.cohort
        and influence.indicator_code = terms.indicator_code
        and influence.indicator_source = terms.indicator_source
        and influence.comparison_group = terms.comparison_group
        and influence.year = terms.year
    group by terms.indicator_code, terms.indicator_source, terms.comparison_group, terms.term_cohort, terms.term,
        terms.event_time, influence.area_id
),

variances as (
    select
        indicator_code,
        indicator_source,
        comparison_group,
        term_cohort,
        term,
        event_time,
        count(*) filter (where in_cohort) as n_cohort_areas,
        count(*) filter (where in_comparison) as n_comparison_areas,
        cast(sum({{ exact.format('cast(psi as double) * cast(psi as double)') }}) as double) as variance
    from area_influence
    group by indicator_code, indicator_source, comparison_group, term_cohort, term, event_time
)

select
    estimates.term_cohort || '/' || estimates.indicator_code || '/' || estimates.indicator_source || '/'
        || estimates.comparison_group || '/'
        || case estimates.term
            when 'event_time' then 'e' || cast(estimates.event_time as string)
            else estimates.term
        end as event_key,
    estimates.indicator_code,
    indicators.indicator_name,
    estimates.indicator_source,
    estimates.comparison_group,
    estimates.term_cohort as cohort,
    estimates.term,
    cast(estimates.event_time as integer) as event_time,
    cast(estimates.year as integer) as year,
    coalesce(estimates.event_time < 0 or estimates.term = 'pre_average', false) as is_pre_period,
    cast(estimates.n_cohorts as bigint) as n_cohorts,
    cast(variances.n_cohort_areas as bigint) as n_cohort_areas,
    cast(variances.n_comparison_areas as bigint) as n_comparison_areas,
    estimates.cohort_change,
    estimates.comparison_change,
    estimates.att,
    sqrt(variances.variance) as standard_error,
    estimates.att - 1.96 * sqrt(variances.variance) as ci_low,
    estimates.att + 1.96 * sqrt(variances.variance) as ci_high,
    estimates.att - 1.96 * sqrt(variances.variance) > 0 or estimates.att + 1.96 * sqrt(variances.variance) < 0
        as ci_excludes_zero
from estimates
inner join variances
    on variances.indicator_code = estimates.indicator_code
    and variances.indicator_source = estimates.indicator_source
    and variances.comparison_group = estimates.comparison_group
    and variances.term_cohort = estimates.term_cohort
    and variances.term = estimates.term
    and variances.event_time is not distinct from estimates.event_time
left join {{ ref('ref_indicators') }} as indicators
    on indicators.indicator_code = estimates.indicator_code
order by estimates.indicator_code, estimates.indicator_source, estimates.comparison_group, estimates.term_cohort,
    estimates.term, estimates.event_time
