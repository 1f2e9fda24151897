"""Every source through a full refresh of the small embedded default: raw partitions with
provenance, the dbt staging of S3-S7, and no CPR number anywhere: not in the raw layer,
the build database, the published warehouse, nor the runs' logs."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq
import pytest

from dagster_project.automation.inventory import take_inventory
from dagster_project.automation.refresh import failure_message, run_refresh
from dagster_project.core.cpr import CPR_REGEX_RE2, contains_cpr
from dagster_project.core.raw_store import RawStore
from dagster_project.publish.warehouse import current_version
from dagster_project.quality.checks import check_evaluations
from dagster_project.reference import municipalities
from dagster_project.settings import REFERENCE_SEEDS_DIR, get_settings
from dagster_project.sources.participants.readers import landing_keys
from dagster_project.sources.participants.source import SOURCE as REGISTRATIONS
from dagster_project.sources.registry import SOURCES
from tests.conftest import in_process, sha256
from tests.corruptions import areas_unknown_municipality

pytestmark = pytest.mark.slow

NEW_ASSETS = ("raw_area_lists", "raw_area_indicators", "raw_participant_registrations", "raw_person_years",
              "raw_statbank_folk1a")


def test_every_source_lands_in_the_raw_layer_with_provenance(refreshed, session_env, instance):
    settings = get_settings()
    sidecars = RawStore(settings.raw_dir).sidecars()
    by_asset: dict[str, list[dict]] = {}
    for sidecar in sidecars:
        by_asset.setdefault(sidecar["asset"], []).append(sidecar)
    assert set(NEW_ASSETS) <= set(by_asset)
    for asset in NEW_ASSETS:
        for sidecar in by_asset[asset]:
            assert sidecar["gate"]["passed"] and sidecar["run_id"]
            for source in sidecar["sources"]:
                landing = session_env.landing_dir / source["file"]
                assert source["sha256"] == sha256(landing), source["file"]
    # Every registrations file is a dynamic partition, ingested.
    keys = landing_keys(session_env.landing_dir)
    assert keys and set(keys) == set(instance.get_dynamic_partitions(REGISTRATIONS.partitions_name))
    assert sorted(s["partition"] for s in by_asset["raw_participant_registrations"]) == keys
    # A partition is ingested exactly when its landing file exists: the partitions are the files.
    inventory = take_inventory(settings.landing_dir)
    for source in SOURCES:
        ingested = {s["partition"] for s in by_asset.get(source.asset, [])}
        assert ingested == set(inventory.keys[source.asset]), source.asset


def test_staging_models_read_every_source(refreshed, session_env):
    with duckdb.connect(str(get_settings().build_db), read_only=True) as con:
        counts = {name: con.sql(f"select count(*) from staging.{name}").fetchone()[0] for name in (
            "stg_lists__area_lists", "stg_indicators__area_indicators", "stg_participants__registrations",
            "stg_panel__person_years", "stg_statbank__folk1a")}
        suppressed = con.sql("select count(*), count(value) from staging.stg_indicators__area_indicators "
                             "where is_suppressed").fetchone()
        resolved = con.sql("select count(*), count(area_id) from intermediate.int_area__lists_resolved").fetchone()
        orphans = con.sql("select count(*) from staging.stg_participants__registrations r "
                          "anti join staging.stg_panel__person_years p using (person_key)").fetchone()[0]
    assert all(counts.values()), counts
    assert suppressed[0] > 0 and suppressed[1] == 0  # '..' is NULL, never 0
    assert resolved[0] == resolved[1]
    assert orphans < counts["stg_participants__registrations"]  # keys join across sources


def _text_values(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[str]:
    """Values holding a CPR-shaped number: \\d{6}-?\\d{4} not inside a longer word or number
    (the project's one pattern, core/cpr.py: a SHA-256 digest or a run id may hold
    ten digits in a row without being a CPR number)."""
    hits = []
    for column in columns:
        value = f'"{column}"::varchar'
        hits += [f"{relation}.{column}: {v}" for (v,) in con.sql(
            f"select distinct {value} from {relation} where regexp_matches({value}, ?) limit 3",
            params=[CPR_REGEX_RE2]).fetchall()]
    return hits


def _scan_database(path) -> tuple[int, list[str]]:
    hits, scanned = [], 0
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.sql("select table_schema, table_name from information_schema.tables "
                         "where table_schema not in ('information_schema', 'pg_catalog')").fetchall()
        for schema, table in tables:
            columns = [c for (c,) in con.sql(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "and data_type in ('VARCHAR', 'JSON')", params=[schema, table]).fetchall()]
            scanned += len(columns)
            hits += _text_values(con, f'"{schema}"."{table}"', columns)
    return scanned, hits


def test_no_cpr_shaped_value_in_any_text_column_anywhere(refreshed, session_env):
    settings = get_settings()
    scanned, hits = 0, []
    for db in (settings.build_db, settings.warehouse_dir / "marts.duckdb", settings.warehouse_dir / "restricted.duckdb"):
        n, found = _scan_database(db)
        scanned, hits = scanned + n, hits + found
    for parquet in [*settings.raw_dir.glob("*/*.parquet"), *(settings.warehouse_dir / "parquet").glob("*.parquet")]:
        schema = pq.read_schema(parquet)
        assert "cpr" not in schema.names, parquet
        columns = [f.name for f in schema if str(f.type) in ("string", "large_string")]
        scanned += len(columns)
        hits += _text_values(duckdb.connect(), f"read_parquet('{parquet}')", columns)
    assert scanned > 100 and hits == []
    # The scan can fail: the landing files hold CPR-shaped numbers that it finds.
    landing = session_env.landing_dir / "deltagere"
    assert contains_cpr(next(landing.glob("*/*.csv")).read_text(encoding="utf-8"))


def test_no_cpr_number_in_the_logs_of_any_run(refreshed, instance, session_env):
    cprs = set()
    for path in session_env.landing_dir.glob("deltagere/*/*.csv"):
        cprs |= {line.split(",")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]}
    assert cprs
    warned = False
    for run in refreshed.runs:
        for record in instance.all_logs(run.run_id):
            text = record.user_message + json.dumps(str(record.dagster_event or ""))
            leaked = {c for c in cprs if c in text or c.replace("-", "") in text}
            assert not leaked, (run.label, record.user_message[:200])
            warned |= "BOLIGSOCIAL_PSEUDONYM_KEY is not set" in record.user_message
    assert warned  # the demo key is in use, and every run that pseudonymises says so


def _list_rows(landing: Path) -> list[tuple[Path, int, list[str]]]:
    rows = []
    for path in sorted(landing.glob("lister/liste_*.csv")):
        for line, text in enumerate(path.read_bytes().decode("utf-8-sig").split("\r\n")[1:], start=2):
            if text:
                rows.append((path, line, text.split(";")))
    return rows


def test_unresolved_and_ambiguous_list_names_fail_with_name_file_and_line(refreshed, defs, instance, session_env,
                                                                          tmp_path, monkeypatch):
    """The resolution gate is blocking: the refresh fails and the published warehouse stays."""
    settings = get_settings()
    landing, work = tmp_path / "landing", tmp_path / "work"
    shutil.copytree(session_env.landing_dir, landing)
    shutil.copytree(settings.work_dir, work, ignore=shutil.ignore_patterns(".refresh.lock"))
    rows = _list_rows(landing)
    # Ambiguous: a second register area with the name (register spelling) of a listed one.
    ambiguous_path, ambiguous_line, (ambiguous_name, ambiguous_kommune, *_) = rows[0]
    aliases = dict(csv.reader((REFERENCE_SEEDS_DIR / "ref_area_aliases.csv").open(encoding="utf-8")))
    code = next(m.code for m in municipalities() if m.name == ambiguous_kommune)
    with (landing / "register" / "boligomraader.csv").open("a", encoding="utf-8") as register:
        register.write(f"BO{code:03d}-99,{aliases.get(ambiguous_name, ambiguous_name)},{code}\n")
    # Unresolved: a name no area has, on a row of another area.
    path, line, fields = next(r for r in rows if r[2][:2] != [ambiguous_name, ambiguous_kommune])
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    lines[line - 1] = ";".join(["Ukendtparken", *fields[1:]])
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    monkeypatch.setenv("BOLIGSOCIAL_LANDING_DIR", str(landing))
    monkeypatch.setenv("BOLIGSOCIAL_WORK_DIR", str(work))
    year = path.stem.split("_")[1]

    marts = session_env.warehouse_dir / "marts.duckdb"
    before, version = sha256(marts), current_version(session_env.warehouse_dir)
    # The register and the changed list through their gates (which cannot know the other),
    # then the warehouse from the work copy's otherwise complete raw layer.
    for job, key in (("ingest_unpartitioned_sources", None), ("ingest_area_lists", year)):
        assert defs.resolve_job_def(job).execute_in_process(instance=instance, partition_key=key).success
    result = defs.resolve_job_def("refresh_warehouse").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    message = failure_message(instance, result.run_id)
    assert "int_area__lists_resolved:gx_area_list_names_resolve" in message
    assert (f"'Ukendtparken' ({fields[1]}, lister/liste_{year}.csv line {line}): "
            "no area of that name in the kommune") in message
    assert (f"'{ambiguous_name}' ({ambiguous_kommune}, {ambiguous_path.relative_to(landing).as_posix()} "
            f"line {ambiguous_line}): 2 areas of that name in the kommune") in message
    assert sha256(marts) == before and current_version(session_env.warehouse_dir) == version
    # The checks after the failed one ran too; the Data Docs index lists their pages as well,
    # with no refresh command around the run to render it afterwards.
    stored = session_env.warehouse_dir / "gx" / "uncommitted" / "validations"
    of_run = [p.relative_to(stored).with_suffix(".html").as_posix() for p in stored.glob(f"*/{result.run_id}/*/*.json")]
    index = (session_env.warehouse_dir / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert len(of_run) > 10 and [page for page in of_run if f"validations/{page}" not in index] == []


def test_a_malformed_cpr_fails_its_partition_masked_everywhere(refreshed, defs, instance, session_env, tmp_path,
                                                              monkeypatch):
    landing, work = tmp_path / "landing", tmp_path / "work"
    shutil.copytree(session_env.landing_dir, landing)
    (work / "raw").mkdir(parents=True)
    shutil.copytree(get_settings().raw_dir / "raw_lbf_grants", work / "raw" / "raw_lbf_grants")
    path = sorted(landing.glob("deltagere/*/registreringer_*.csv"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = "3" + lines[2][1:6] + lines[2][7:11]  # day 3x and no dash: 10 digits, CPR-shaped
    lines[2] = bad + lines[2][11:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("BOLIGSOCIAL_LANDING_DIR", str(landing))
    monkeypatch.setenv("BOLIGSOCIAL_WORK_DIR", str(work))
    key = f"{path.parent.name}_{path.stem.split('_')[1]}"

    result = defs.resolve_job_def("ingest_participant_registrations").execute_in_process(
        instance=instance, partition_key=key, raise_on_error=False)
    assert not result.success
    message = failure_message(instance, result.run_id)
    relative = path.relative_to(landing).as_posix()
    assert f"{relative}, row 3, column 'cpr'" in message and "******-****" in message
    assert bad not in message
    for record in instance.all_logs(result.run_id):
        assert bad not in record.user_message + str(record.dagster_event or "")
    assert not (work / "raw" / "raw_participant_registrations").exists()


def test_a_raw_gate_failing_in_a_run_of_its_own_lists_its_page_in_the_data_docs_index(refreshed, defs, session_env,
                                                                                     tmp_path, monkeypatch):
    """A raw ingest launched from the UI or by the landing sensor has no refresh command
    around it to render the Data Docs index: the failed step renders it."""
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse"
    shutil.copytree(session_env.landing_dir, landing)
    expected = areas_unknown_municipality(landing)
    for name, path in (("BOLIGSOCIAL_LANDING_DIR", landing), ("BOLIGSOCIAL_WORK_DIR", tmp_path / "work"),
                       ("BOLIGSOCIAL_RAW_DIR", tmp_path / "work" / "raw"), ("BOLIGSOCIAL_WAREHOUSE_DIR", warehouse)):
        monkeypatch.setenv(name, str(path))
    (tmp_path / "dagster_home").mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(tmp_path / "dagster_home")) as instance:
        result = defs.resolve_job_def("ingest_unpartitioned_sources").execute_in_process(
            instance=instance, raise_on_error=False)
        failed = [e for e in check_evaluations(instance, result.run_id) if not e.passed]
    assert not result.success
    [check] = failed
    assert check.asset_check_key.to_user_string() == expected.check
    page = check.metadata["data_docs_page"].value
    assert (warehouse / "data_docs" / page).is_file()
    assert page in (warehouse / "data_docs" / "index.html").read_text(encoding="utf-8")


def test_definitions_hold_every_raw_asset_its_job_and_the_sensors(defs):
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert set(NEW_ASSETS) <= keys
    assert {"stg_lists__area_lists", "int_area__lists_resolved", "stg_panel__person_years"} <= keys
    for job in ("ingest_area_lists", "ingest_area_indicators", "ingest_participant_registrations",
                "ingest_person_years"):
        assert defs.resolve_job_def(job).partitions_def is not None
    first = {k.to_user_string() for k in
             defs.resolve_job_def("ingest_unpartitioned_sources").asset_layer.executable_asset_keys}
    assert first == {"raw_register_areas", "raw_register_estates", "raw_statbank_folk1a"}
    assert not first & {k.to_user_string() for k in
                        defs.resolve_job_def("refresh_warehouse").asset_layer.executable_asset_keys}
    for source in SOURCES:  # one ingestion job per partitioned source, all partitions in one run
        if source.partitioned:
            assert defs.resolve_assets_def(source.asset).backfill_policy == dg.BackfillPolicy.single_run()
    assert defs.resolve_sensor_def("landing_sensor") and defs.resolve_sensor_def("refresh_chain")


def test_a_refresh_ingests_only_partitions_whose_inputs_changed(refreshed, defs, session_env, tmp_path,
                                                                 monkeypatch):
    from tests.reliability import private_environment, private_instance

    env = private_environment(session_env, tmp_path, monkeypatch)
    path = env.landing_dir / "indikatorer" / "indikatorer_2015.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.split(";")[1] == "NEET_15_24_PCT" and "," in line)
    fields = lines[row].split(";")
    fields[3] = "99,9"
    lines[row] = ";".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with private_instance(env) as instance:
        report = run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
        # Only the source whose file changed is run, and in it only that partition is read again.
        [indicators, warehouse] = report.runs
        assert indicators.job == "ingest_area_indicators" and warehouse.job == "refresh_warehouse"
        assert len(report.unchanged_runs) == 5
        materialized = {r.partition_key: r.asset_materialization.metadata for r in instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("raw_area_indicators")), limit=100).records
            if r.run_id == indicators.run_id}
        gated = sorted(key for key, metadata in materialized.items() if "gate_seconds" in metadata)
        assert gated == ["2015"]
        assert all("unchanged_since_run" in m for key, m in materialized.items() if key != "2015")
    with duckdb.connect(str(env.work_dir / "build" / "warehouse.duckdb"), read_only=True) as con:
        assert con.sql("select value from staging.stg_indicators__area_indicators where year = 2015 "
                       "and indicator_code = 'NEET_15_24_PCT' and source_locator = ?",
                       params=[f"line {row + 1}"]).fetchone()[0] == 99.9
