-- One row per boligområde and LBF funding round that funded it: the plans, their period,
-- the area's share of their budget (by the dwellings of the covered afdelinger, exact to
-- the øre: int_area__plan_grants) and that budget per resident.
with by_round as (
    select
        area_id,
        funding_round,
        {{ sorted_string_agg('plan_id', "', '") }} as plan_ids,
        count(*) as n_plans,
        cast(sum(n_estates) as bigint) as n_estates,
        min(start_date) as start_date,
        max(end_date) as end_date,
        sum(grant_lbf_ore) as grant_lbf_ore,
        sum(grant_lbf_ore + cofinancing_municipality_ore + cofinancing_housing_org_ore) as total_budget_ore
    from {{ ref('int_area__plan_grants') }}
    group by area_id, funding_round
),

residents_at_start as (
    -- Residents on 1 January of the year the round's first plan started in the area, or of
    -- the latest earlier year with indicators (a plan may start after the last S4 year).
    select
        by_round.area_id,
        by_round.funding_round,
        official.year as residents_year,
        official.residents
    from by_round
    inner join {{ ref('int_area__indicators_official') }} as official
        on by_round.area_id = official.area_id and official.year <= year(by_round.start_date)
    where official.residents is not null
    qualify row_number() over (partition by by_round.area_id, by_round.funding_round order by official.year desc) = 1
)

select
    by_round.area_id || '/' || by_round.funding_round as area_round_key,
    by_round.area_id,
    by_round.funding_round,
    by_round.plan_ids,
    by_round.n_plans,
    by_round.n_estates,
    by_round.start_date,
    by_round.end_date,
    {{ ore_to_dkk('by_round.grant_lbf_ore') }} as grant_lbf_dkk,
    {{ ore_to_dkk('by_round.total_budget_ore') }} as total_budget_dkk,
    -- A count of persons from 1 to 4 is never published.
    cast(case when residents_at_start.residents between 1 and 4 then null else residents_at_start.residents end
        as integer) as residents_at_start,
    residents_at_start.residents_year,
    case when residents_at_start.residents >= 5
        then {{ ore_to_dkk('round(by_round.grant_lbf_ore / residents_at_start.residents)') }}
    end as grant_lbf_per_resident_dkk,
    case when residents_at_start.residents >= 5
        then {{ ore_to_dkk('round(by_round.total_budget_ore / residents_at_start.residents)') }}
    end as total_budget_per_resident_dkk
from by_round
left join residents_at_start
    on by_round.area_id = residents_at_start.area_id and by_round.funding_round = residents_at_start.funding_round
