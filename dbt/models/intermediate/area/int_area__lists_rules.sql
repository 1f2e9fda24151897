-- The government's list rules (docs/list_rules.md) applied to the official indicators
-- (S4) of every area and list year, next to the list the government published (S3).
-- One row per area and year 2010-2025 with indicators. Written from the rules, not from
-- the generator: the list check (rpt_omraade_listekontrol) compares the two.
--
-- The "four previous years" of hårdt ghettoområde / omdannelsesområde are read from the
-- published lists of those years (the lists are what the law refers to), and from our
-- own classification for a year whose list has not been delivered.
{%- set criteria_keys = list_criterion_keys() %}
{%- set list_columns = ['residents', 'outside_work_education_pct', 'convicted_ratio_to_national',
                        'basic_schooling_only_pct', 'income_pct_of_region', 'non_western_pct'] %}
with official as (
    select * from {{ ref('int_area__indicators_official') }} where year between 2010 and 2025
),

published as (
    select
        area_id,
        list_year,
        list_category,
        {%- for column in list_columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('int_area__lists_resolved') }}
    where area_id is not null
),

joined as (
    select
        official.area_id,
        official.year as list_year,
        delivered.list_year is not null as list_delivered,
        published.list_category as published_category,
        {%- for indicator in area_indicators() %}
        official.{{ indicator.column }} as official_{{ indicator.column }},
        {%- endfor %}
        {%- for column in list_columns %}
        published.{{ column }} as list_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from official
    left join (select distinct list_year from {{ ref('int_area__list_years') }}) as delivered
        on official.year = delivered.list_year
    left join published
        on official.area_id = published.area_id and official.year = published.list_year
),

criteria as (
    select
        joined.*,
        {%- for key in criteria_keys %}
        {{ meets_criterion(key, 'official') }} as official_meets_{{ key }},
        case when published_category is not null then {{ meets_criterion(key, 'list') }} end
            as list_meets_{{ key }}{{ "," if not loop.last }}
        {%- endfor %}
    from joined
),

sets as (
    select
        criteria.*,
        -- 2010-2017: 3 of 5; from 2018: 2 of 4 (udsat), 2021-: 2 of 4 milder (forebyggelse)
        case when list_year <= 2017 then
            official_meets_work::int + official_meets_origin::int + official_meets_crime::int
            + official_meets_education::int + official_meets_income::int
        else
            official_meets_work::int + official_meets_crime::int + official_meets_education::int
            + official_meets_income::int
        end as official_criteria_met,
        case when list_year >= 2021 then
            official_meets_prevention_work::int + official_meets_prevention_crime::int
            + official_meets_prevention_education::int + official_meets_prevention_income::int
        end as official_prevention_criteria_met
    from criteria
),

classified as (
    select
        sets.*,
        official_meets_residents and list_year <= 2017 and official_criteria_met >= 3 as is_ghetto_2010,
        official_meets_residents and list_year >= 2018 and official_criteria_met >= 2 as is_udsat
    from sets
),

history as (
    select
        classified.*,
        -- On the ghetto or parallelsamfund list that year: the published list where it
        -- was delivered, our own classification otherwise.
        case
            when list_delivered then coalesce(published_category in (
                'ghettoområde', 'hårdt ghettoområde', 'parallelsamfund', 'omdannelsesområde'), false)
            else is_ghetto_2010 or (is_udsat and official_meets_origin)
        end as on_ghetto_list
    from classified
),

with_previous as (
    select
        history.*,
        coalesce(sum(on_ghetto_list::int) over (
            partition by area_id order by list_year range between 4 preceding and 1 preceding), 0)
            as previous_years_on_ghetto_list
    from history
)

select
    area_id,
    list_year,
    list_delivered,
    published_category,
    case
        when list_year <= 2017 then case when is_ghetto_2010 then 'ghettoområde' end
        when is_udsat and official_meets_origin and list_year <= 2020 then
            case when previous_years_on_ghetto_list = 4 then 'hårdt ghettoområde' else 'ghettoområde' end
        when is_udsat and official_meets_origin then
            case when previous_years_on_ghetto_list = 4 then 'omdannelsesområde' else 'parallelsamfund' end
        when is_udsat then 'udsat boligområde'
        when list_year >= 2021 and official_meets_residents and official_meets_prevention_origin
            and official_prevention_criteria_met >= 2 then 'forebyggelsesområde'
    end as computed_category,
    official_criteria_met,
    official_prevention_criteria_met,
    previous_years_on_ghetto_list,
    on_ghetto_list,
    {%- for indicator in area_indicators() %}
    official_{{ indicator.column }},
    {%- endfor %}
    {%- for column in list_columns %}
    list_{{ column }},
    {%- endfor %}
    {%- for key in criteria_keys %}
    official_meets_{{ key }},
    list_meets_{{ key }}{{ "," if not loop.last }}
    {%- endfor %}
from with_previous
