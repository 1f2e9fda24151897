-- One row per person and activity episode. person_key is the keyed pseudonym set at
-- ingestion; the CPR number never reached the warehouse.
select
    person_key,
    helhedsplan_id as plan_id,
    funding_round,
    aktivitet as activity_code,
    cast(startdato as date) as start_date,
    cast(slutdato as date) as end_date,
    cast(registreret as timestamp) as registered_at,
    cast(file_year as integer) as registration_file_year,
    _source_file as source_file,
    _source_sha256 as source_sha256,
    _source_locator as source_locator
from {{ source('participants', 'raw_participant_registrations') }}
