-- The list check: the government's list rules applied to the official indicators (S4),
-- compared with the list the government published (S3), for every list year that has
-- been delivered. One row per disagreement and criterion; no row when every area of
-- every list agrees. A disagreement is
--   'category': the published category differs from ours (NULL = not listed), or
--   'value':    the categories agree, but a criterion value on the list differs from S4.
-- Its rows name the criteria that differ: first those whose value on the list differs from
-- the official indicator; failing that, the criteria that decide the categories involved
-- (those met for an area only we list, those not met for one only the list has, those of
-- one category and not the other); 'unexplained' if none.
with rules as (
    select * from {{ ref('int_area__lists_rules') }} where list_delivered
),

criteria as (
    select
        c.area_id,
        c.list_year,
        c.criterion,
        case when c.indicator_code != {{ list_history_indicator() }} then c.indicator_code end as indicator_code,
        c.rule,
        c.official_value,
        c.list_value,
        c.meets_by_official,
        c.meets_by_list,
        c.list_prints_value and c.official_value is distinct from c.list_value as value_differs
    from {{ ref('int_area__list_criteria') }} as c
    inner join rules on rules.area_id = c.area_id and rules.list_year = c.list_year
),

category_criteria as (
    select distinct category, first_year, last_year, criterion from {{ ref('ref_list_rules') }}
),

disagreements as (
    select
        rules.area_id,
        rules.list_year,
        case
            when rules.published_category is distinct from rules.computed_category then 'category'
            else 'value'
        end as disagreement,
        rules.published_category,
        rules.computed_category
    from rules
    where rules.published_category is distinct from rules.computed_category
        or exists (select 1 from criteria as c
                   where c.area_id = rules.area_id and c.list_year = rules.list_year and c.value_differs)
),

candidates as (
    select
        d.*,
        c.criterion,
        c.indicator_code,
        c.rule,
        c.official_value,
        c.list_value,
        c.meets_by_official,
        c.meets_by_list,
        c.value_differs,
        exists (select 1 from category_criteria as k
                where k.category = d.published_category and k.criterion = c.criterion
                    and d.list_year between k.first_year and k.last_year) as decides_published,
        exists (select 1 from category_criteria as k
                where k.category = d.computed_category and k.criterion = c.criterion
                    and d.list_year between k.first_year and k.last_year) as decides_computed,
        bool_or(c.value_differs) over (partition by d.area_id, d.list_year) as any_value_differs
    from disagreements as d
    inner join criteria as c on c.area_id = d.area_id and c.list_year = d.list_year
),

selected as (
    select *
    from candidates
    where value_differs
        or (
            not any_value_differs
            and case
                when published_category is null then decides_computed and meets_by_official
                when computed_category is null then decides_published and not coalesce(meets_by_official, false)
                else decides_published != decides_computed
            end
        )
),

explained as (
    select
        d.area_id,
        d.list_year,
        d.disagreement,
        d.published_category,
        d.computed_category,
        coalesce(s.criterion, 'unexplained') as criterion,
        s.indicator_code,
        s.rule,
        s.official_value,
        s.list_value,
        s.meets_by_official,
        s.meets_by_list,
        coalesce(s.value_differs, false) as value_differs
    from disagreements as d
    left join selected as s on s.area_id = d.area_id and s.list_year = d.list_year
)

select
    explained.list_year || '/' || explained.area_id || '/' || explained.criterion as check_key,
    explained.list_year,
    explained.area_id,
    areas.area_name,
    areas.municipality_name,
    explained.disagreement,
    explained.published_category,
    explained.computed_category,
    explained.criterion,
    explained.indicator_code,
    explained.rule,
    explained.official_value,
    explained.list_value,
    explained.meets_by_official,
    explained.meets_by_list,
    explained.value_differs,
    case
        when explained.criterion = 'unexplained' then
            'the published category does not follow from the rules and no criterion value differs'
        else
            'official ' || coalesce(cast(explained.official_value as string), '..')
            || case when explained.meets_by_official then ' meets ' else ' does not meet ' end || explained.rule
            || case
                when explained.list_value is not null then
                    '; the list gives ' || cast(explained.list_value as string)
                    || case when explained.meets_by_list then ', which meets it' else ', which does not' end
                when explained.meets_by_list is not null then
                    case when explained.meets_by_list then '; the list''s category says it is met'
                         else '; the list''s category says it is not met' end
                else ''
            end
    end as explanation
from explained
left join {{ ref('dim_boligomraade') }} as areas on explained.area_id = areas.area_id
