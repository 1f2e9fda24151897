-- One row per participation episode (person x activity x start): who took part, in what,
-- when and under which helhedsplan, the person's matching cells in the participation year,
-- whether the episode enters the effect estimates, and the person's outcomes in the
-- participation year and one and two years after. Pseudonymised person-level data:
-- published to restricted.duckdb only.
with episodes as (
    select * from {{ ref('int_participant__episodes') }}
),

-- Only the participants' rows of the panel: the joins below then probe a small table.
person_years as (
    select * from {{ ref('int_participant__person_years') }}
    where person_key in (select person_key from episodes)
)

select
    episodes.episode_key,
    episodes.person_key,
    episodes.plan_id,
    episodes.funding_round,
    episodes.activity_code,
    episodes.start_date,
    episodes.end_date,
    episodes.registered_at,
    episodes.participation_year,
    cast(episodes.episode_number as integer) as episode_number,
    episodes.area_id,
    episodes.gender,
    episodes.age,
    episodes.age_band,
    episodes.origin_group,
    episodes.baseline,
    episodes.parents_employed,
    episodes.eligibility,
    case when episodes.eligibility = 'eligible'
        then concat_ws('|', episodes.participation_year, episodes.age_band, episodes.gender,
                       episodes.origin_group, episodes.baseline, episodes.parents_employed)
    end as stratum_key,
    {% for horizon in effect_horizons() -%}
    {% set year_alias = 'h' ~ horizon -%}
    {% for outcome in participant_outcomes() -%}
    {{ year_alias }}.{{ outcome.column }} as {{ outcome.column }}_h{{ horizon }},
    {% endfor -%}
    {% endfor -%}
    episodes.source_file,
    episodes.source_locator
from episodes
{% for horizon in effect_horizons() -%}
left join person_years as h{{ horizon }}
    on h{{ horizon }}.person_key = episodes.person_key
    and h{{ horizon }}.year = episodes.participation_year + {{ horizon }}
{% endfor %}
