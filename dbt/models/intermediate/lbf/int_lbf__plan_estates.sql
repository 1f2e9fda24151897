-- Bridge: which boligafdelinger each helhedsplan covers, and the area each belongs to.
with plan_estates as (
    select distinct
        plan_id,
        funding_round,
        trim(unnest(string_split(estate_ids, ','))) as estate_id
    from {{ ref('int_lbf__plans') }}
)

select
    plan_estates.plan_id,
    plan_estates.funding_round,
    plan_estates.estate_id,
    estates.area_id
from plan_estates
left join {{ ref('stg_register__estates') }} as estates
    on plan_estates.estate_id = estates.estate_id
