-- The frame of suite rpt_omraade_listekontrol: every area-year of a delivered list, and
-- every area-year the list check reports, with its categories by the rules
-- (int_area__lists_rules), how many rows the report has for it, whether a disagreement
-- went unreported and whether the report's rows are well formed.
with report_with_rules as (
    select
        report.list_year,
        report.area_id,
        report.criterion,
        report.disagreement,
        report.published_category,
        report.computed_category,
        rules.published_category as rules_published,
        rules.computed_category as rules_computed
    from {{ ref('rpt_omraade_listekontrol') }} as report
    left join {{ ref('int_area__lists_rules') }} as rules
        on report.list_year = rules.list_year
        and report.area_id = rules.area_id
),

report as (
    select
        list_year,
        area_id,
        count(*) as report_rows,
        count(*) filter (
            where criterion in (
                'residents', 'work', 'origin', 'crime', 'education', 'income', 'prevention_origin',
                'prevention_work', 'prevention_crime', 'prevention_education', 'prevention_income',
                'history', 'unexplained'
            )
            and disagreement in ('category', 'value')
        ) as well_formed_rows,
        bool_and(
            published_category is not distinct from rules_published
            and computed_category is not distinct from rules_computed
        ) as categories_as_in_rules
    from report_with_rules
    group by list_year, area_id
),

checked as (
    select
        list_year,
        area_id,
        published_category,
        computed_category,
        list_delivered
    from {{ ref('int_area__lists_rules') }}
)

select
    coalesce(checked.list_year, report.list_year) || '/' || coalesce(checked.area_id, report.area_id) as area_year,
    checked.published_category,
    checked.computed_category,
    coalesce(checked.list_delivered, false) as list_delivered,
    coalesce(report.report_rows, 0) as report_rows,
    checked.published_category is not distinct from checked.computed_category
        or coalesce(report.report_rows, 0) > 0
        or not checked.list_delivered
        as every_category_disagreement_reported,
    report.report_rows is null
        or (
            checked.list_delivered
            and report.well_formed_rows = report.report_rows
            and report.categories_as_in_rules
        )
        as report_rows_well_formed
from checked
full outer join report
    on checked.list_year = report.list_year
    and checked.area_id = report.area_id
where checked.list_delivered or report.report_rows is not null
