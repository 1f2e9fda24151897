-- The frame of suite rpt_omraade_listeprognose: every area and criterion of the next
-- list's forecast, with the rules that tie it to its margin, the year's rules and the
-- categories int_area__lists_rules computes.
select
    f.*,
    (f.value is null and not f.met)
        or (f.value is not null and f.met = (f.margin > 0 or (f.margin = 0 and f.comparison in ('>=', '<='))))
        as met_agrees_with_margin,
    f.forecast_category is not distinct from r.computed_category as category_as_in_rules,
    count(*) over (partition by f.area_id) = (
        select count(distinct k.criterion)
        from {{ ref('ref_list_rules') }} as k
        where f.list_year between k.first_year and k.last_year
    ) as every_criterion_of_the_year,
    f.list_year = coalesce((select max(list_year) from {{ ref('int_area__list_years') }}) + 1, f.indicator_year)
        and f.indicator_year <= f.list_year as is_the_next_list
from {{ ref('rpt_omraade_listeprognose') }} as f
left join {{ ref('int_area__lists_rules') }} as r
    on r.area_id = f.area_id and r.list_year = f.list_year
