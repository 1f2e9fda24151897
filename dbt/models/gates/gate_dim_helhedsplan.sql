-- The frame of suite dim_helhedsplan: every plan of the mart, with its landing file
-- under the name the gate reports failing rows by, and the difference between the total
-- budget and its parts (zero when the budget adds up).
select
    *,
    source_file as _source_file,
    total_budget_dkk
        - (grant_lbf_dkk + cofinancing_municipality_dkk + cofinancing_housing_org_dkk)
        as total_budget_difference_dkk
from {{ ref('dim_helhedsplan') }}
