-- The frame of suite fct_deltagelse__reconciliation: per activity, the mart's episodes
-- beside the gated raw registration files (S5). An activity on one side only has a NULL
-- on the other.
with mart as (
    select
        activity_code,
        count(*) as episodes
    from {{ ref('fct_deltagelse') }}
    group by activity_code
),

raw as (
    select
        aktivitet as activity_code,
        count(*) as episodes
    from {{ source('participants', 'raw_participant_registrations') }}
    group by aktivitet
)

select
    coalesce(raw.activity_code, mart.activity_code) as activity_code,
    cast(raw.episodes as bigint) as raw_episodes,
    cast(mart.episodes as bigint) as mart_episodes
from raw
full outer join mart
    on raw.activity_code = mart.activity_code
order by 1
