-- The frame of suite fct_omraade_aar__indicator_coverage: every area of the register with
-- residents in the register panel (S6) in a year whose indicator file (S4) arrived, with
-- the indicators that file left out for it (NULL when none). A year whose indicator file
-- or panel has not arrived has no rows.
with delivered as (
    select year, any_value(source_file) as source_file
    from {{ ref('stg_indicators__area_indicators') }}
    group by year
),

inhabited as (
    select panel.area_id, panel.year
    from {{ ref('int_area__indicators_panel') }} as panel
    inner join {{ ref('stg_register__areas') }} as areas on areas.area_id = panel.area_id
    inner join delivered on delivered.year = panel.year
),

expected as (
    select inhabited.area_id, inhabited.year, indicators.indicator_code
    from inhabited
    cross join {{ ref('ref_indicators') }} as indicators
),

missing as (
    select
        expected.area_id,
        expected.year,
        count(*) as n_missing,
        {{ sorted_string_agg('expected.indicator_code', "', '") }} as codes
    from expected
    where not exists (
        select 1
        from {{ ref('stg_indicators__area_indicators') }} as delivered_rows
        where delivered_rows.area_id = expected.area_id
          and delivered_rows.year = expected.year
          and delivered_rows.indicator_code = expected.indicator_code
    )
    group by expected.area_id, expected.year
)

select
    inhabited.area_id,
    inhabited.year,
    delivered.source_file as _source_file,
    case
        when missing.n_missing is null then null
        when missing.n_missing = (select count(*) from {{ ref('ref_indicators') }})
            then 'every indicator (' || missing.n_missing || ')'
        else missing.codes
    end as missing_indicators
from inhabited
inner join delivered on delivered.year = inhabited.year
left join missing on missing.area_id = inhabited.area_id and missing.year = inhabited.year
order by inhabited.year, inhabited.area_id
