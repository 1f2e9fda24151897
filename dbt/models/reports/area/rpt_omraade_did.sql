-- Difference-in-differences per LBF funding round, indicator, source and comparison group.
--
-- Estimator (areas are the unit, every area weighs the same):
--   change_a = mean of area a's values in the post-period - mean in the pre-period
--              (rpt_omraade_did_areas; suppressed values are left out of the means)
--   DiD      = mean change of the funded areas - mean change of the comparison areas
--   SE       = sqrt(var_funded / n_funded + var_comparison / n_comparison), the sample
--              variances of the per-area changes (robust to serial correlation within
--              an area, since each area contributes one change)
--   95 % CI  = DiD -/+ 1.96 SE (normal approximation; NULL with fewer than 2 areas in a group)
with areas as (
    select * from {{ ref('rpt_omraade_did_areas') }}
),

funded as (
    select
        funding_round, indicator_code, indicator_source,
        any_value(pre_first_year) as pre_first_year,
        any_value(pre_last_year) as pre_last_year,
        any_value(post_first_year) as post_first_year,
        any_value(post_last_year) as post_last_year,
        count(*) as n_areas,
        {{ exact_avg('pre_mean') }} as pre_mean,
        {{ exact_avg('post_mean') }} as post_mean,
        {{ exact_avg('change') }} as change,
        {{ exact_var_samp('change') }} as change_variance
    from areas
    where area_group = 'funded'
    group by all
),

comparison as (
    select
        funding_round, indicator_code, indicator_source, area_group as comparison_group,
        count(*) as n_areas,
        {{ exact_avg('pre_mean') }} as pre_mean,
        {{ exact_avg('post_mean') }} as post_mean,
        {{ exact_avg('change') }} as change,
        {{ exact_var_samp('change') }} as change_variance
    from areas
    where area_group != 'funded'
    group by all
),

estimated as (
    select
        funded.funding_round,
        funded.indicator_code,
        funded.indicator_source,
        comparison.comparison_group,
        funded.pre_first_year,
        funded.pre_last_year,
        funded.post_first_year,
        funded.post_last_year,
        funded.n_areas as n_funded_areas,
        comparison.n_areas as n_comparison_areas,
        funded.pre_mean as funded_pre_mean,
        funded.post_mean as funded_post_mean,
        funded.change as funded_change,
        comparison.pre_mean as comparison_pre_mean,
        comparison.post_mean as comparison_post_mean,
        comparison.change as comparison_change,
        funded.change - comparison.change as did_estimate,
        sqrt(funded.change_variance / funded.n_areas + comparison.change_variance / comparison.n_areas)
            as did_standard_error
    from funded
    inner join comparison
        on funded.funding_round = comparison.funding_round
        and funded.indicator_code = comparison.indicator_code
        and funded.indicator_source = comparison.indicator_source
)

select
    estimated.funding_round || '/' || estimated.indicator_code || '/' || estimated.indicator_source
        || '/' || estimated.comparison_group as did_key,
    estimated.funding_round,
    estimated.indicator_code,
    indicators.indicator_name,
    estimated.indicator_source,
    estimated.comparison_group,
    estimated.pre_first_year,
    estimated.pre_last_year,
    estimated.post_first_year,
    estimated.post_last_year,
    estimated.n_funded_areas,
    estimated.n_comparison_areas,
    estimated.funded_pre_mean,
    estimated.funded_post_mean,
    estimated.funded_change,
    estimated.comparison_pre_mean,
    estimated.comparison_post_mean,
    estimated.comparison_change,
    estimated.did_estimate,
    estimated.did_standard_error,
    estimated.did_estimate - 1.96 * estimated.did_standard_error as ci_low,
    estimated.did_estimate + 1.96 * estimated.did_standard_error as ci_high,
    coalesce(estimated.did_estimate - 1.96 * estimated.did_standard_error > 0
             or estimated.did_estimate + 1.96 * estimated.did_standard_error < 0, false) as ci_excludes_zero
from estimated
left join {{ ref('ref_indicators') }} as indicators
    on estimated.indicator_code = indicators.indicator_code
