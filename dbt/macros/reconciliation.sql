{#- The gated raw grant files (S1a-c) per funding round, and a mart's figures beside them:
    the frames of the reconciliation gates of the LBF marts (dbt/models/gates/).

    raw_grant_totals()       per funding_round: plans, the three amounts and their total, in øre
    beside_raw(columns)      funding_round, then raw_<c> and mart_<c> for each column, from the
                             CTEs `raw` and `mart` joined on the round (NULLs where a round is on
                             one side only)
-#}

{% macro raw_grant_totals() -%}
    select
        funding_round,
        count(distinct plan_id) as plans,
        sum(grant_lbf_ore) as grant_lbf_ore,
        sum(cofinancing_municipality_ore) as cofinancing_municipality_ore,
        sum(cofinancing_housing_org_ore) as cofinancing_housing_org_ore,
        sum(grant_lbf_ore + cofinancing_municipality_ore + cofinancing_housing_org_ore) as total_budget_ore
    from {{ source('lbf', 'raw_lbf_grants') }}
    group by funding_round
{%- endmacro %}

{% macro beside_raw(columns) -%}
select
    coalesce(raw.funding_round, mart.funding_round) as funding_round
    {%- for column in columns %},
    cast(raw.{{ column }} as bigint) as raw_{{ column }},
    cast(mart.{{ column }} as bigint) as mart_{{ column }}
    {%- endfor %}
from raw
full outer join mart
    on raw.funding_round = mart.funding_round
order by 1
{%- endmacro %}
