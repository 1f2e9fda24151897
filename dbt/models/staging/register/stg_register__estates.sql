select
    afdeling_id as estate_id,
    -- BBBB-AAA: the first four digits are the boligorganisation's number.
    cast(split_part(afdeling_id, '-', 1) as integer) as housing_org_number,
    boligorganisation as housing_org_name,
    boligomraade_id as area_id,
    cast(antal_boliger as integer) as dwellings,
    cast(opfoert_aar as integer) as built_year,
    _source_file as source_file,
    _source_sha256 as source_sha256
from {{ source('register', 'raw_register_estates') }}
