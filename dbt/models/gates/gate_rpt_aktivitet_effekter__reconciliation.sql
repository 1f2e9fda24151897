-- The frame of suite rpt_aktivitet_effekter__reconciliation: for each activity's primary
-- outcome (ref_activities) and horizon, the eligible episodes of fct_deltagelse with the
-- outcome measured beside the report's matched and unmatched treated.
with episodes as (
    {%- for horizon in effect_horizons() %}
    select
        deltagelse.activity_code,
        {{ horizon }} as horizon,
        count(
            case activities.primary_outcome
                {%- for outcome in participant_outcomes() %}
                when '{{ outcome.code }}' then deltagelse.{{ outcome.column }}_h{{ horizon }}
                {%- endfor %}
            end
        ) as measured
    from {{ ref('fct_deltagelse') }} as deltagelse
    inner join {{ ref('ref_activities') }} as activities
        on activities.activity_code = deltagelse.activity_code
    where deltagelse.eligibility = 'eligible'
    group by deltagelse.activity_code
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
),

report as (
    select
        activity_code,
        horizon,
        is_suppressed,
        treated_n,
        treated_unmatched_n
    from {{ ref('rpt_aktivitet_effekter') }}
    where is_primary_outcome and subgroup = 'all'
)

select
    episodes.activity_code || '/' || episodes.horizon as effect_key,
    episodes.activity_code,
    episodes.horizon,
    cast(episodes.measured as bigint) as eligible_episodes_measured,
    report.treated_n,
    report.treated_unmatched_n,
    report.is_suppressed,
    case
        when episodes.measured = 0 then report.activity_code is null
        when report.is_suppressed then report.activity_code is not null
        -- A treated_n hidden against differencing is not reconciled.
        when report.treated_n is null then true
        -- A hidden unmatched count is at least 1: a count of 1-4 is hidden, and one hidden
        -- against differencing is not 0 (the treated_n alone would then give the 1-4 away,
        -- and the report hides treated_n instead). So the matched are short of the measured.
        when report.treated_unmatched_n is null then report.treated_n < episodes.measured
        else report.treated_n + report.treated_unmatched_n = episodes.measured
    end as treated_reconcile
from episodes
left join report
    on report.activity_code = episodes.activity_code
    and report.horizon = episodes.horizon
order by 1
