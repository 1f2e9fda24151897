-- Bridge: which boligafdelinger each helhedsplan covers, and the area each belongs to.
with listed as (
    select
        plan_id,
        funding_round,
        {{ unnest_rows(split_text('estate_ids', "','")) }} as listed_estate_id
    from {{ ref('int_lbf__plans') }}
),

plan_estates as (
    select distinct
        plan_id,
        funding_round,
        trim(listed_estate_id) as estate_id
    from listed
)

select
    plan_estates.plan_id,
    plan_estates.funding_round,
    plan_estates.estate_id,
    estates.area_id
from plan_estates
left join {{ ref('stg_register__estates') }} as estates
    on plan_estates.estate_id = estates.estate_id
