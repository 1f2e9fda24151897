-- The frame of suite dim_boligomraade: every area of the mart, with the consistency
-- rules of its funding and list history as boolean columns.
select
    *,
    (n_plans > 0) = (first_funding_round is not null) as funding_is_consistent,
    funded_2011_14 = coalesce(funding_rounds like '%2011-14%', false)
        and funded_2015_18 = coalesce(funding_rounds like '%2015-18%', false)
        and funded_2019_26 = coalesce(funding_rounds like '%2019-26%', false)
        as round_flags_match_rounds,
    years_on_list = years_ghettoomraade
        + years_haardt_ghettoomraade
        + years_udsat_boligomraade
        + years_parallelsamfund
        + years_omdannelsesomraade
        + years_forebyggelsesomraade
        as list_years_add_up,
    (years_on_list > 0) = (first_list_year is not null)
        and coalesce(first_list_year <= last_list_year, true)
        as list_years_consistent,
    grant_lbf_dkk = 0 or n_plans > 0 as grant_only_when_funded,
    total_budget_dkk >= grant_lbf_dkk as total_budget_covers_grant
from {{ ref('dim_boligomraade') }}
