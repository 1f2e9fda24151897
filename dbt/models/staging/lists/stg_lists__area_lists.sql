-- One row per listed area and list year, renamed. The name is not resolved here: see
-- intermediate/area/int_area__lists_resolved.
select
    cast(list_year as integer) as list_year,
    omraade as list_area_name,
    kommune as municipality_name,
    cast(beboere as integer) as residents,
    uden_for_arbejde_uddannelse_pct as outside_work_education_pct,
    doemte_ift_landsgennemsnit as convicted_ratio_to_national,
    kun_grunduddannelse_pct as basic_schooling_only_pct,
    indkomst_ift_region_pct as income_pct_of_region,
    ikke_vestlige_pct as non_western_pct,
    kategori as list_category,
    _source_file as source_file,
    _source_sha256 as source_sha256,
    _source_locator as source_locator
from {{ source('lists', 'raw_area_lists') }}
