-- The frame of suite fct_omraade_aar__reconciliation: one row that sets the mart's
-- area-years, delivered area-years and residents beside the gated area register (S2),
-- indicator files (S4) and register panel (S6). Counts of 1-4 are withheld on both
-- sides, as the mart withholds them.
with mart as (
    select
        count(*) as area_years,
        count(*) filter (where indicators_delivered) as delivered,
        sum(residents) filter (where not residents_suppressed) as residents,
        sum(panel_residents) filter (where not panel_residents_suppressed) as panel_residents
    from {{ ref('fct_omraade_aar') }}
),

-- Every area of the register, in each of the 18 years 2008-2025.
areas as (
    select count(distinct boligomraade_id) * 18 as area_years
    from {{ source('register', 'raw_register_areas') }}
),

s4_delivered as (
    select count(*) as delivered
    from (
        select distinct omraade, tid
        from {{ source('indicators', 'raw_area_indicators') }}
    ) as area_years
),

s4_residents as (
    select sum(indhold) filter (where indikator = 'BEBOERE' and not (indhold between 1 and 4)) as residents
    from {{ source('indicators', 'raw_area_indicators') }}
),

panel_area_years as (
    select count(*) as n
    from {{ source('panel', 'raw_person_years') }}
    where boligomraade_id is not null
    group by boligomraade_id, aar
),

panel as (
    select sum(n) filter (where n >= 5) as panel_residents
    from panel_area_years
)

select
    'fct_omraade_aar' as reconciliation,
    mart.area_years as mart_area_years,
    areas.area_years as raw_area_years,
    mart.delivered as mart_delivered_area_years,
    s4_delivered.delivered as raw_delivered_area_years,
    cast(mart.residents as bigint) as mart_residents,
    cast(s4_residents.residents as bigint) as raw_residents,
    cast(coalesce(mart.panel_residents, 0) as bigint) as mart_panel_residents,
    cast(coalesce(panel.panel_residents, 0) as bigint) as raw_panel_residents
from mart
cross join areas
cross join s4_delivered
cross join s4_residents
cross join panel
