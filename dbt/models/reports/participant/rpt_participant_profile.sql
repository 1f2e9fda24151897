-- Who took part: participation episodes per activity, in total and by one dimension at a
-- time (funding round, participation year, gender, age band, origin group, and whether the
-- episode enters the effect estimates). A count of 1-4 is suppressed (NULL); when a
-- dimension of an activity has exactly one suppressed count, the smallest other count is
-- suppressed too, so that no suppressed count follows from the total.
{% set dimensions = ['funding_round', 'participation_year', 'gender', 'age_band', 'origin_group', 'eligibility'] %}
with episodes as (
    select * from {{ ref('fct_deltagelse') }}
),

long as (
    select activity_code, 'total' as dimension, 'all' as category from episodes
    {% for dimension in dimensions %}
    union all
    select activity_code, '{{ dimension }}', coalesce(cast({{ dimension }} as varchar), 'unknown') from episodes
    {% endfor %}
),

counts as (
    select activity_code, dimension, category, count(*) as n
    from long
    group by activity_code, dimension, category
),

ranked as (
    select
        *,
        n < 5 as primary_suppressed,
        count(*) filter (where n < 5) over (partition by activity_code, dimension) as suppressed_in_dimension,
        row_number() over (partition by activity_code, dimension, n < 5 order by n, category) as rank_by_size
    from counts
),

flagged as (
    select
        *,
        primary_suppressed
            or (suppressed_in_dimension = 1 and not primary_suppressed and rank_by_size = 1) as is_suppressed
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
