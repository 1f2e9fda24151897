"""An evaluation of the embedded default written from the landing files and
docs/generator.md alone (DuckDB SQL, no generator code): who was eligible, the naive
comparison and coarsened exact matching. Tests use it to show that the generator's
selection makes a naive comparison biased and a matched one not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.reference import activities
from dagster_project.sources.lbf.readers import read_grants
from dagster_project.sources.register.readers import ESTATES_FILE, read_estates

AGE_BAND_SQL = """case when {age} between 6 and 9 then '6-9' when {age} between 10 and 12 then '10-12'
 when {age} between 13 and 15 then '13-15' when {age} between 16 and 17 then '16-17'
 when {age} between 18 and 24 then '18-24' when {age} between 25 and 34 then '25-34'
 when {age} between 35 and 44 then '35-44' when {age} between 45 and 54 then '45-54'
 when {age} between 55 and 64 then '55-64' end"""


@dataclass(frozen=True)
class Comparison:
    treated: int
    controls: int
    treated_rate: float
    naive_control_rate: float
    matched_treated: int
    matched_treated_rate: float
    matched_control_rate: float

    @property
    def naive_odds_ratio(self) -> float:
        return _odds(self.treated_rate) / _odds(self.naive_control_rate)

    @property
    def matched_odds_ratio(self) -> float:
        return _odds(self.matched_treated_rate) / _odds(self.matched_control_rate)


def _odds(p: float) -> float:
    return p / (1 - p)


def connect(landing: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"create view panel as select * from read_parquet('{landing}/register/personaar_*.parquet')")
    con.execute(f"""create view registrations as select * from read_csv('{landing}/deltagere/*/registreringer_*.csv',
                    header=true, all_varchar=true)""")
    plans = pd.concat([read_grants(r, landing) for r in ("2011-14", "2015-18", "2019-26")])
    plans = plans.drop_duplicates("plan_id")[["plan_id", "estate_ids", "start_date", "end_date"]]
    plans = plans.assign(estate_id=plans["estate_ids"].str.split(",")).explode("estate_id")
    estates = read_estates(landing / ESTATES_FILE, landing)[["afdeling_id", "boligomraade_id"]]
    cover = plans.merge(estates, left_on="estate_id", right_on="afdeling_id")
    con.register("plan_areas", cover[["plan_id", "boligomraade_id", "start_date", "end_date"]])
    # An area is covered in a year when a plan covering it runs at some time in that year.
    con.execute("""create table coverage as select distinct boligomraade_id, y.year
                   from plan_areas, range(2008, 2026) y(year)
                   where y.year between year(start_date::date) and year(end_date::date)""")
    return con


def eligible(con: duckdb.DuckDBPyConnection, activity: str, baseline_sql: str) -> str:
    """SQL of the person-years eligible for an activity, with their matching cells and
    whether they started the activity that year."""
    a = next(x for x in activities() if x.code == activity)
    gender = f"and p.koen = '{a.gender}'" if a.gender else ""
    return f"""
    with first_time as (
        select cpr, min(year(startdato::date)) as first_year from registrations
        where aktivitet = '{activity}' group by cpr)
    select p.cpr, p.aar as year, p.koen, {AGE_BAND_SQL.format(age="p.aar - p.foedselsaar")} as age_band,
           case when p.herkomst like 'ikke_vestlig%' then 'ikke_vestlig' when p.herkomst like 'vestlig%' then 'vestlig'
                else 'dansk' end as origin_group,
           coalesce(p.foraelder_beskaeftiget::int::varchar, 'unknown') as parents_employed,
           coalesce(({baseline_sql.format(prev="prev")})::varchar, 'unknown') as baseline,
           coalesce(f.first_year = p.aar, false) as treated
    from panel p
    join coverage c on c.boligomraade_id = p.boligomraade_id and c.year = p.aar
    left join panel prev on prev.cpr = p.cpr and prev.aar = p.aar - 1
    left join first_time f on f.cpr = p.cpr
    where p.aar - p.foedselsaar between {a.min_age} and {a.max_age} {gender}
      and (f.first_year is null or f.first_year >= p.aar)"""


def compare(con: duckdb.DuckDBPyConnection, activity: str, outcome: str, horizon: int,
            baseline_sql: str) -> Comparison:
    """Treated vs eligible non-participants of the same year on a binary outcome at a
    horizon: the naive rates, and the CEM (ATT-weighted) control rate."""
    cells = "year, koen, age_band, origin_group, parents_employed, baseline"
    row = con.execute(f"""
    with pool as ({eligible(con, activity, baseline_sql)}),
    measured as (
        select pool.*, o.{outcome}::int as y from pool
        join panel o on o.cpr = pool.cpr and o.aar = pool.year + {horizon}
        where o.{outcome} is not null),
    strata as (
        select {cells}, count(*) filter (where treated) as n1, count(*) filter (where not treated) as n0,
               avg(y) filter (where treated) as r1, avg(y) filter (where not treated) as r0
        from measured group by all)
    select
        (select count(*) from measured where treated),
        (select count(*) from measured where not treated),
        (select avg(y) from measured where treated),
        (select avg(y) from measured where not treated),
        sum(n1), sum(n1 * r1) / sum(n1), sum(n1 * r0) / sum(n1)
    from strata where n1 > 0 and n0 > 0""").fetchone()
    return Comparison(int(row[0]), int(row[1]), row[2], row[3], int(row[4]), row[5], row[6])


BINARY_BASELINE = "{prev}.%s::int"
