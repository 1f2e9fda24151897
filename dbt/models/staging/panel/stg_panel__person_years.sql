-- One row per person and year, in English. person_key is the keyed pseudonym set at
-- ingestion; the CPR number never reached the warehouse.
select
    person_key,
    cast(aar as integer) as year,
    koen as gender,
    cast(foedselsaar as integer) as birth_year,
    cast(aar as integer) - cast(foedselsaar as integer) as age,
    herkomst as origin,
    boligomraade_id as area_id,
    fritidsjob as has_leisure_job,
    i_uddannelse as in_education,
    beskaeftiget as is_employed,
    afgangseksamen as took_ninth_grade_exam,
    skolefravaer_pct as school_absence_pct,
    mistanke_sigtelse as was_suspected_or_charged,
    foraelder_beskaeftiget as has_employed_parent,
    _source_file as source_file,
    _source_sha256 as source_sha256
from {{ source('panel', 'raw_person_years') }}
