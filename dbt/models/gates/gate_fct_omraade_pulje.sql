-- The frame of suite fct_omraade_pulje: every area and funding round of the mart, with
-- its consistency rules as boolean columns.
select
    *,
    area_round_key = area_id || '/' || funding_round as key_is_area_and_round,
    (grant_lbf_per_resident_dkk is null) = (coalesce(residents_at_start, 0) = 0)
        as per_resident_when_residents_known,
    total_budget_dkk >= grant_lbf_dkk as total_budget_covers_grant,
    {{ split_count('plan_ids', "', '") }} = n_plans as plan_ids_match_n_plans
from {{ ref('fct_omraade_pulje') }}
