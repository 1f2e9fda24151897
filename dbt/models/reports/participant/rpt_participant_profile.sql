-- Who took part: participation episodes per activity, in total and by one dimension at a
-- time (funding round, participation year, gender, age band, origin group, and whether the
-- episode enters the effect estimates). A count of 1-4 is suppressed (NULL). Every dimension
-- adds up to the activity's total, so the total minus a dimension's published counts gives
-- the sum of its suppressed ones: when that sum would be a lone count or 1-4, the smallest
-- published count of the dimension is suppressed too (complementary suppression), and no
-- count of 1-4 follows by subtraction (docs/privacy.md, "Disclosure by differencing").
{% set dimensions = ['funding_round', 'participation_year', 'gender', 'age_band', 'origin_group', 'eligibility'] %}
with episodes as (
    select * from {{ ref('fct_deltagelse') }}
),

long as (
    select activity_code, 'total' as dimension, 'all' as category from episodes
    {% for dimension in dimensions %}
    union all
    select activity_code, '{{ dimension }}', coalesce(cast({{ dimension }} as string), 'unknown') from episodes
    {% endfor %}
),

counts as (
    select activity_code, dimension, category, count(*) as n
    from long
    group by activity_code, dimension, category
),

-- The counts of 1-4 are the smallest of their dimension: ranked by size they come first,
-- and the one ranked next is the smallest published count.
ranked as (
    select
        *,
        n < 5 as primary_suppressed,
        count(*) filter (where n < 5) over dimension_counts as primary_cells,
        coalesce(sum(n) filter (where n < 5) over dimension_counts, 0) as primary_sum,
        row_number() over (partition by activity_code, dimension order by n, category) as rank_by_size
    from counts
    window dimension_counts as (partition by activity_code, dimension)
),

flagged as (
    select
        *,
        primary_suppressed
            or (primary_cells > 0 and (primary_cells = 1 or primary_sum < 5) and rank_by_size = primary_cells + 1)
            as is_suppressed
    from ranked
)

select
    activity_code,
    dimension,
    category,
    is_suppressed,
    case when not is_suppressed then n end as n_episodes
from flagged
order by activity_code, dimension, category
