-- The trend behind the difference-in-differences report: per LBF funding round,
-- indicator, source, year and group of areas, the mean of the areas' published values
-- that year (every area with a value weighs the same) and how many areas it rests on.
-- The groups and periods are those of rpt_omraade_did (macro did_groups).
--
-- For indicators from the register panel it also gives the pooled rate: persons counted
-- over persons in the population, summed over all the group's residents (also those of
-- areas too small for a rate of their own), i.e. weighted by persons rather than areas.
-- Disclosure control: withheld where fewer than {{ min_persons_per_rate() }} persons are
-- behind it or 1-4 of them are counted (a count of persons below 5 must not be derivable
-- from the rate and n_persons); n_persons is withheld from 1 to 4.
with did_values as (
    {{ did_values() }}
),

area_groups as (
    {{ did_groups('did_values') }}
),

panel_counts as (
    {%- for indicator in area_indicators() if indicator.outcome and indicator.panel %}
    select area_id, year, '{{ indicator.code }}' as indicator_code, {{ indicator.panel.per }} as per,
        n_{{ indicator.column }} as n, k_{{ indicator.column }} as k
    from {{ ref('int_area__indicators_panel') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

pooled as (
    select
        area_groups.funding_round,
        panel_counts.indicator_code,
        area_groups.area_group,
        panel_counts.year,
        sum(panel_counts.n) as n,
        sum(panel_counts.k) as k,
        any_value(panel_counts.per) as per
    from area_groups
    inner join panel_counts on panel_counts.area_id = area_groups.area_id
    group by all
),

means as (
    select
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
        {{ exact_avg('did_values.value') }} as mean_value,
        {{ exact_stddev_samp('did_values.value') }} as sd_value
    from area_groups
    inner join did_values on did_values.area_id = area_groups.area_id
    group by area_groups.funding_round, did_values.indicator_code, did_values.indicator_source,
        area_groups.area_group, did_values.year
)

select
    means.funding_round || '/' || means.indicator_code || '/' || means.indicator_source
        || '/' || means.area_group || '/' || means.year as trend_key,
    means.*,
    cast(case when means.indicator_source = 'panel' and not pooled.n between 1 and 4 then pooled.n end as bigint) as n_persons,
    case when means.indicator_source = 'panel' and pooled.n >= {{ min_persons_per_rate() }}
        and not pooled.k between 1 and 4 then pooled.per * pooled.k / pooled.n end as pooled_value
from means
left join pooled
    on pooled.funding_round = means.funding_round
    and pooled.indicator_code = means.indicator_code
    and pooled.area_group = means.area_group
    and pooled.year = means.year
