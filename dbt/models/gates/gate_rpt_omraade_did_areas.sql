-- The frame of suite rpt_omraade_did_areas: every area of the report, with the rules
-- that tie its change to its means and its periods.
select
    *,
    abs(change - (post_mean - pre_mean)) < 1e-9 as change_is_post_minus_pre,
    pre_last_year < post_first_year and post_first_year <= post_last_year as periods_in_order
from {{ ref('rpt_omraade_did_areas') }}
