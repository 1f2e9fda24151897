-- The frame of suite rpt_omraade_trend: every mean of the report, with whether its
-- period is the one rpt_omraade_did uses for the round, and its consistency rules.
select
    *,
    case
        when year <= (
            select max(did.pre_last_year)
            from {{ ref('rpt_omraade_did') }} as did
            where did.funding_round = trend.funding_round
        ) then 'pre'
        when year <= (
            select max(did.post_last_year)
            from {{ ref('rpt_omraade_did') }} as did
            where did.funding_round = trend.funding_round
        ) then 'post'
        else 'after'
    end = period as period_matches_did,
    sd_value is null or sd_value >= 0 as sd_not_negative,
    indicator_source = 'panel' or (pooled_value is null and n_persons is null) as pooled_only_from_the_panel
from {{ ref('rpt_omraade_trend') }} as trend
