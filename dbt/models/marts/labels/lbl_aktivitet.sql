-- Labels of the activity codes (rpt_aktivitet_effekter, rpt_participant_profile, fct_deltagelse).
select
    activity_code,
    activity_name as label_da,
    activity_name_en as label_en,
    target_group as target_group_da,
    target_group_en,
    min_age,
    max_age,
    gender,
    primary_outcome,
    primary_horizon
from {{ ref('ref_activities') }}
order by activity_code
