-- Per activity, outcome, horizon and stratum (the matching cells: participation year, age
-- band, gender, origin group, baseline, parents' employment): how many treated persons and
-- how many potential controls have the outcome measured, and the sum (and, for means,
-- the sum of squares) of their outcomes. Everything the estimates need is in these sums,
-- so the person-level rows are aggregated once.
with sums as (
    select
        activity_code,
        horizon,
        stratum_key,
        gender,
        is_treated,
        {% for outcome in participant_outcomes() -%}
        count({{ outcome.column }}) as n_{{ outcome.code }},
        {{ exact_sum(outcome.column) }} as sum_{{ outcome.code }},
        {{ exact_sum(outcome.column ~ ' * ' ~ outcome.column, 10) }} as sumsq_{{ outcome.code }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ ref('int_participant__outcomes') }}
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
        cast(sum_{{ outcome.code }} as double) as sum_y,
        cast(sumsq_{{ outcome.code }} as double) as sumsq_y
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
    coalesce(sum(sumsq_y) filter (where not is_treated), 0) as sumsq_y_controls
from long
group by activity_code, outcome, outcome_kind, horizon, stratum_key, gender
