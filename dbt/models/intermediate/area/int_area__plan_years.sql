-- Each plan's share of an area (int_area__plan_grants) per calendar year the plan runs
-- in: a plan is active in an area in every year from its start year to its end year, and
-- its budget is spread over those years by the days of its period that fall in each.
with plan_years as (
    select
        grants.*,
        {{ unnest_rows(integer_series('year(grants.start_date)', 'year(grants.end_date)')) }} as year
    from {{ ref('int_area__plan_grants') }} as grants
),

days as (
    select
        plan_years.*,
        {{ dbt.datediff('greatest(start_date, make_date(cast(year as integer), 1, 1))',
                        'least(end_date, make_date(cast(year as integer), 12, 31))', 'day') }} + 1 as days_in_year,
        {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as days_in_plan
    from plan_years
)

select
    plan_id,
    funding_round,
    area_id,
    cast(year as integer) as year,
    days_in_year,
    cast(days_in_year as double) / days_in_plan as year_share,
    grant_lbf_ore * days_in_year / days_in_plan as grant_lbf_ore,
    (grant_lbf_ore + cofinancing_municipality_ore + cofinancing_housing_org_ore) * days_in_year / days_in_plan
        as total_budget_ore
from days
