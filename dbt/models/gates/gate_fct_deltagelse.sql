-- The frame of suite fct_deltagelse: every participation episode of the restricted
-- mart, with its landing file and line under the names the gate reports failing rows
-- by, and the rules that tie its key, year, stratum and matching cells together.
select
    *,
    source_file as _source_file,
    source_locator as _source_locator,
    episode_key = person_key
        || '/' || activity_code
        || '/' || plan_id
        || '/' || cast(start_date as {{ dbt.type_string() }})
        as key_is_composed,
    participation_year = extract(year from start_date) as year_is_start_year,
    (eligibility = 'eligible') = (stratum_key is not null) as stratum_iff_eligible,
    (eligibility = 'eligible') = (
        episode_number = 1
        and area_id is not null
        and age_band is not null
        and gender is not null
    ) as eligible_has_cells
from {{ ref('fct_deltagelse') }}
