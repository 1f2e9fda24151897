-- depends_on: {{ source('lists', 'raw_area_lists') }}
-- The list years whose list has been delivered and gated: one raw partition file per
-- year. Read from the raw layer's file names rather than its rows, because a year in
-- which no area is listed is a delivered list without rows, and must still be checked.
with files as (
    select
        cast(nullif(regexp_extract(file, '([0-9]{4})[.]parquet$', 1), '') as integer) as list_year,
        file
    from {{ raw_partition_files('raw_area_lists') }}
)

select distinct
    list_year,
    file as raw_file
from files
where list_year is not null
