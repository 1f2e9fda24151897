-- 2011-14 (S1a): one line per plan; LBF did not split the budget by indsatsområde.
select
    funding_round,
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
where funding_round = '2011-14'
