-- The frame of suite dim_helhedsplan__coverage: every boligafdeling a plan covers, with
-- its area in the register (NULL when the register does not know it) and the landing
-- file and line of the plan. A plan of 2019-26 has one JSON element per indsatsområde
-- ('$.helhedsplaner[3].indsatsomraader[0]'): the plan's own element is named.
with plan_lines as (
    select
        plan_id,
        min(source_file) as source_file,
        {{ regex_replace('min(source_locator)', '\\.indsatsomraader\\[[0-9]+\\]$', '') }} as source_locator
    from {{ ref('int_lbf__budget_lines') }}
    group by plan_id
)

select
    covered.plan_id,
    covered.funding_round,
    covered.estate_id,
    covered.area_id,
    plan_lines.source_file as _source_file,
    plan_lines.source_locator as _source_locator
from {{ ref('int_lbf__plan_estates') }} as covered
left join plan_lines
    on covered.plan_id = plan_lines.plan_id
order by covered.plan_id, covered.estate_id
