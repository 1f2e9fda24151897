"""The list check in a real refresh: one official indicator (S4) of a listed area is
altered in its landing file, so that the government's list no longer follows from the
indicators. The refresh must still publish, warn in the run, and report the area with the
criterion that differs."""

from __future__ import annotations

import logging
import shutil

import dagster as dg
import duckdb
import pytest

from dagster_project.automation.refresh import warnings_of
from dagster_project.settings import get_settings

pytestmark = pytest.mark.slow

# criterion -> (S4 code, a value that fails it, as S4 writes it)
BREAKS = {"work": ("UDEN_ARB_UDD_PCT", "20,0", 20.0), "education": ("GRUNDSKOLE_PCT", "20,0", 20.0),
          "income": ("INDKOMST_REGION_PCT", "95,0", 95.0), "crime": ("DOEMTE_RATIO", "0,50", 0.5),
          "origin": ("IKKE_VESTLIG_PCT", "20,0", 20.0)}


def _listed_area_at_the_threshold(build_db):
    """A listed area (2018-) whose category one criterion decides: an udsat-type area meeting
    exactly two of the counted criteria (failing one takes it off), or else, where the world
    has none at that threshold, a ghetto/parallelsamfund-type area meeting the required
    origin criterion (failing it leaves the area udsat only)."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        row = con.sql(
            "with udsat as (select c.area_id, c.list_year, count(*) filter (where c.meets_by_official) as met, "
            "list(c.criterion) filter (where c.meets_by_official) as met_criteria "
            "from intermediate.int_area__list_criteria c join reference.ref_list_rules r "
            "on r.category = 'udsat boligområde' and r.role = 'counted' and r.criterion = c.criterion "
            "and c.list_year between r.first_year and r.last_year group by all) "
            "select u.area_id, u.list_year, l.published_category, u.met_criteria "
            "from udsat u join intermediate.int_area__lists_rules l using (area_id, list_year) "
            "where l.published_category is not null and l.list_delivered and u.met = 2 "
            "order by u.list_year, u.area_id limit 1").fetchone()
        if row is None:
            row = con.sql(
                "select c.area_id, c.list_year, l.published_category, ['origin'] "
                "from intermediate.int_area__list_criteria c join intermediate.int_area__lists_rules l "
                "using (area_id, list_year) where c.criterion = 'origin' and c.meets_by_official "
                "and l.list_delivered and c.list_year >= 2018 and l.published_category in "
                "('ghettoområde', 'hårdt ghettoområde', 'parallelsamfund', 'omdannelsesområde') "
                "order by c.list_year, c.area_id limit 1").fetchone()
    assert row is not None, "the small world has no listed area whose category one criterion decides"
    area_id, year, category, met = row
    criterion = next(c for c in ("work", "education", "income", "crime", "origin") if c in met)
    return area_id, year, category, criterion


def test_an_altered_indicator_warns_and_the_report_names_its_criterion(refreshed, defs, session_env, tmp_path,
                                                                      monkeypatch):
    session = get_settings()
    area_id, year, category, criterion = _listed_area_at_the_threshold(session.build_db)
    code, text, value = BREAKS[criterion]

    # A copy of the session's landing files and gated raw layer, with one value altered.
    landing, work, warehouse = tmp_path / "landing", tmp_path / "work", tmp_path / "warehouse"
    shutil.copytree(session.landing_dir, landing)
    shutil.copytree(session.work_dir / "raw", work / "raw")
    indicators = landing / f"indikatorer/indikatorer_{year}.csv"
    lines = indicators.read_bytes().decode("utf-8").split("\r\n")
    prefix = f"{area_id};{code};{year};"
    (index, old), = [(i, line) for i, line in enumerate(lines) if line.startswith(prefix)]
    lines[index] = prefix + text
    indicators.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    old_value = float(old.removeprefix(prefix).replace(",", "."))
    for name, path in (("BOLIGSOCIAL_LANDING_DIR", landing), ("BOLIGSOCIAL_WORK_DIR", work),
                       ("BOLIGSOCIAL_WAREHOUSE_DIR", warehouse), ("BOLIGSOCIAL_RAW_DIR", work / "raw"),
                       ("BOLIGSOCIAL_BUILD_DB", work / "build" / "warehouse.duckdb")):
        monkeypatch.setenv(name, str(path))

    # What the landing sensor would do: ingest the changed partition, then refresh.
    (tmp_path / "dagster_home").mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(tmp_path / "dagster_home")) as instance:
        instance.add_dynamic_partitions("area_indicators_files", [str(year)])
        ingest = defs.resolve_job_def("ingest_area_indicators").execute_in_process(
            instance=instance, partition_key=str(year), raise_on_error=False)
        assert ingest.success
        result = defs.resolve_job_def("refresh_warehouse").execute_in_process(instance=instance, raise_on_error=False)
        logged = [(entry.level, entry.user_message) for entry in instance.all_logs(result.run_id)]
        warnings = warnings_of(instance, result.run_id)
    assert result.success, "a disagreement of the lists must not fail the refresh"

    assert len(warnings) == 1 and warnings[0].startswith("rpt_omraade_listekontrol:list_check: 1 area-year(s)")
    check = next(e.event_specific_data for e in result.all_events
                 if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
                 and e.event_specific_data.asset_check_key.name == "list_check")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["disagreements"].value == 1 and criterion in check.metadata["criteria"].value
    assert f"| {year} | {area_id} " in check.metadata["disagreement_rows"].value
    assert any(level == logging.WARNING and f"list check: {year} {area_id}" in message for level, message in logged)

    # Published anyway, with the disagreement and its criterion in the report.
    with duckdb.connect(str(warehouse / "marts.duckdb"), read_only=True) as con:
        rows = con.sql("select area_id, list_year, disagreement, published_category, computed_category, criterion, "
                       "indicator_code, official_value, list_value, meets_by_official, meets_by_list "
                       "from rpt_omraade_listekontrol order by criterion").df()
        computed = con.sql(f"select list_category, computed_list_category from fct_omraade_aar "
                           f"where area_id = '{area_id}' and year = {year}").fetchone()
    assert set(rows["area_id"]) == {area_id} and set(rows["list_year"]) == {year}
    assert set(rows["disagreement"]) == {"category"} and set(rows["published_category"]) == {category}
    assert criterion in set(rows["criterion"]) <= {criterion, f"prevention_{criterion}"}
    assert set(rows["indicator_code"]) == {code}
    assert (rows["official_value"] == value).all() and (rows["list_value"] == old_value).all()
    mine = rows[rows["criterion"] == criterion].iloc[0]
    assert not mine["meets_by_official"] and mine["meets_by_list"]
    assert computed[0] == category and computed[1] != category
