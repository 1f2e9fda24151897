-- Every criterion of the government lists (the seed ref_list_rules, docs/list_rules.md)
-- applied to every area and list year: the official indicator (S4) and, for an area on
-- the published list (S3), the value the list prints, and whether each meets the rule.
-- One row per area, list year and criterion in force that year (a criterion several
-- categories use, e.g. 'work', is one row).
--
-- List years: every year with indicators and rules, classified from that year's
-- indicators; and the next list (the year after the last delivered list) when no
-- indicators of its year exist yet, classified from the latest indicators.
--
-- The history criterion counts the previous lists on which the area was on the ghetto
-- or parallelsamfund list: the published list where it was delivered, otherwise these
-- rules (without the history criterion itself, which no ghetto-list category needs to
-- be on that list).
with rules as (
    select * from {{ ref('ref_list_rules') }}
),

categories as (
    select * from {{ ref('ref_list_categories') }}
),

official_wide as (
    select * from {{ ref('int_area__indicators_official') }}
),

official as (
    {%- for indicator in area_indicators() %}
    select area_id, year, '{{ indicator.code }}' as indicator_code, {{ indicator.column }} as value
    from official_wide
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

published as (
    select * from {{ ref('int_area__lists_resolved') }} where area_id is not null
),

printed as (
    {%- for indicator in list_printed_indicators() %}
    select area_id, list_year, '{{ indicator.code }}' as indicator_code, {{ indicator.column }} as value
    from published
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

delivered as (
    select distinct list_year from {{ ref('int_area__list_years') }}
),

next_list as (
    select
        coalesce((select max(list_year) from delivered) + 1, max(year)) as list_year,
        max(year) as last_indicator_year
    from official_wide
),

list_years as (
    select distinct year as list_year, year as indicator_year from official_wide
    union all
    select list_year, last_indicator_year as indicator_year from next_list where list_year > last_indicator_year
),

criteria_of_year as (
    -- Each criterion once per year: ref_list_rules gives a criterion one definition a year.
    select distinct
        list_years.list_year,
        list_years.indicator_year,
        rules.criterion,
        rules.indicator_code,
        rules.comparison,
        rules.threshold
    from list_years
    inner join rules on list_years.list_year between rules.first_year and rules.last_year
),

indicator_criteria as (
    select
        official.area_id,
        c.list_year,
        c.indicator_year,
        c.criterion,
        c.indicator_code,
        c.comparison,
        c.threshold,
        official.value as official_value,
        printed.value as list_value,
        printed.area_id is not null as list_prints_value,
        coalesce({{ list_comparison('official.value', 'c.comparison', 'c.threshold') }}, false) as meets_by_official,
        case
            when on_list.area_id is null then null
            when printed.area_id is not null then
                coalesce({{ list_comparison('printed.value', 'c.comparison', 'c.threshold') }}, false)
        end as meets_by_list
    from criteria_of_year as c
    inner join official on official.year = c.indicator_year and official.indicator_code = c.indicator_code
    left join (select distinct area_id, list_year from published) as on_list
        on on_list.area_id = official.area_id and on_list.list_year = c.list_year
    left join printed
        on printed.area_id = official.area_id and printed.list_year = c.list_year
        and printed.indicator_code = c.indicator_code
    where c.indicator_code != {{ list_history_indicator() }}
),

checks_without_history as (
    select i.area_id, i.list_year, r.category, r.role, r.criteria_required, i.meets_by_official as meets
    from indicator_criteria as i
    inner join rules as r
        on i.list_year between r.first_year and r.last_year and r.criterion = i.criterion
),

qualified_without_history as (
    {{ list_qualification('checks_without_history') }}
),

on_ghetto_list as (
    -- Per area and year: on the ghetto or parallelsamfund list (published where delivered).
    select
        coalesce(own.area_id, published.area_id) as area_id,
        coalesce(own.list_year, published.list_year) as list_year,
        case
            when coalesce(own.list_year, published.list_year) in (select list_year from delivered)
                then coalesce(published.ghetto_list, false)
            else coalesce(own.ghetto_list, false)
        end as on_ghetto_list
    from (
        select q.area_id, q.list_year, bool_or(q.qualifies and c.ghetto_list) as ghetto_list
        from qualified_without_history as q
        inner join categories as c on c.category = q.category
        group by q.area_id, q.list_year
    ) as own
    full outer join (
        select p.area_id, p.list_year, bool_or(c.ghetto_list) as ghetto_list
        from published as p
        inner join categories as c on c.category = p.list_category
        group by p.area_id, p.list_year
    ) as published
        on own.area_id = published.area_id and own.list_year = published.list_year
),

history_criteria as (
    select
        spine.area_id,
        c.list_year,
        c.indicator_year,
        c.criterion,
        c.indicator_code,
        c.comparison,
        c.threshold,
        cast(count(previous.list_year) filter (where previous.on_ghetto_list) as double) as official_value
    from criteria_of_year as c
    inner join (select distinct area_id, list_year from indicator_criteria) as spine
        on spine.list_year = c.list_year
    left join on_ghetto_list as previous
        on previous.area_id = spine.area_id
        and previous.list_year between c.list_year - c.threshold and c.list_year - 1
    where c.indicator_code = {{ list_history_indicator() }}
    group by all
)

select
    area_id,
    list_year,
    indicator_year,
    criterion,
    indicator_code,
    comparison,
    threshold,
    {{ list_rule_text('indicator_code', 'comparison', 'threshold') }} as rule,
    official_value,
    list_value,
    list_prints_value,
    meets_by_official,
    meets_by_list
from indicator_criteria
union all
select
    h.area_id,
    h.list_year,
    h.indicator_year,
    h.criterion,
    h.indicator_code,
    h.comparison,
    h.threshold,
    {{ list_rule_text('h.indicator_code', 'h.comparison', 'h.threshold') }} as rule,
    h.official_value,
    cast(null as double) as list_value,
    false as list_prints_value,
    coalesce({{ list_comparison('h.official_value', 'h.comparison', 'h.threshold') }}, false) as meets_by_official,
    -- The list says whether the history holds through its category: met for a category
    -- that requires it, not met for another category of the ghetto or parallelsamfund list.
    case
        when p.list_category is null then null
        when exists (select 1 from rules as r
                     where r.category = p.list_category and r.criterion = h.criterion
                         and h.list_year between r.first_year and r.last_year) then true
        when c.ghetto_list then false
    end as meets_by_list
from history_criteria as h
left join published as p on p.area_id = h.area_id and p.list_year = h.list_year
left join categories as c on c.category = p.list_category
