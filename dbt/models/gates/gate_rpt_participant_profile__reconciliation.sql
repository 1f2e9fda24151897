-- The frame of suite rpt_participant_profile__reconciliation: per activity and
-- dimension of the report, its published counts beside the episodes of fct_deltagelse,
-- how many of its counts are suppressed, and whether the activity's total is.
with mart_totals as (
    select
        activity_code,
        count(*) as episodes
    from {{ ref('fct_deltagelse') }}
    group by activity_code
),

dimensions as (
    select
        activity_code,
        dimension,
        coalesce(sum(n_episodes), 0) as published_sum,
        count(*) filter (where is_suppressed) as suppressed_cells
    from {{ ref('rpt_participant_profile') }}
    group by activity_code, dimension
),

total_rows as (
    select
        activity_code,
        is_suppressed as total_suppressed
    from {{ ref('rpt_participant_profile') }}
    where dimension = 'total'
)

select
    coalesce(dimensions.activity_code, mart_totals.activity_code)
        || '/' || coalesce(dimensions.dimension, 'total')
        as dimension_key,
    cast(mart_totals.episodes as bigint) as mart_episodes,
    cast(dimensions.published_sum as bigint) as published_sum,
    dimensions.suppressed_cells,
    case
        when dimensions.activity_code is null or mart_totals.activity_code is null then false
        when dimensions.suppressed_cells = 0 then dimensions.published_sum = mart_totals.episodes
        else dimensions.published_sum < mart_totals.episodes
    end as adds_up_to_the_mart,
    dimensions.suppressed_cells <> 1 or coalesce(total_rows.total_suppressed, false) as no_lone_suppressed_count
from dimensions
full outer join mart_totals
    on mart_totals.activity_code = dimensions.activity_code
left join total_rows
    on total_rows.activity_code = coalesce(dimensions.activity_code, mart_totals.activity_code)
order by 1
