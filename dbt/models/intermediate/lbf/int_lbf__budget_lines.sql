-- All three rounds at one grain: plan x indsatsområde budget lines.
-- 2011-14 budgets were reported per plan: they are spread evenly over the plan's
-- indsatsområder, to the øre, with the remainder on the first lines so that every plan
-- still sums exactly to what LBF granted (is_allocated marks these lines).
with plans_2011_14 as (
    select
        *,
        {{ split_text('focus_areas', "'|'") }} as focus_area_list
    from {{ ref('stg_lbf__grants') }}
    where funding_round = '2011-14'
),

exploded_2011_14 as (
    select
        *,
        {{ unnest_rows(integer_series(1, array_size('focus_area_list'))) }} as line_number,
        {{ array_size('focus_area_list') }} as n_lines
    from plans_2011_14
),

lines_2011_14 as (
    select
        funding_round,
        plan_id,
        plan_name,
        housing_organisations,
        municipality_code,
        estate_ids,
        trim({{ array_element('focus_area_list', 'line_number') }}) as focus_area_name,
        'plan' as budget_scope,
        true as is_allocated,
        {{ integer_divide('grant_lbf_ore', 'n_lines') }} + case when line_number <= grant_lbf_ore % n_lines then 1 else 0 end
            as grant_lbf_ore,
        {{ integer_divide('cofinancing_municipality_ore', 'n_lines') }}
            + case when line_number <= cofinancing_municipality_ore % n_lines then 1 else 0 end
            as cofinancing_municipality_ore,
        {{ integer_divide('cofinancing_housing_org_ore', 'n_lines') }}
            + case when line_number <= cofinancing_housing_org_ore % n_lines then 1 else 0 end
            as cofinancing_housing_org_ore,
        start_date,
        end_date,
        source_file,
        source_sha256,
        source_locator
    from exploded_2011_14
),

lines_later_rounds as (
    select
        funding_round,
        plan_id,
        plan_name,
        housing_organisations,
        municipality_code,
        estate_ids,
        focus_areas as focus_area_name,
        'focus_area' as budget_scope,
        false as is_allocated,
        grant_lbf_ore,
        cofinancing_municipality_ore,
        cofinancing_housing_org_ore,
        start_date,
        end_date,
        source_file,
        source_sha256,
        source_locator
    from {{ ref('stg_lbf__grants') }}
    where funding_round <> '2011-14'
),

unioned as (
    select * from lines_2011_14
    union all
    select * from lines_later_rounds
)

select
    unioned.funding_round,
    unioned.plan_id,
    unioned.plan_name,
    unioned.housing_organisations,
    unioned.municipality_code,
    unioned.estate_ids,
    focus.focus_area_id,
    unioned.focus_area_name,
    unioned.budget_scope,
    unioned.is_allocated,
    unioned.grant_lbf_ore,
    unioned.cofinancing_municipality_ore,
    unioned.cofinancing_housing_org_ore,
    unioned.start_date,
    unioned.end_date,
    unioned.source_file,
    unioned.source_sha256,
    unioned.source_locator
from unioned
left join {{ ref('ref_focus_areas') }} as focus
    on unioned.funding_round = focus.funding_round
    and unioned.focus_area_name = focus.focus_area_name
