-- The censoring model of the effect estimates: per activity and stratum (its year's matching
-- cells), how many persons of the matching pool there are and how many of them start the
-- activity that year. The selection of participants depends on these cells only
-- (docs/generator.md), so the share that starts, n_started / n_pool, estimates each pool
-- member's probability of starting that year without assuming a functional form. A
-- control of an earlier year who is still in the pool and does not start stands for
-- n_pool / (n_pool - n_started) persons of its stratum: the inverse-probability-of-
-- censoring weight of int_participant__outcomes (docs/effects.md).
select
    activity_code,
    stratum_key,
    any_value(participation_year) as participation_year,
    count(*) as n_pool,
    count(*) filter (where is_treated) as n_started
from {{ ref('int_participant__matching_pool') }}
group by activity_code, stratum_key
