-- One row per area, indicator and year. A suppressed value ('..') stays NULL with
-- is_suppressed = true: never 0.
select
    omraade as area_id,
    indikator as indicator_code,
    cast(tid as integer) as year,
    cast(indhold as double) as value,
    suppressed as is_suppressed,
    _source_file as source_file,
    _source_sha256 as source_sha256,
    _source_locator as source_locator
from {{ source('indicators', 'raw_area_indicators') }}
