"""The list rules in SQL (int_area__lists_rules) and the list check (rpt_omraade_listekontrol),
run by dbt on a synthetic world of a few hundred areas with values around every threshold.

The SQL is written from docs/list_rules.md, independently of the generator; here the two
must classify every area-year alike. Then a handful of area-years are altered, one way
each, and the list check must report exactly those, each with the criterion that differs.
"""

from __future__ import annotations

import os
import subprocess

import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.dbt.project import dbt_executable
from dagster_project.generator.indicators import SUPPRESSED
from dagster_project.generator.lists import classify
from dagster_project.settings import DBT_PROJECT_DIR

YEARS = range(2010, 2026)
N_AREAS = 400
# S4 code -> (column of int_area__indicators_official, decimals), as the dbt macro area_indicators
COLUMNS = {
    "BEBOERE": ("residents", 0), "UDEN_ARB_UDD_PCT": ("outside_work_education_pct", 1),
    "DOEMTE_PCT": ("convicted_pct", 1), "DOEMTE_RATIO": ("convicted_ratio_to_national", 2),
    "GRUNDSKOLE_PCT": ("basic_schooling_only_pct", 1), "INDKOMST_REGION_PCT": ("income_pct_of_region", 1),
    "IKKE_VESTLIG_PCT": ("non_western_pct", 1), "NEET_15_24_PCT": ("neet_15_24_pct", 1),
    "MISTANKE_10_14_PR_1000": ("suspicions_10_14_per_1000", 1), "SIGTEDE_15_17_PR_1000": ("charged_15_17_per_1000", 1),
    "AFGANGSEKSAMEN_PCT": ("ninth_grade_exam_pct", 1), "FRITIDSJOB_13_17_PCT": ("leisure_job_13_17_pct", 1),
    "VALGDELTAGELSE_PCT": ("voter_turnout_pct", 1),
}
LIST_COLUMNS = ("BEBOERE", "UDEN_ARB_UDD_PCT", "DOEMTE_RATIO", "GRUNDSKOLE_PCT", "INDKOMST_REGION_PCT",
                "IKKE_VESTLIG_PCT")
# criterion -> (S4 code, test on the value in published units), 2010-2013, 2014-2017 and 2018- (docs/list_rules.md)
GHETTO_2010 = {"residents": ("BEBOERE", lambda v: v >= 1000), "work": ("UDEN_ARB_UDD_PCT", lambda v: v > 400),
               "origin": ("IKKE_VESTLIG_PCT", lambda v: v > 500), "crime": ("DOEMTE_PCT", lambda v: v > 27)}
GHETTO_2014 = {**GHETTO_2010, "education": ("GRUNDSKOLE_PCT", lambda v: v > 500),
               "income": ("INDKOMST_REGION_PCT", lambda v: v < 550)}


def _world(seed: int = 7) -> dict[int, dict[str, np.ndarray]]:
    """Indicators in published units: persistent per area, close to the thresholds, some
    exactly on them, a few suppressed; residents around 1,000."""
    rng = np.random.default_rng(seed)
    centres = {"UDEN_ARB_UDD_PCT": (380, 60, 400), "IKKE_VESTLIG_PCT": (450, 150, 500), "DOEMTE_PCT": (22, 8, 27),
               "DOEMTE_RATIO": (230, 90, 300), "GRUNDSKOLE_PCT": (520, 80, 600),
               "INDKOMST_REGION_PCT": (600, 70, 550)}
    base = {code: rng.normal(mean, sd, N_AREAS) for code, (mean, sd, _) in centres.items()}
    residents = rng.integers(700, 3000, N_AREAS)
    world = {}
    for year in YEARS:
        values = {"BEBOERE": np.where(rng.random(N_AREAS) < 0.03, 1000, residents + rng.integers(-60, 60, N_AREAS))}
        for code, (_, _, threshold) in centres.items():
            v = np.round(base[code] + rng.normal(0, 12, N_AREAS)).astype(np.int64)
            v = np.where(rng.random(N_AREAS) < 0.03, threshold, v)  # exactly on the threshold
            values[code] = np.where(rng.random(N_AREAS) < 0.03, SUPPRESSED, np.maximum(v, 0))
        for code in COLUMNS:
            values.setdefault(code, rng.integers(0, 1000, N_AREAS))
        world[year] = {code: np.asarray(v, dtype=np.int64) for code, v in values.items()}
    return world


def _value(units: int, code: str) -> float | None:
    return None if units == SUPPRESSED else units / 10 ** COLUMNS[code][1]


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """The synthetic world, its classification by the generator, five alterations, and
    the two dbt models built on it."""
    root = tmp_path_factory.mktemp("list_rules")
    world = _world()
    categories = classify(world)
    official = {(a, y): {code: int(world[y][code][a]) for code in COLUMNS} for y in YEARS for a in range(N_AREAS)}
    published = {(a, y): {"category": categories[y][a], **{code: official[(a, y)][code] for code in LIST_COLUMNS}}
                 for y in YEARS for a in range(N_AREAS) if categories[y][a] is not None}

    def pick(condition):
        return next(key for key in sorted(official, key=lambda k: (k[1], k[0])) if condition(*key))

    def met(a, y, criteria):
        return {name for name, (code, test) in criteria.items()
                if official[(a, y)][code] != SUPPRESSED and test(official[(a, y)][code])}

    udsat = {**{k: v for k, v in GHETTO_2014.items() if k not in ("origin", "crime", "education")},
             "crime": ("DOEMTE_RATIO", lambda v: v >= 300), "education": ("GRUNDSKOLE_PCT", lambda v: v > 600)}
    expected: dict[tuple[int, int], tuple[str, set[str]]] = {}
    # (a) An official value changes: an udsat area meeting exactly two criteria, work one of
    # them, falls below the work threshold. The list still has the old value.
    a, y = pick(lambda a, y: 2018 <= y <= 2020 and categories[y][a] == "udsat boligområde"
                and met(a, y, udsat) == {"residents", "work", "income"})
    official[(a, y)]["UDEN_ARB_UDD_PCT"] = 350
    expected[(a, y)] = ("category", {"work"})
    # (b) An area the rules put on the 2010-2013 ghetto list is missing from the published list.
    a, y = pick(lambda a, y: y <= 2013 and categories[y][a] == "ghettoområde" and (a, y) not in expected)
    del published[(a, y)]
    expected[(a, y)] = ("category", met(a, y, GHETTO_2010))
    # (c) The list calls a hårdt ghettoområde only a ghettoområde: its history is what differs.
    a, y = pick(lambda a, y: 2018 <= y <= 2020 and categories[y][a] == "hårdt ghettoområde")
    published[(a, y)]["category"] = "ghettoområde"
    expected[(a, y)] = ("category", {"history"})
    # (d) The list prints another income than S4, still under the threshold: only the value
    # differs (in a year whose rules have the income criterion).
    a, y = pick(lambda a, y: 2014 <= y <= 2020 and categories[y][a] is not None and (a, y) not in expected
                and 0 <= official[(a, y)]["INDKOMST_REGION_PCT"] < 540)
    published[(a, y)]["INDKOMST_REGION_PCT"] -= 1
    expected[(a, y)] = ("value", {"income"})
    # (e) The list has a ghettoområde the rules do not (residents and one of the three
    # criteria of 2010-2013): the ghetto criteria it does not meet.
    a, y = pick(lambda a, y: y <= 2013 and categories[y][a] is None and official[(a, y)]["BEBOERE"] >= 1000
                and len(met(a, y, GHETTO_2010)) == 2)
    published[(a, y)] = {"category": "ghettoområde", **{code: official[(a, y)][code] for code in LIST_COLUMNS}}
    expected[(a, y)] = ("category", set(GHETTO_2010) - met(a, y, GHETTO_2010))

    database = root / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema intermediate; create schema marts")
        indicators = pd.DataFrame(
            [{"area_id": f"A{a:03d}", "year": y,
              **{k: x for code, (column, _) in COLUMNS.items()
                 for k, x in ((column, _value(v[code], code)), (f"{column}_suppressed", v[code] == SUPPRESSED))}}
             for (a, y), v in official.items()]).astype({c: "float64" for c, _ in COLUMNS.values()})
        con.execute("create table intermediate.int_area__indicators_official as "
                    "select * replace (year::integer as year) from indicators")
        lists = pd.DataFrame(
            [{"area_id": f"A{a:03d}", "list_year": y, "list_category": row["category"],
              **{COLUMNS[code][0]: _value(row[code], code) for code in LIST_COLUMNS}}
             for (a, y), row in published.items()])
        con.execute("create table intermediate.int_area__lists_resolved as select * replace "
                    "(list_year::integer as list_year, residents::integer as residents) from lists")
        con.execute("create table intermediate.int_area__list_years as "
                    "select range::integer as list_year, 'liste_' || range || '.parquet' as raw_file from range(2010, 2026)")
        con.execute("create table marts.dim_boligomraade as select 'A' || lpad(range::varchar, 3, '0') as area_id, "
                    "'Område ' || range as area_name, 'København' as municipality_name from range(?)", [N_AREAS])
    env = {**os.environ, "BOLIGSOCIAL_BUILD_DB": str(database), "BOLIGSOCIAL_RAW_DIR": str(root / "raw")}
    for command in (["seed", "--select", "ref_list_rules", "ref_list_categories"],
                    ["run", "--select", "int_area__list_criteria", "int_area__lists_rules", "rpt_omraade_listekontrol"]):
        result = subprocess.run(
            [dbt_executable(), *command,
             "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
            env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(database), read_only=True) as con:
        rules = {(int(r[0][1:]), r[1]): r[2] for r in con.sql(
            "select area_id, list_year, computed_category from intermediate.int_area__lists_rules "
            "where not is_next_list").fetchall()}
        next_list = con.sql("select list_year, indicator_year, count(*) from intermediate.int_area__lists_rules "
                            "where is_next_list group by all").fetchall()
        report = con.sql("select * from reports.rpt_omraade_listekontrol").df()
    return categories, expected, rules, report, next_list


def test_the_sql_rules_classify_every_area_year_as_the_generator_does(checked):
    categories, expected, rules, _, next_list = checked
    assert len(rules) == N_AREAS * len(YEARS)
    # The next list (the year after the last delivered one) from the latest indicators.
    assert next_list == [(2026, 2025, N_AREAS)]
    counts = {}
    for (a, y), computed in rules.items():
        if (a, y) in expected and expected[(a, y)][1] == {"work"}:
            continue  # the area-year whose official value was altered
        assert computed == categories[y][a], (a, y)
        counts[computed] = counts.get(computed, 0) + 1
    # The world exercises every category of every period.
    assert all(counts.get(c, 0) >= 3 for c in ("ghettoområde", "hårdt ghettoområde", "udsat boligområde",
                                               "parallelsamfund", "omdannelsesområde", "forebyggelsesområde"))


def test_the_list_check_reports_exactly_the_altered_area_years_with_the_criterion_that_differs(checked):
    _, expected, _, report, _ = checked
    found = {(int(a[1:]), y) for a, y in zip(report["area_id"], report["list_year"], strict=True)}
    assert found == set(expected)
    for (a, y), (kind, criteria) in expected.items():
        rows = report[(report["area_id"] == f"A{a:03d}") & (report["list_year"] == y)]
        assert set(rows["disagreement"]) == {kind}, (a, y)
        assert set(rows["criterion"]) == criteria, (a, y, rows[["criterion", "explanation"]].to_dict("records"))
    assert report["check_key"].is_unique


def test_a_changed_value_is_reported_with_both_values_and_what_each_meets(checked):
    _, expected, _, report, _ = checked
    (a, y), = [key for key, (_, criteria) in expected.items() if criteria == {"work"}]
    row = report[(report["area_id"] == f"A{a:03d}") & (report["list_year"] == y)].iloc[0]
    assert row["published_category"] == "udsat boligområde" and pd.isna(row["computed_category"])
    assert row["official_value"] == 35.0 and row["list_value"] > 40 and row["value_differs"]
    assert not row["meets_by_official"] and row["meets_by_list"]
    assert row["rule"] == "UDEN_ARB_UDD_PCT > 40" and row["indicator_code"] == "UDEN_ARB_UDD_PCT"
    assert row["explanation"].startswith("official 35.0 does not meet UDEN_ARB_UDD_PCT > 40; the list gives")
