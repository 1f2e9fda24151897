-- Every registered participation episode with the person as the register panel shows them
-- in the participation year (the year of the start date), and whether the episode enters
-- the effect estimates. It does when the person was eligible for the activity that year:
-- in the panel, living in an area covered by a helhedsplan, within the activity's target
-- group (age and gender of ref_activities), and taking part in it for the first time.
with registrations as (
    select
        *,
        cast(year(start_date) as integer) as participation_year,
        row_number() over (
            partition by person_key, activity_code
            order by start_date, registered_at, plan_id
        ) as episode_number
    from {{ ref('stg_participants__registrations') }}
),

activities as (
    select * from {{ ref('ref_activities') }}
),

person_years as (
    select * from {{ ref('int_participant__person_years') }}
)

select
    registrations.person_key || '/' || registrations.activity_code || '/' || registrations.plan_id
        || '/' || cast(registrations.start_date as string) as episode_key,
    registrations.person_key,
    registrations.plan_id,
    registrations.funding_round,
    registrations.activity_code,
    registrations.start_date,
    registrations.end_date,
    registrations.registered_at,
    registrations.participation_year,
    registrations.episode_number,
    person_years.area_id,
    person_years.gender,
    person_years.age,
    person_years.age_band,
    person_years.origin_group,
    {{ baseline_cell('activities.primary_outcome', 'person_years') }} as baseline,
    person_years.parents_employed,
    case
        when person_years.person_key is null then 'not_in_panel'
        when registrations.episode_number > 1 then 'repeat_episode'
        when not person_years.lives_in_covered_area then 'not_in_covered_area'
        when person_years.age not between activities.min_age and activities.max_age
            or person_years.age_band is null
            or (activities.gender is not null and person_years.gender <> activities.gender)
            then 'outside_target_group'
        else 'eligible'
    end as eligibility,
    registrations.source_file,
    registrations.source_locator
from registrations
inner join activities on activities.activity_code = registrations.activity_code
left join person_years
    on person_years.person_key = registrations.person_key
    and person_years.year = registrations.participation_year
