-- One row per helhedsplan with its budget totals (exact, in øre).
select
    plan_id,
    any_value(funding_round) as funding_round,
    any_value(plan_name) as plan_name,
    any_value(housing_organisations) as housing_organisations,
    any_value(municipality_code) as municipality_code,
    any_value(estate_ids) as estate_ids,
    min(start_date) as start_date,
    max(end_date) as end_date,
    count(*) as n_budget_lines,
    sum(grant_lbf_ore) as grant_lbf_ore,
    sum(cofinancing_municipality_ore) as cofinancing_municipality_ore,
    sum(cofinancing_housing_org_ore) as cofinancing_housing_org_ore,
    any_value(source_file) as source_file,
    any_value(source_sha256) as source_sha256
from {{ ref('int_lbf__budget_lines') }}
group by plan_id
