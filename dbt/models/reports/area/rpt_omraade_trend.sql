-- The trend behind the difference-in-differences report: per LBF funding round,
-- indicator, source, year and group of areas, the mean of the areas' published values
-- that year (every area with a value weighs the same) and how many areas it rests on.
-- The groups and periods are those of rpt_omraade_did (macro did_groups).
with did_values as (
    {{ did_values() }}
),

area_groups as (
    {{ did_groups('did_values') }}
)

select
    area_groups.funding_round || '/' || did_values.indicator_code || '/' || did_values.indicator_source
        || '/' || area_groups.area_group || '/' || did_values.year as trend_key,
    area_groups.funding_round,
    did_values.indicator_code,
    did_values.indicator_source,
    area_groups.area_group,
    did_values.year,
    case
        when did_values.year <= any_value(area_groups.pre_last_year) then 'pre'
        when did_values.year <= any_value(area_groups.post_last_year) then 'post'
        else 'after'
    end as period,
    count(*) as n_areas,
    avg(did_values.value) as mean_value,
    stddev_samp(did_values.value) as sd_value
from area_groups
inner join did_values on did_values.area_id = area_groups.area_id
group by area_groups.funding_round, did_values.indicator_code, did_values.indicator_source,
    area_groups.area_group, did_values.year
