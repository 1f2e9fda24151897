-- Every row of the government lists with the boligområde its name resolves to.
--
-- A list names an area, in a kommune, sometimes in a variant spelling. The name is
-- first mapped through ref_area_aliases (list spelling -> register spelling; a name not
-- in the seed is taken as it is), then matched with the register's name within the
-- kommune. Exactly one match resolves the row. No match or several are kept here with
-- area_id NULL, so that the blocking gate on this model
-- (expectations/int_area__lists_resolved.json) names each such list row.
with list_rows as (
    select * from {{ ref('stg_lists__area_lists') }}
),

named as (
    select
        l.*,
        coalesce(a.register_name, l.list_area_name) as register_name,
        a.register_name is not null as is_alias,
        m.municipality_code
    from list_rows as l
    left join {{ ref('ref_area_aliases') }} as a on a.list_name = l.list_area_name
    left join {{ ref('ref_municipalities') }} as m on m.municipality_name = l.municipality_name
),

matches as (
    select
        n.source_file,
        n.source_locator,
        count(r.area_id) as matching_areas,
        min(r.area_id) as first_area_id
    from named as n
    left join {{ ref('stg_register__areas') }} as r
        on r.area_name = n.register_name and r.municipality_code = n.municipality_code
    group by n.source_file, n.source_locator
)

select
    n.list_year,
    n.list_area_name,
    n.register_name,
    n.is_alias,
    n.municipality_name,
    n.municipality_code,
    case when m.matching_areas = 1 then m.first_area_id end as area_id,
    cast(m.matching_areas as integer) as matching_areas,
    case m.matching_areas when 0 then 'unresolved' when 1 then 'resolved' else 'ambiguous' end as resolution,
    n.residents,
    n.outside_work_education_pct,
    n.convicted_ratio_to_national,
    n.basic_schooling_only_pct,
    n.income_pct_of_region,
    n.non_western_pct,
    n.list_category,
    n.source_file,
    n.source_sha256,
    n.source_locator
from named as n
inner join matches as m on m.source_file = n.source_file and m.source_locator = n.source_locator
