-- The frame of suite rpt_omraade_did: every estimate of the report, with the rules that
-- tie it to its groups' changes, its interval, its periods and its key.
select
    *,
    abs(did_estimate - (funded_change - comparison_change)) < 1e-9 as estimate_is_difference_of_changes,
    did_standard_error is null or (ci_low <= did_estimate and did_estimate <= ci_high) as ci_contains_estimate,
    pre_last_year < post_first_year
        and post_first_year <= post_last_year
        and pre_first_year <= pre_last_year
        as periods_in_order,
    did_key = funding_round
        || '/' || indicator_code
        || '/' || indicator_source
        || '/' || comparison_group
        as key_is_round_indicator_source_group
from {{ ref('rpt_omraade_did') }}
