-- Labels of the outcomes (rpt_aktivitet_effekter.outcome, lbl_aktivitet.primary_outcome).
select
    outcome,
    outcome_name as label_da,
    outcome_name_en as label_en,
    outcome_kind
from {{ ref('ref_outcomes') }}
order by outcome
