-- A participation starts within the period of the plan that registered it, and the plan
-- is of the round whose directory the file is in (docs/source_contracts.md, S5).
select
    r.source_file,
    r.source_locator,
    r.plan_id,
    r.funding_round,
    r.start_date,
    p.funding_round as plan_funding_round,
    p.start_date as plan_start_date,
    p.end_date as plan_end_date
from {{ ref('stg_participants__registrations') }} as r
inner join {{ ref('int_lbf__plans') }} as p on p.plan_id = r.plan_id
where r.start_date < p.start_date
   or r.start_date > p.end_date
   or r.funding_round <> p.funding_round
