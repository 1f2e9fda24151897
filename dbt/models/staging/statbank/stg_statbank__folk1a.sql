-- Population by area and quarter (FOLK1A). OMRÅDE '000' is all of Denmark.
select
    omraade as area_code,
    omraade = '000' as is_denmark,
    case when omraade <> '000' then cast(omraade as integer) end as municipality_code,
    tid as quarter,
    cast(left(tid, 4) as integer) as year,
    cast(right(tid, 1) as integer) as quarter_number,
    make_date(cast(left(tid, 4) as integer), 3 * cast(right(tid, 1) as integer) - 2, 1) as quarter_start_date,
    cast(indhold as bigint) as population,
    _source_file as source_file,
    _source_sha256 as source_sha256
from {{ source('statbank', 'raw_statbank_folk1a') }}
