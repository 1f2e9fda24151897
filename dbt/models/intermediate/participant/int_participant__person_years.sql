-- The register panel with what participant evaluation needs per person and year: the
-- matching cells (age band, origin group, parents' employment), whether the person lives
-- in an area covered by a helhedsplan that year, and the previous year's status of every
-- outcome an activity selects on (its baseline cell; 'unknown' without a row for the
-- previous year or a null at that age).
with panel as (
    select * from {{ ref('stg_panel__person_years') }}
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
    {{ binary_cell('prev.has_leisure_job') }} as baseline_fritidsjob,
    {{ binary_cell('prev.in_education') }} as baseline_i_uddannelse,
    {{ binary_cell('prev.is_employed') }} as baseline_beskaeftiget,
    {{ binary_cell('prev.took_ninth_grade_exam') }} as baseline_afgangseksamen,
    {{ absence_cell('prev.school_absence_pct') }} as baseline_skolefravaer_pct
from panel as cur
left join panel as prev
    on prev.person_key = cur.person_key
    and prev.year = cur.year - 1
left join coverage
    on coverage.area_id = cur.area_id
    and coverage.year = cur.year
