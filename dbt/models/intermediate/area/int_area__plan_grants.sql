-- Each helhedsplan's budget shared out over the boligområder it covers, in proportion to
-- the dwellings of the covered afdelinger in each area (an even split if the register
-- gives the plan no dwellings). Amounts stay exact in øre: every area gets the floor of
-- its share, and the øre left over go one each to the areas with the largest remainders
-- (ties by area_id), so the areas of a plan sum exactly to what LBF granted.
with covered as (
    select
        plan_estates.plan_id,
        plan_estates.area_id,
        count(*) as n_estates,
        coalesce(sum(estates.dwellings), 0) as dwellings
    from {{ ref('int_lbf__plan_estates') }} as plan_estates
    left join {{ ref('stg_register__estates') }} as estates
        on plan_estates.estate_id = estates.estate_id
    where plan_estates.area_id is not null
    group by plan_estates.plan_id, plan_estates.area_id
),

weighted as (
    select
        covered.*,
        case when sum(dwellings) over (partition by plan_id) > 0 then dwellings else 1 end as weight
    from covered
),

shares as (
    select
        weighted.*,
        sum(weight) over (partition by weighted.plan_id) as plan_weight,
        plans.funding_round,
        plans.start_date,
        plans.end_date,
        plans.grant_lbf_ore,
        plans.cofinancing_municipality_ore,
        plans.cofinancing_housing_org_ore
    from weighted
    inner join {{ ref('int_lbf__plans') }} as plans on weighted.plan_id = plans.plan_id
),

{%- set amounts = ['grant_lbf_ore', 'cofinancing_municipality_ore', 'cofinancing_housing_org_ore'] %}

floors as (
    select
        shares.*,
        {%- for amount in amounts %}
        {{ integer_divide('cast(shares.' ~ amount ~ ' as ' ~ type_wide_integer() ~ ') * weight', 'plan_weight') }} as {{ amount }}_floor,
        cast(shares.{{ amount }} as {{ type_wide_integer() }}) * weight % plan_weight as {{ amount }}_remainder{{ "," if not loop.last }}
        {%- endfor %}
    from shares
),

ranked as (
    select
        floors.*,
        {%- for amount in amounts %}
        {{ amount }} - sum({{ amount }}_floor) over (partition by plan_id) as {{ amount }}_left,
        row_number() over (partition by plan_id order by {{ amount }}_remainder desc, area_id)
            as {{ amount }}_rank{{ "," if not loop.last }}
        {%- endfor %}
    from floors
)

select
    plan_id,
    funding_round,
    area_id,
    n_estates,
    dwellings,
    cast(weight as double) / plan_weight as area_share,
    start_date,
    end_date,
    {%- for amount in amounts %}
    cast({{ amount }}_floor + case when {{ amount }}_rank <= {{ amount }}_left then 1 else 0 end as bigint)
        as {{ amount }}{{ "," if not loop.last }}
    {%- endfor %}
from ranked
