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
with hazards as (
    select * from {{ ref('int_participant__start_hazards') }}
),

-- Each pool row with the factor it contributes to the censoring weight of the person's
-- control rows of earlier years: none for a row of the year the person starts.
pool as (
    select
        pool.*,
        case
            when not pool.is_treated
                then cast(hazards.n_pool as double) / (hazards.n_pool - hazards.n_started)
        end as censoring_factor
    from {{ ref('int_participant__matching_pool') }} as pool
    left join hazards
        on hazards.activity_code = pool.activity_code
        and hazards.stratum_key = pool.stratum_key
),

horizons as (
    select {{ unnest_rows(array_of(effect_horizons())) }} as horizon
),

-- Per pool row, the factors of the person's pool rows of the next two years (1 where there
-- is none). A pool row is unique per activity, person and year, so the next two rows of the
-- person's rows in year order hold years t + 1 and t + 2 where the person has them. A
-- window, not a join of the pool with itself twice: at scale 10 (34 million pool rows) the
-- joins' hash tables did not fit in DuckDB's memory with the outcomes' beside them.
weights as (
    select
        *,
        case
            when next_year_1 = participation_year + 1 then coalesce(next_factor_1, 1.0)
            else 1.0
        end as factor_1,
        case
            when next_year_1 = participation_year + 2 then coalesce(next_factor_1, 1.0)
            when next_year_2 = participation_year + 2 then coalesce(next_factor_2, 1.0)
            else 1.0
        end as factor_2
    from (
        select
            *,
            lead(participation_year, 1) over person_years as next_year_1,
            lead(censoring_factor, 1) over person_years as next_factor_1,
            lead(participation_year, 2) over person_years as next_year_2,
            lead(censoring_factor, 2) over person_years as next_factor_2
        from pool
        window person_years as (partition by activity_code, person_key order by participation_year)
    ) as ahead
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
        when horizons.horizon = 1 then pool.factor_1
        else pool.factor_1 * pool.factor_2
    end as censoring_weight,
    {% for outcome in participant_outcomes() -%}
    outcomes.{{ outcome.column }}{{ "," if not loop.last }}
    {% endfor %}
from weights as pool
cross join horizons
inner join outcomes
    on outcomes.person_key = pool.person_key
    and outcomes.year = pool.participation_year + horizons.horizon
where pool.is_treated
    or pool.first_participation_year is null
    or pool.first_participation_year > pool.participation_year + horizons.horizon
