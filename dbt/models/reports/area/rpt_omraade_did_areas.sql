-- The per-area building blocks of the difference-in-differences report: for every LBF
-- funding round, indicator and source, each area of the funded group and of both
-- comparison groups with the mean of its published values in the pre-period and in the
-- post-period, and the change between them. An area enters when it has at least one
-- value in each period. rpt_omraade_did aggregates these rows.
with did_values as (
    {{ did_values() }}
),

area_groups as (
    {{ did_groups('did_values') }}
)

select
    area_groups.funding_round || '/' || did_values.indicator_code || '/' || did_values.indicator_source
        || '/' || area_groups.area_group || '/' || area_groups.area_id as did_area_key,
    area_groups.funding_round,
    did_values.indicator_code,
    did_values.indicator_source,
    area_groups.area_group,
    area_groups.area_id,
    any_value(area_groups.pre_first_year) as pre_first_year,
    any_value(area_groups.pre_last_year) as pre_last_year,
    any_value(area_groups.post_first_year) as post_first_year,
    any_value(area_groups.post_last_year) as post_last_year,
    count(*) filter (where did_values.year <= area_groups.pre_last_year) as pre_years,
    count(*) filter (where did_values.year >= area_groups.post_first_year) as post_years,
    {{ exact_avg("case when did_values.year <= area_groups.pre_last_year then did_values.value end") }} as pre_mean,
    {{ exact_avg("case when did_values.year >= area_groups.post_first_year then did_values.value end") }} as post_mean,
    {{ exact_avg("case when did_values.year >= area_groups.post_first_year then did_values.value end") }}
        - {{ exact_avg("case when did_values.year <= area_groups.pre_last_year then did_values.value end") }} as change
from area_groups
inner join did_values
    on did_values.area_id = area_groups.area_id
    and did_values.year between area_groups.pre_first_year and area_groups.post_last_year
group by all
having count(*) filter (where did_values.year <= area_groups.pre_last_year) > 0
    and count(*) filter (where did_values.year >= area_groups.post_first_year) > 0
