-- Area-years covered by a boligsocial helhedsplan: an area is covered in a year when a plan
-- of any round that covers one of its estates runs at some time in that year (the plan's
-- start year <= year <= its end year). Residents of covered areas are who the plans'
-- activities are for (docs/effects.md, eligibility).
with plan_areas as (
    select distinct
        plan_estates.plan_id,
        plan_estates.area_id,
        plans.funding_round,
        year(plans.start_date) as first_year,
        year(plans.end_date) as last_year
    from {{ ref('int_lbf__plan_estates') }} as plan_estates
    inner join {{ ref('int_lbf__plans') }} as plans on plans.plan_id = plan_estates.plan_id
    where plan_estates.area_id is not null
),

plan_area_years as (
    select
        plan_id,
        area_id,
        funding_round,
        {{ unnest_rows(integer_series('first_year', 'last_year')) }} as year
    from plan_areas
)

select
    area_id,
    cast(year as integer) as year,
    count(distinct plan_id) as n_plans,
    {{ sorted_distinct_array('funding_round') }} as funding_rounds
from plan_area_years
group by area_id, year
