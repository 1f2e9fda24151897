-- The government's list rules (the seed ref_list_rules, docs/list_rules.md) applied to
-- the official indicators (S4) of every area and list year, next to the list the
-- government published (S3). One row per area and list year of int_area__list_criteria
-- (every year with indicators and rules, and the next list). Written from the seed, not
-- from the generator: the list check (rpt_omraade_listekontrol) compares the two.
--
-- A category holds when every 'required' criterion is met and at least criteria_required
-- of its 'counted' ones; the area gets the qualifying category of the highest
-- specificity (ref_list_categories).
with criteria as (
    select * from {{ ref('int_area__list_criteria') }}
),

rules as (
    select * from {{ ref('ref_list_rules') }}
),

checks as (
    select c.area_id, c.list_year, r.category, r.role, r.criteria_required, c.meets_by_official as meets
    from criteria as c
    inner join rules as r
        on c.list_year between r.first_year and r.last_year and r.criterion = c.criterion
),

qualified as (
    {{ list_qualification('checks') }}
),

computed as (
    select
        q.area_id,
        q.list_year,
        {{ value_at_max('q.category', 'c.specificity') }} filter (where q.qualifies) as computed_category
    from qualified as q
    inner join {{ ref('ref_list_categories') }} as c on c.category = q.category
    group by q.area_id, q.list_year
),

spine as (
    select
        area_id,
        list_year,
        any_value(indicator_year) as indicator_year,
        any_value(official_value) filter (where indicator_code = {{ list_history_indicator() }})
            as previous_years_on_ghetto_list
    from criteria
    group by area_id, list_year
),

delivered as (
    select distinct list_year from {{ ref('int_area__list_years') }}
),

next_list as (
    select coalesce((select max(list_year) from delivered) + 1, max(list_year)) as list_year from spine
)

select
    spine.area_id,
    spine.list_year,
    spine.indicator_year,
    spine.list_year in (select list_year from delivered) as list_delivered,
    spine.list_year = (select list_year from next_list) as is_next_list,
    published.list_category as published_category,
    computed.computed_category,
    cast(spine.previous_years_on_ghetto_list as integer) as previous_years_on_ghetto_list
from spine
left join computed on computed.area_id = spine.area_id and computed.list_year = spine.list_year
left join {{ ref('int_area__lists_resolved') }} as published
    on published.area_id = spine.area_id and published.list_year = spine.list_year
