-- The frame of suite rpt_omraade_event_study: every estimate of the event study, with the
-- rules that tie it to its sides' changes, its interval and its event time.
select
    *,
    abs(att - (cohort_change - comparison_change)) < 1e-9 as estimate_is_difference_of_changes,
    standard_error is null or (ci_low <= att and att <= ci_high) as ci_contains_estimate,
    (term = 'event_time') = (event_time is not null) as event_time_only_for_event_time_rows,
    event_time is null or event_time <> -1 as no_row_for_the_base_year
from {{ ref('rpt_omraade_event_study') }}
