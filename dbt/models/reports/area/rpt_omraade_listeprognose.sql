-- The list forecast: every area classified by the rules of the next government list (the
-- year after the last delivered list; ref_list_rules, docs/list_rules.md), from the
-- latest official indicators (S4) not after that year. One row per area and criterion of
-- that list, with the category the area would get, the value, the threshold, whether it
-- is met and the margin: how far the value lies on the meeting side of the threshold
-- (negative: how far it is short). `python -m dagster_project list-rules` gives the same
-- for an indicator file.
with next_list as (
    select * from {{ ref('int_area__lists_rules') }} where is_next_list
),

last_delivered as (
    select area_id, published_category
    from {{ ref('int_area__lists_rules') }}
    where list_year = (select max(list_year) from {{ ref('int_area__list_years') }})
),

used_by as (
    -- The categories of the next list whose rules use each criterion.
    select criterion, {{ sorted_string_agg('category', "', '") }} as categories
    from {{ ref('ref_list_rules') }}
    where (select max(list_year) from next_list) between first_year and last_year
    group by criterion
)

select
    n.area_id || '/' || c.criterion as forecast_key,
    n.list_year,
    n.indicator_year,
    n.area_id,
    areas.area_name,
    areas.municipality_name,
    n.computed_category as forecast_category,
    last_delivered.published_category as last_list_category,
    c.criterion,
    used_by.categories as criterion_of,
    c.indicator_code,
    c.rule,
    c.comparison,
    c.threshold,
    c.official_value as value,
    c.meets_by_official as met,
    {{ list_margin('c.official_value', 'c.comparison', 'c.threshold') }} as margin
from next_list as n
inner join {{ ref('int_area__list_criteria') }} as c on c.area_id = n.area_id and c.list_year = n.list_year
inner join used_by on used_by.criterion = c.criterion
left join last_delivered on last_delivered.area_id = n.area_id
left join {{ ref('dim_boligomraade') }} as areas on areas.area_id = n.area_id
