-- Per activity, outcome, horizon and stratum (the matching cells: participation year, age
-- band, gender, origin group, baseline, parents' employment): the treated and the
-- uncensored controls with the outcome measured, and the sums the estimates need, so the
-- person-level rows are aggregated once.
--
-- Every sum is exact, so that the result does not depend on the order DuckDB's threads
-- add rows up (the same inputs give the same bits): counts and yes/no outcomes are
-- integers, school absence (one decimal) is a DECIMAL, and each control's weighted terms
-- (censoring weight w times y, y^2, and w^2) are rounded to DECIMAL(38, 18) per row before
-- they are summed.
{%- set weighted = "cast({} as decimal(38, 18))" %}
with rows as (
    select
        activity_code,
        horizon,
        stratum_key,
        gender,
        is_treated,
        censoring_weight,
        {% for outcome in participant_outcomes() -%}
        {%- if outcome.kind == 'mean' -%}
        cast({{ outcome.column }} as decimal(5, 1)) as {{ outcome.code }}
        {%- else -%}
        {{ outcome.column }} as {{ outcome.code }}
        {%- endif %}{{ "," if not loop.last }}
        {% endfor %}
    from {{ ref('int_participant__outcomes') }}
),

sums as (
    select
        activity_code,
        horizon,
        stratum_key,
        gender,
        is_treated,
        {% for outcome in participant_outcomes() -%}
        count({{ outcome.code }}) as n_{{ outcome.code }},
        sum({{ outcome.code }}) as sum_{{ outcome.code }},
        sum({{ outcome.code }} * {{ outcome.code }}) as sumsq_{{ outcome.code }},
        sum({{ weighted.format('censoring_weight') }}) filter (where {{ outcome.code }} is not null)
            as w_{{ outcome.code }},
        sum({{ weighted.format('censoring_weight * censoring_weight') }}) filter (where {{ outcome.code }} is not null)
            as ww_{{ outcome.code }},
        sum({{ weighted.format('censoring_weight * ' ~ outcome.code) }}) as wy_{{ outcome.code }},
        sum({{ weighted.format('censoring_weight * ' ~ outcome.code ~ ' * ' ~ outcome.code) }})
            as wyy_{{ outcome.code }}{{ "," if not loop.last }}
        {% endfor %}
    from rows
    group by activity_code, horizon, stratum_key, gender, is_treated
),

long as (
    {% for outcome in participant_outcomes() -%}
    select
        activity_code,
        '{{ outcome.code }}' as outcome,
        '{{ outcome.kind }}' as outcome_kind,
        horizon,
        stratum_key,
        gender,
        is_treated,
        n_{{ outcome.code }} as n,
        cast(sum_{{ outcome.code }} as decimal(38, 2)) as sum_y,
        cast(sumsq_{{ outcome.code }} as decimal(38, 2)) as sumsq_y,
        w_{{ outcome.code }} as sum_w,
        ww_{{ outcome.code }} as sum_ww,
        wy_{{ outcome.code }} as sum_wy,
        wyy_{{ outcome.code }} as sum_wyy
    from sums
    where n_{{ outcome.code }} > 0
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    activity_code,
    outcome,
    outcome_kind,
    horizon,
    stratum_key,
    gender,
    coalesce(sum(n) filter (where is_treated), 0) as n_treated,
    coalesce(sum(sum_y) filter (where is_treated), 0) as sum_y_treated,
    coalesce(sum(sumsq_y) filter (where is_treated), 0) as sumsq_y_treated,
    coalesce(sum(n) filter (where not is_treated), 0) as n_controls,
    coalesce(sum(sum_y) filter (where not is_treated), 0) as sum_y_controls,
    coalesce(sum(sumsq_y) filter (where not is_treated), 0) as sumsq_y_controls,
    coalesce(sum(sum_w) filter (where not is_treated), 0) as sum_w_controls,
    coalesce(sum(sum_ww) filter (where not is_treated), 0) as sum_ww_controls,
    coalesce(sum(sum_wy) filter (where not is_treated), 0) as sum_wy_controls,
    coalesce(sum(sum_wyy) filter (where not is_treated), 0) as sum_wyy_controls
from long
group by activity_code, outcome, outcome_kind, horizon, stratum_key, gender
