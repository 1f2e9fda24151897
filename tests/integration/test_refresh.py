"""A full refresh of the small embedded default, end to end: real files, Dagster runs,
dbt on DuckDB, gates, publish; then what an analyst and a data engineer see."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import REPO_ROOT

pytestmark = pytest.mark.slow
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def test_duckdb_cli_sums_grants_per_round_to_the_generator_totals(refreshed, session_env, small_world):
    marts = session_env.warehouse_dir / "marts.duckdb"
    out = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-json", str(marts),
         "select funding_round, sum(grant_lbf_dkk)::varchar as total from fct_bevilling group by 1 order by 1"],
        capture_output=True, text=True, check=True).stdout
    rows = json.loads(out)
    expected = small_world[2]["funding_rounds"]
    assert [r["funding_round"] for r in rows] == ["2011-14", "2015-18", "2019-26"]
    for row in rows:
        assert Decimal(row["total"]) * 100 == expected[row["funding_round"]]["grant_lbf_ore"]


def test_publish_log_records_run_revision_sources_and_checks(refreshed, session_env):
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        version, run_id, revision, checks_passed, sources = con.sql(
            "select version, run_id, code_revision, checks_passed, sources from publish_log "
            "order by published_at desc limit 1").fetchone()
    assert run_id == refreshed.runs[-1].run_id
    assert revision and checks_passed > 10
    files = {s["file"]: s["sha256"] for s in json.loads(sources)}
    from dagster_project.core.files import sha256_file

    assert files["lbf/bevillinger_2015-18.xlsx"] == sha256_file(session_env.landing_dir / "lbf/bevillinger_2015-18.xlsx")
    assert version.endswith(run_id[:8])


def test_published_marts_are_documented_and_match_the_register(refreshed, session_env, small_world):
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        undocumented = con.sql(
            "select table_name, column_name from duckdb_columns() "
            "where table_name in ('fct_bevilling', 'dim_helhedsplan', 'dim_boligomraade') and comment is null"
        ).fetchall()
        areas = con.sql("select count(*), count(first_funding_round) from dim_boligomraade").fetchone()
        plans = con.sql("select funding_round, count(*) from dim_helhedsplan group by 1 order by 1").fetchall()
    assert undocumented == []
    assert areas[0] == small_world[2]["areas"] and 0 < areas[1] < areas[0]
    assert {r: n for r, n in plans} == {r: v["plans"] for r, v in small_world[2]["funding_rounds"].items()}


def test_parquet_exports_beside_the_database(refreshed, session_env):
    parquet = session_env.warehouse_dir / "parquet" / "fct_bevilling.parquet"
    count = duckdb.sql(f"select count(*) from read_parquet('{parquet}')").fetchone()[0]
    assert count > 0


def test_every_gate_ran_and_passed_in_the_refresh(refreshed, instance):
    import dagster as dg

    for run in refreshed.runs:
        evaluations = [e.dagster_event.event_specific_data for e in
                       instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
        assert evaluations, run.label
        assert all(e.passed for e in evaluations)
    names = {e.dagster_event.event_specific_data.asset_check_key.name
             for e in instance.all_logs(refreshed.runs[-1].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)}
    assert {"gx_fct_bevilling", "gx_fct_bevilling_reconciles_with_raw"} <= names
    assert any(n.startswith("unique_") for n in names)  # dbt tests, loaded as asset checks


def test_definitions_load_in_dagster_with_the_monthly_schedule(defs):
    schedule = defs.resolve_schedule_def("monthly_full_refresh")
    assert schedule.cron_schedule == "0 4 1 * *"
    assert schedule.execution_timezone == "Europe/Copenhagen"
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw_lbf_grants", "stg_lbf__grants", "int_lbf__budget_lines", "fct_bevilling",
            "dim_helhedsplan", "dim_boligomraade", "published_warehouse"} <= keys


def test_workspace_yaml_loads_with_the_dagster_cli(defs, session_env):
    result = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
                             "-w", "workspace.yaml"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_full_refresh_is_at_most_eight_runs_of_the_code_location(refreshed, instance):
    """Each ingestion job runs once over all its partitions (a single-run backfill), then
    the warehouse: runs of the jobs the code location defines, as the UI lists them."""
    assert 3 <= len(refreshed.runs) <= 8, [r.label for r in refreshed.runs]
    jobs = [r.job for r in refreshed.runs]
    assert len(jobs) == len(set(jobs)) and jobs[-1] == "refresh_warehouse"
    for summary in refreshed.runs:
        run = instance.get_run_by_id(summary.run_id)
        origin = run.remote_job_origin
        assert origin is not None and origin.location_name == "boligsocial", summary.label
        assert run.job_name == summary.job and run.tags["boligsocial/refresh"] == refreshed.refresh_id
    panel = instance.get_run_by_id(next(r.run_id for r in refreshed.runs if r.job == "ingest_person_years"))
    assert panel.tags["dagster/asset_partition_range_start"] != panel.tags["dagster/asset_partition_range_end"]


def test_a_landed_registrations_file_refreshes_only_what_is_downstream_of_it(refreshed, defs, session_env,
                                                                           tmp_path, monkeypatch):
    """After a good warehouse run, a landing rebuilds only the assets downstream of the
    raw asset that changed; once a gate outside them has failed, everything again."""
    from tests.reliability import private_environment, private_instance

    # A Dagster home of its own: the session's records failed refreshes of other tests
    # (the bad-input corpus), after which everything is rebuilt, rightly.
    env = private_environment(session_env, tmp_path, monkeypatch)
    with private_instance(env) as instance:
        assert defs.resolve_job_def("refresh_warehouse").execute_in_process(instance=instance).success
        _assert_downstream_only(defs, instance)


def _assert_downstream_only(defs, instance) -> None:
    import dagster as dg

    from dagster_project.automation.sensors import downstream_selection

    repository = defs.get_repository_def()
    selection = downstream_selection(instance, repository, {"raw_participant_registrations"})
    assert selection is not None
    names = {key.to_user_string() for key in selection}
    assert "stg_participants__registrations" in names
    assert not names & {"raw_participant_registrations", "stg_panel__person_years", "dim_boligomraade", "fct_bevilling"}
    downstream = dg.AssetSelection.assets("raw_participant_registrations").downstream().resolve(repository.asset_graph)
    assert set(selection) <= downstream

    outside = dg.AssetCheckKey(dg.AssetKey("dim_boligomraade"), "gx_dim_boligomraade")
    for passed in (False, True):  # a failed gate outside the selection, then passing again
        instance.report_runless_asset_event(dg.AssetCheckEvaluation(
            asset_key=outside.asset_key, check_name=outside.name, passed=passed,
            severity=dg.AssetCheckSeverity.ERROR))
        assert (downstream_selection(instance, repository, {"raw_participant_registrations"}) is None) is not passed
