-- Labels of LBF's funding rounds, with the rules a grant in each must follow.
select
    funding_round,
    round_name as label_da,
    round_name_en as label_en,
    first_year,
    last_year,
    earliest_start,
    latest_start,
    latest_end,
    min_local_cofinancing_share
from {{ ref('ref_funding_rounds') }}
order by funding_round
