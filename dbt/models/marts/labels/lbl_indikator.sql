-- Labels of the area indicators (the rpt_omraade_* reports' indicator_code).
select
    indicator_code,
    indicator_name as label_da,
    indicator_name_en as label_en,
    unit,
    suppression_allowed,
    election_years_only
from {{ ref('ref_indicators') }}
order by indicator_code
