select
    boligomraade_id as area_id,
    navn as area_name,
    cast(kommunekode as integer) as municipality_code,
    _source_file as source_file,
    _source_sha256 as source_sha256
from {{ source('register', 'raw_register_areas') }}
