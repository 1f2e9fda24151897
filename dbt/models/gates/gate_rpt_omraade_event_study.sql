-- The frame of suite rpt_omraade_event_study: every estimate of the event study, with the
-- rules that tie it to its sides' changes, its interval and its event time; and one row
-- more for each round that should have estimates and has none. A round is estimated when it
-- first funded at least 5 areas that had residents in the year before its first year, and
-- at least 5 never-funded areas had residents then (the report's minimum on each side). A
-- small world may have no such round: its report is then rightly empty, not broken.
{%- set min_areas = var('event_study_min_areas') %}
with report as (
    select * from {{ ref('rpt_omraade_event_study') }}
),

base_year_areas as (
    select rounds.funding_round as cohort, areas.first_funding_round
    from {{ ref('ref_funding_rounds') }} as rounds
    inner join {{ ref('fct_omraade_aar') }} as area_years
        on area_years.year = rounds.first_year - 1 and area_years.residents > 0
    inner join {{ ref('dim_boligomraade') }} as areas on areas.area_id = area_years.area_id
),

estimable_cohorts as (
    select cohort
    from base_year_areas
    group by cohort
    having count(case when first_funding_round = cohort then 1 end) >= {{ min_areas }}
        and count(case when first_funding_round is null then 1 end) >= {{ min_areas }}
),

unestimated_cohorts as (
    select cohort as unestimated_cohort
    from estimable_cohorts
    where cohort not in (select cohort from report)
)

select
    report.*,
    abs(report.att - (report.cohort_change - report.comparison_change)) < 1e-9 as estimate_is_difference_of_changes,
    report.standard_error is null or (report.ci_low <= report.att and report.att <= report.ci_high)
        as ci_contains_estimate,
    (report.term = 'event_time') = (report.event_time is not null) as event_time_only_for_event_time_rows,
    report.event_time is null or report.event_time <> -1 as no_row_for_the_base_year,
    unestimated_cohorts.unestimated_cohort
from report
full outer join unestimated_cohorts on false
