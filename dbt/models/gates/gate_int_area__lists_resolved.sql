-- The frame of suite int_area__lists_resolved: every name on a government list (S3)
-- with how it resolved, and for a name that did not resolve to exactly one area, why,
-- with its kommune, landing file and line (unresolved_name; NULL when it resolved).
select
    list_year,
    list_area_name,
    municipality_name,
    resolution,
    matching_areas,
    case
        when matching_areas = 1 then null
        else '''' || list_area_name || ''' ('
            || municipality_name || ', ' || source_file || ' ' || source_locator || '): '
            || case
                when municipality_code is null then 'no kommune of that name'
                when matching_areas = 0 then 'no area of that name in the kommune'
                    || case when is_alias then ' (alias of ''' || register_name || ''')' else '' end
                else cast(matching_areas as {{ dbt.type_string() }}) || ' areas of that name in the kommune'
            end
    end as unresolved_name,
    source_file as _source_file,
    source_locator as _source_locator
from {{ ref('int_area__lists_resolved') }}
order by list_year, source_file, source_locator
