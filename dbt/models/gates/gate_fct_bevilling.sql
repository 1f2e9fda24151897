-- The frame of suite fct_bevilling: every budget line of the mart, with its landing file
-- and locator under the names the gate reports failing rows by, the difference between
-- the total budget and its parts, and whether the key is composed as documented.
select
    *,
    source_file as _source_file,
    source_locator as _source_locator,
    total_budget_dkk
        - (grant_lbf_dkk + cofinancing_municipality_dkk + cofinancing_housing_org_dkk)
        as total_budget_difference_dkk,
    budget_line_key = plan_id || '/' || focus_area_id as key_is_plan_and_focus_area
from {{ ref('fct_bevilling') }}
