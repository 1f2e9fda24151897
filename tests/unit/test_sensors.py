"""The landing sensor, the refresh chain and the monthly schedule, evaluated against a real
Dagster instance, real landing files and real ingestion runs."""

from __future__ import annotations

import datetime as dt
import gc
import json

import dagster as dg
import pytest

from dagster_project.automation.lock import RefreshBusy
from dagster_project.automation.plan import DRIVER_TAG, REFRESH_TAG, TRIGGER_TAG
from dagster_project.automation.refresh import run_refresh
from dagster_project.automation.schedules import monthly_full_refresh
from dagster_project.automation.sensors import PLAN_TAG, busy_reason, landing_sensor, refresh_chain
from dagster_project.automation.state import refreshes_between_runs
from dagster_project.core.raw_store import RawStore
from dagster_project.resources import WarehouseResource
from dagster_project.sources.raw_assets import RAW_ASSET_BY_KEY
from tests.landing_samples import write_area_list, write_registrations

LIST_ROWS = [("Åparken", "Odense", 1500, 45.2, 3.1, 62.0, 51.5, 55.0, "udsat boligområde")]
REGISTRATION_ROWS = [("610198-1234", "201114-003", "fritidsjob", "2013-03-01", "2013-08-31", "2013-02-20T09:30:00")]
LISTS = "area_lists_files"
REGISTRATIONS = "participant_registrations_files"


@pytest.fixture(autouse=True)
def _contexts_leave_no_instance_open():
    """An evaluation context left open holds an instance it entered. When the garbage collector
    finalizes it, during a later test, Dagster's current definitions-state storage reverts to a
    dead instance's and that test fails ("undefined DagsterInstance weakref"). Set up before
    and torn down after the test's own fixtures: the storage must be what it was before (a
    session's instance, in the whole suite, or none)."""
    from dagster._core.storage.defs_state.base import DefsStateStorage

    before = DefsStateStorage.get()
    yield
    gc.collect()
    assert DefsStateStorage.get() is before, "an evaluation context of this test was not closed"


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as inst:
        yield inst


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    (tmp_path / "landing").mkdir()
    return WarehouseResource(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"),
                             warehouse_dir=str(tmp_path / "warehouse"))


def evaluate(instance, warehouse, cursor=None):
    # A context not closed keeps what it entered; its finalizer, run by a later garbage
    # collection, would reset Dagster's current-instance context variable mid-test.
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse}) as context:
        return landing_sensor(context)


def _jobs(result) -> dict[str, dg.RunRequest]:
    return {r.job_name: r for r in result.run_requests}


def test_new_files_register_their_partitions_and_request_their_sources_ingestion(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    write_area_list(landing, 2020, LIST_ROWS)
    write_registrations(landing, "2011-14", 2013, REGISTRATION_ROWS)

    result = evaluate(instance, warehouse)
    assert instance.get_dynamic_partitions(LISTS) == ["2019", "2020"]
    assert instance.get_dynamic_partitions(REGISTRATIONS) == ["2011-14_2013"]
    requests = _jobs(result)
    # Each source whose files changed, over all its partitions (unchanged ones are reused).
    assert set(requests) == {"ingest_area_lists", "ingest_participant_registrations"}
    lists = requests["ingest_area_lists"]
    assert (lists.tags["dagster/asset_partition_range_start"], lists.tags["dagster/asset_partition_range_end"]) == \
        ("2019", "2020")
    assert len({r.tags[REFRESH_TAG] for r in result.run_requests}) == 1
    assert {r.tags[DRIVER_TAG] for r in result.run_requests} == {"sensor"}
    plan = lists.tags[PLAN_TAG].split(",")
    assert plan[-1] == "refresh_warehouse" and "ingest_participant_registrations" in plan
    assert set(json.loads(result.cursor)) == {"lister/liste_2019.csv", "lister/liste_2020.csv",
                                              "deltagere/2011-14/registreringer_2013.csv"}

    # Nothing new: nothing requested.
    again = evaluate(instance, warehouse, result.cursor)
    assert not again.run_requests and again.skip_reason

    # A changed list: its source again, with a new refresh id.
    write_area_list(landing, 2019, LIST_ROWS * 2)
    changed = evaluate(instance, warehouse, again.cursor)
    assert set(_jobs(changed)) == {"ingest_area_lists"}
    assert changed.run_requests[0].tags[REFRESH_TAG] != lists.tags[REFRESH_TAG]


def test_a_file_no_contract_knows_is_named_not_ignored(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    (landing / "lbf").mkdir()
    (landing / "lbf" / "bevillinger_2023-26.json").write_text("[]")
    first = evaluate(instance, warehouse)
    quiet = evaluate(instance, warehouse, first.cursor)
    assert "lbf/bevillinger_2023-26.json" in quiet.skip_reason.skip_message


def test_a_removed_file_leaves_the_raw_layer_and_refreshes_the_warehouse(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    write_area_list(landing, 2020, LIST_ROWS)
    first = evaluate(instance, warehouse)
    assert dg.materialize([RAW_ASSET_BY_KEY["raw_area_lists"]], partition_key="2020", instance=instance,
                          resources={"warehouse": warehouse}).success
    raw_dir = tmp_path / "work" / "raw"
    assert "2020" in RawStore(raw_dir).partitions("raw_area_lists")

    (landing / "lister" / "liste_2020.csv").unlink()
    result = evaluate(instance, warehouse, first.cursor)
    assert instance.get_dynamic_partitions(LISTS) == ["2019"]
    assert "2020" not in RawStore(raw_dir).partitions("raw_area_lists")
    # Nothing to ingest: only the warehouse (all of it: no warehouse run succeeded before).
    [request] = result.run_requests
    assert request.job_name == "refresh_warehouse" and request.asset_selection is None


def test_the_first_tick_counts_what_the_raw_layer_holds_as_seen(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    instance.add_dynamic_partitions(LISTS, ["2019"])
    assert dg.materialize([RAW_ASSET_BY_KEY["raw_area_lists"]], partition_key="2019", instance=instance,
                          resources={"warehouse": warehouse}).success
    result = evaluate(instance, warehouse)
    assert not result.run_requests and result.skip_reason


def _run(job: str, warehouse, instance, partition: str, tags: dict[str, str]):
    """A real run of the ingestion job (of the raw assets alone, without the dbt project)."""
    from dagster_project.automation.jobs import ingest_jobs
    from dagster_project.sources.raw_assets import RAW_ASSETS

    defs = dg.Definitions(assets=RAW_ASSETS, jobs=ingest_jobs, resources={"warehouse": warehouse})
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, partition_key=partition,
        tags={k: v for k, v in tags.items() if not k.startswith("dagster/")})


def _chain(instance, result, warehouse):
    event = result.get_run_success_event()
    with dg.build_run_status_sensor_context(sensor_name="refresh_chain", dagster_event=event,
                                            dagster_instance=instance, dagster_run=result.dagster_run,
                                            resources={"warehouse": warehouse}) as context:
        return refresh_chain(context)


def test_the_chain_requests_the_rest_of_the_plan_as_runs_succeed(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    first = evaluate(instance, warehouse)
    [request] = first.run_requests
    assert request.job_name == "ingest_area_lists"
    ran = _run("ingest_area_lists", warehouse, instance, "2019", request.tags)
    assert ran.success
    follow = _chain(instance, ran, warehouse)
    [warehouse_request] = follow if isinstance(follow, list) else [follow]
    assert warehouse_request.job_name == "refresh_warehouse"
    assert warehouse_request.run_key == f"{request.tags[REFRESH_TAG]}:refresh_warehouse"
    # Between the two runs none is unfinished, and yet the refresh is not done: a refresh
    # command or another landing started now would build and publish beside it.
    assert refreshes_between_runs(instance) == [request.tags[REFRESH_TAG]]
    assert "between two runs" in busy_reason(warehouse.settings(), instance)
    with pytest.raises(RefreshBusy, match="between two runs"):
        run_refresh(warehouse.settings(), instance, progress=lambda _m: None)
    assert refreshes_between_runs(instance, within=0) == []  # a chain the daemon stopped carrying on
    # A failed run ends its refresh (refresh_chain requests nothing more): it is not in progress.
    instance.add_run(dg.DagsterRun(job_name="ingest_lbf_grants", run_id="f" * 36, status=dg.DagsterRunStatus.FAILURE,
                                   tags=request.tags))
    assert refreshes_between_runs(instance) == [] and busy_reason(warehouse.settings(), instance) is None

    # A run the refresh command drives is carried on by the command, not by the sensor.
    cli = _run("ingest_area_lists", warehouse, instance, "2019", {REFRESH_TAG: "x", DRIVER_TAG: "cli",
                                                                TRIGGER_TAG: "cli"})
    assert isinstance(_chain(instance, cli, warehouse), dg.SkipReason)


def test_the_monthly_schedule_reconciles_and_requests_the_first_run(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    # The context opens its own instance from the reference; closing it closes that instance.
    with dg.build_schedule_context(instance=instance, resources={"warehouse": warehouse},
                                   scheduled_execution_time=dt.datetime(2026, 12, 1, 4, tzinfo=dt.UTC)) as context:
        request = monthly_full_refresh(context)
    assert isinstance(request, dg.RunRequest)
    assert request.tags[TRIGGER_TAG] == "schedule" and request.tags[DRIVER_TAG] == "sensor"
    assert request.tags[PLAN_TAG].split(",")[-1] == "refresh_warehouse"
    assert request.tags[REFRESH_TAG] == "schedule-20261201T0400"
    assert instance.get_dynamic_partitions(LISTS) == ["2019"]
