-- LBF's grants of every round (S1a CSV, S1b Excel, S1c JSON), one row per budget line as
-- LBF reported it: per plan in 2011-14 (focus_areas then lists the plan's indsatsområder,
-- '|'-separated), per plan and indsatsområde later (focus_areas is then that one name).
select
    funding_round,
    budget_line_id,
    plan_id,
    plan_name,
    housing_organisations,
    cast(municipality_code as integer) as municipality_code,
    estate_ids,
    focus_areas,
    grant_lbf_ore,
    cofinancing_municipality_ore,
    cofinancing_housing_org_ore,
    start_date,
    end_date,
    _source_file as source_file,
    _source_sha256 as source_sha256,
    _source_locator as source_locator
from {{ source('lbf', 'raw_lbf_grants') }}
