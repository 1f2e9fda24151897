-- The pool coarsened exact matching draws from, per activity: every person-year eligible
-- for the activity (living in an area covered by a helhedsplan that year, within its
-- target group, not having taken part in it in an earlier year), with its matching cells.
-- The treated are the eligible persons whose first episode starts that year; everyone else
-- in the pool is a potential control. first_participation_year lets the outcome model
-- drop a control who starts the activity within the horizon (treated by then).
with activities as (
    select * from {{ ref('ref_activities') }}
),

first_episodes as (
    select
        person_key,
        activity_code,
        participation_year as first_participation_year
    from {{ ref('int_participant__episodes') }}
    where episode_number = 1
),

person_years as (
    select * from {{ ref('int_participant__person_years') }}
    where lives_in_covered_area and age_band is not null
),

pool as (
    select
        activities.activity_code,
        person_years.person_key,
        person_years.year as participation_year,
        person_years.gender,
        person_years.age_band,
        person_years.origin_group,
        {{ baseline_cell('activities.primary_outcome', 'person_years') }} as baseline,
        person_years.parents_employed,
        first_episodes.first_participation_year
    from person_years
    inner join activities
        on person_years.age between activities.min_age and activities.max_age
        and (activities.gender is null or person_years.gender = activities.gender)
    left join first_episodes
        on first_episodes.person_key = person_years.person_key
        and first_episodes.activity_code = activities.activity_code
    where first_episodes.first_participation_year is null
        or first_episodes.first_participation_year >= person_years.year
)

select
    activity_code,
    person_key,
    participation_year,
    gender,
    age_band,
    origin_group,
    baseline,
    parents_employed,
    concat_ws('|', participation_year, age_band, gender, origin_group, baseline, parents_employed) as stratum_key,
    coalesce(first_participation_year = participation_year, false) as is_treated,
    first_participation_year
from pool
