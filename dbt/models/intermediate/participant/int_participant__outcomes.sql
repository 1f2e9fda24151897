-- Outcomes of every treated and comparison person of the matching pool in the
-- participation year t and one and two years after (horizon h: the panel row of t + h),
-- one row per pool person-year and horizon where the person is in the panel in t + h.
--
-- Controls are censored when they start the activity: a potential control who starts it
-- in t + 1 .. t + h is treated by the time the outcome is measured, so the row is left out
-- at that horizon. Who starts is selected on the interim outcome (the baseline cell of
-- t + k is the outcome of t + k - 1), so the controls who remain are reweighted by the
-- inverse probability of remaining uncensored (IPCW): for each year t + k (k = 1 .. h) in
-- which the control is in the pool, 1 / (1 - share of its stratum that starts that year)
-- = n_pool / (n_pool - n_started) (int_participant__start_hazards). A year in which the
-- control is not eligible (moved away, outside the target group, area not covered)
-- carries no risk of starting and a factor of 1. Treated persons weigh 1.
with pool as (
    select * from {{ ref('int_participant__matching_pool') }}
),

horizons as (
    select {{ unnest_rows(array_of(effect_horizons())) }} as horizon
),

-- Each pool row of a person who does not start that year: the factor it contributes to the
-- censoring weight of the person's control rows of earlier years.
remaining as (
    select
        pool.activity_code,
        pool.person_key,
        pool.participation_year as year,
        cast(hazards.n_pool as double) / (hazards.n_pool - hazards.n_started) as censoring_factor
    from pool
    inner join {{ ref('int_participant__start_hazards') }} as hazards
        on hazards.activity_code = pool.activity_code
        and hazards.stratum_key = pool.stratum_key
    where not pool.is_treated
),

-- Per control row, the factors of the next two years (1 where the person is not in the pool).
weights as (
    select
        pool.activity_code,
        pool.person_key,
        pool.participation_year,
        coalesce(year_1.censoring_factor, 1.0) as factor_1,
        coalesce(year_2.censoring_factor, 1.0) as factor_2
    from pool
    left join remaining as year_1
        on year_1.activity_code = pool.activity_code
        and year_1.person_key = pool.person_key
        and year_1.year = pool.participation_year + 1
    left join remaining as year_2
        on year_2.activity_code = pool.activity_code
        and year_2.person_key = pool.person_key
        and year_2.year = pool.participation_year + 2
    where not pool.is_treated
),

outcomes as (
    select * from {{ ref('int_participant__person_years') }}
)

select
    pool.activity_code,
    pool.person_key,
    pool.participation_year,
    horizons.horizon,
    pool.gender,
    pool.stratum_key,
    pool.is_treated,
    case
        when pool.is_treated or horizons.horizon = 0 then 1.0
        when horizons.horizon = 1 then weights.factor_1
        else weights.factor_1 * weights.factor_2
    end as censoring_weight,
    {% for outcome in participant_outcomes() -%}
    outcomes.{{ outcome.column }}{{ "," if not loop.last }}
    {% endfor %}
from pool
cross join horizons
inner join outcomes
    on outcomes.person_key = pool.person_key
    and outcomes.year = pool.participation_year + horizons.horizon
left join weights
    on weights.activity_code = pool.activity_code
    and weights.person_key = pool.person_key
    and weights.participation_year = pool.participation_year
where pool.is_treated
    or pool.first_participation_year is null
    or pool.first_participation_year > pool.participation_year + horizons.horizon
