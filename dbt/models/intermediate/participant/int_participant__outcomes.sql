-- Outcomes of every treated and comparison person of the matching pool in the
-- participation year t and one and two years after (horizon h: the panel row of t + h),
-- one row per pool person-year and horizon where the person is in the panel in t + h.
-- A potential control who starts the activity in t + 1 .. t + h is treated by the time
-- the outcome is measured: the row is left out at that horizon (docs/effects.md). Who
-- starts it after t + h stays a control: that choice is made on outcomes up to t + h.
with pool as (
    select * from {{ ref('int_participant__matching_pool') }}
),

horizons as (
    select unnest({{ effect_horizons() }}) as horizon
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
    {% for outcome in participant_outcomes() -%}
    outcomes.{{ outcome.column }}{{ "," if not loop.last }}
    {% endfor %}
from pool
cross join horizons
inner join outcomes
    on outcomes.person_key = pool.person_key
    and outcomes.year = pool.participation_year + horizons.horizon
where pool.is_treated
    or pool.first_participation_year is null
    or pool.first_participation_year > pool.participation_year + horizons.horizon
