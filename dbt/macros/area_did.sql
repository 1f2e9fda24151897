{#- Shared parts of the difference-in-differences reports (rpt_omraade_did_areas,
    rpt_omraade_trend), as SQL to put in a `with` clause. -#}

{#- did_values: the published indicators of fct_omraade_aar in long form, one row per area,
    year, indicator and source ('official': S4; 'panel': computed from the register
    panel), suppressed values left out. Built from the published mart, so that an analyst
    can recompute every figure of the reports from fct_omraade_aar. -#}
{% macro did_values() -%}
{%- set parts = [] -%}
{%- for indicator in area_indicators() if indicator.outcome -%}
{%- do parts.append((indicator.code, 'official', indicator.column)) -%}
{%- if indicator.panel -%}{%- do parts.append((indicator.code, 'panel', 'panel_' ~ indicator.column)) -%}{%- endif -%}
{%- endfor -%}
{%- for code, source, column in parts %}
    select area_id, year, '{{ code }}' as indicator_code, '{{ source }}' as indicator_source, {{ column }} as value
    from {{ ref('fct_omraade_aar') }}
    where {{ column }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
{%- endmacro %}

{#- did_groups: who is compared with whom, per LBF funding round, and when. One row per
    round, area and group the area belongs to.

    Periods: the pre-period is every year of the data before the year the round's first
    plan started; the post-period runs from that year to the year its last plan ended, or
    the last year of the data. Groups: 'funded', the areas a plan of the round covered;
    'never_funded', the areas no plan of any round ever covered; 'not_funded_in_round',
    the areas no plan of this round covered (which includes areas funded in other rounds,
    whose own plans may run in these years). -#}
{% macro did_groups(values_cte) -%}
    with data_years as (
        select min(year) as first_year, max(year) as last_year from {{ values_cte }}
    ),

    rounds as (
        select
            funding_round,
            cast(min(year(start_date)) as integer) as start_year,
            cast(max(year(end_date)) as integer) as end_year
        from {{ ref('int_lbf__plans') }}
        group by funding_round
    ),

    periods as (
        select
            rounds.funding_round,
            data_years.first_year as pre_first_year,
            rounds.start_year - 1 as pre_last_year,
            rounds.start_year as post_first_year,
            least(rounds.end_year, data_years.last_year) as post_last_year
        from rounds
        cross join data_years
    ),

    funded as (
        select distinct funding_round, area_id from {{ ref('int_area__plan_grants') }}
    )

    select periods.*, areas.area_id, area_groups.area_group
    from periods
    cross join {{ ref('dim_boligomraade') }} as areas
    cross join (values ('funded'), ('never_funded'), ('not_funded_in_round')) as area_groups(area_group)
    left join funded
        on funded.funding_round = periods.funding_round and funded.area_id = areas.area_id
    where case area_groups.area_group
        when 'funded' then funded.area_id is not null
        when 'never_funded' then areas.first_funding_round is null
        else funded.area_id is null
    end
{%- endmacro %}
