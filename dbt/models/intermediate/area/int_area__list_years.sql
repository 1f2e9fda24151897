-- depends_on: {{ source('lists', 'raw_area_lists') }}
-- The list years whose list has been delivered and gated: one raw partition file per
-- year. Read from the raw layer's file names rather than its rows, because a year in
-- which no area is listed is a delivered list without rows, and must still be checked.
select distinct
    cast(regexp_extract(file, '(\d{4})\.parquet$', 1) as integer) as list_year,
    file as raw_file
from glob('{{ env_var("BOLIGSOCIAL_RAW_DIR", "../data/work/raw") }}/raw_area_lists/*.parquet')
where regexp_matches(file, '\d{4}\.parquet$')
