-- The frame of suite rpt_participant_profile: every count of the report, with its key
-- and whether its suppression flag matches its count.
select
    *,
    activity_code || '/' || dimension || '/' || category as profile_key,
    is_suppressed = (n_episodes is null) as flag_matches_count
from {{ ref('rpt_participant_profile') }}
