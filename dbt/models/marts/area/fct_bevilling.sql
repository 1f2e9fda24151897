-- Grants of all LBF rounds at one grain: one row per helhedsplan and indsatsområde.
select
    lines.plan_id || '/' || lines.focus_area_id as budget_line_key,
    lines.funding_round,
    lines.plan_id,
    lines.focus_area_id,
    lines.focus_area_name,
    lines.budget_scope,
    lines.is_allocated,
    lines.municipality_code,
    {{ ore_to_dkk('lines.grant_lbf_ore') }} as grant_lbf_dkk,
    {{ ore_to_dkk('lines.cofinancing_municipality_ore') }} as cofinancing_municipality_dkk,
    {{ ore_to_dkk('lines.cofinancing_housing_org_ore') }} as cofinancing_housing_org_dkk,
    {{ ore_to_dkk('lines.grant_lbf_ore + lines.cofinancing_municipality_ore + lines.cofinancing_housing_org_ore') }}
        as total_budget_dkk,
    lines.start_date,
    lines.end_date,
    lines.source_file,
    lines.source_locator
from {{ ref('int_lbf__budget_lines') }} as lines
