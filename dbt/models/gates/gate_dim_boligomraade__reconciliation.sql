-- The frame of suite dim_boligomraade__reconciliation: one row that sets the mart's
-- areas, afdelinger and dwellings beside the gated area and estate registers (S2).
with mart as (
    select
        count(*) as areas,
        cast(sum(n_estates) as bigint) as estates,
        cast(sum(dwellings) as bigint) as dwellings
    from {{ ref('dim_boligomraade') }}
),

raw_areas as (
    select count(distinct boligomraade_id) as areas
    from {{ source('register', 'raw_register_areas') }}
),

raw_estates as (
    select
        count(*) as estates,
        cast(sum(antal_boliger) as bigint) as dwellings
    from {{ source('register', 'raw_register_estates') }}
)

select
    'register' as reconciliation,
    mart.areas as mart_areas,
    raw_areas.areas as raw_areas,
    mart.estates as mart_estates,
    raw_estates.estates as raw_estates,
    mart.dwellings as mart_dwellings,
    raw_estates.dwellings as raw_dwellings
from mart
cross join raw_areas
cross join raw_estates
