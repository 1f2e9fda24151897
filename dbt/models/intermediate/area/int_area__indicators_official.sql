-- The official area indicators (S4) per area and year, one column per indicator. A value
-- the provider suppressed ('..') is NULL with <column>_suppressed = true; a year whose
-- indicator file has not been delivered has no row here.
select
    area_id,
    year,
    {%- for indicator in area_indicators() %}
    max(value) filter (where indicator_code = '{{ indicator.code }}') as {{ indicator.column }},
    coalesce(bool_or(is_suppressed) filter (where indicator_code = '{{ indicator.code }}'), false)
        as {{ indicator.column }}_suppressed{{ "," if not loop.last }}
    {%- endfor %}
from {{ ref('stg_indicators__area_indicators') }}
group by area_id, year
