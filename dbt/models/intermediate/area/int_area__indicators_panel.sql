-- The area indicators the register panel (S6) can give, per area and year, as counts:
-- n_<indicator> persons in the indicator's population among the area's residents that
-- year, k_<indicator> of them counted. Definitions are those of S4 (macro
-- area_indicators), ages are year - birth_year. Aggregates only: no person-level row
-- leaves this model, but the counts are not suppressed here (fct_omraade_aar does that).
select
    area_id,
    year,
    {%- for indicator in area_indicators() if indicator.panel %}
    count(*) filter (where {{ indicator.panel.population }}) as n_{{ indicator.column }},
    count(*) filter (where ({{ indicator.panel.population }}) and ({{ indicator.panel.counted }}))
        as k_{{ indicator.column }}{{ "," if not loop.last }}
    {%- endfor %}
from {{ ref('stg_panel__person_years') }}
where area_id is not null
group by area_id, year
