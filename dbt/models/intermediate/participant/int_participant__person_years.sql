-- The register panel with what participant evaluation needs per person and year: the
-- matching cells (age band, origin group, parents' employment), whether the person lives
-- in an area covered by a helhedsplan that year, and the previous year's status of every
-- outcome an activity selects on (its baseline cell; 'unknown' without a row for the
-- previous year or a null at that age). The previous year comes from lag() over each
-- person's years, not a self-join of the panel: at scale 10 (116 million rows) the query
-- took 417 s instead of 657 s (alone, on a loaded machine). (person_key, year) is unique in staging, so the row lag()
-- finds is the one the join found, when it is the year before.
with panel as (
    select
        *,
        lag(year) over by_person as prev_year,
        lag(has_leisure_job) over by_person as prev_has_leisure_job,
        lag(in_education) over by_person as prev_in_education,
        lag(is_employed) over by_person as prev_is_employed,
        lag(took_ninth_grade_exam) over by_person as prev_took_ninth_grade_exam,
        lag(school_absence_pct) over by_person as prev_school_absence_pct
    from {{ ref('stg_panel__person_years') }}
    window by_person as (partition by person_key order by year)
),

-- The lagged values count only when they are the year before: a person can be missing
-- from the panel for a year (moved away and back).
with_prev as (
    select
        *,
        prev_year = year - 1 as has_prev_year
    from panel
),

coverage as (
    select area_id, year from {{ ref('int_participant__area_coverage') }}
)

select
    cur.person_key,
    cur.year,
    cur.gender,
    cur.age,
    {{ age_band('cur.age') }} as age_band,
    {{ origin_group('cur.origin') }} as origin_group,
    cur.area_id,
    coverage.area_id is not null as lives_in_covered_area,
    {{ binary_cell('cur.has_employed_parent') }} as parents_employed,
    cast(cur.has_leisure_job as integer) as has_leisure_job,
    cast(cur.in_education as integer) as in_education,
    cast(cur.is_employed as integer) as is_employed,
    cast(cur.took_ninth_grade_exam as integer) as took_ninth_grade_exam,
    cur.school_absence_pct,
    cast(cur.was_suspected_or_charged as integer) as was_suspected_or_charged,
    {{ binary_cell('case when cur.has_prev_year then cur.prev_has_leisure_job end') }} as baseline_fritidsjob,
    {{ binary_cell('case when cur.has_prev_year then cur.prev_in_education end') }} as baseline_i_uddannelse,
    {{ binary_cell('case when cur.has_prev_year then cur.prev_is_employed end') }} as baseline_beskaeftiget,
    {{ binary_cell('case when cur.has_prev_year then cur.prev_took_ninth_grade_exam end') }} as baseline_afgangseksamen,
    {{ absence_cell('case when cur.has_prev_year then cur.prev_school_absence_pct end') }} as baseline_skolefravaer_pct
from with_prev as cur
left join coverage
    on coverage.area_id = cur.area_id
    and coverage.year = cur.year
