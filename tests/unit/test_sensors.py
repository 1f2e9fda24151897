"""The landing sensor and the refresh after a landing batch, evaluated against a real
Dagster instance, real landing files and real ingestion runs."""

from __future__ import annotations

import json
import uuid

import dagster as dg
import pytest

from dagster_project.automation.sensors import (
    BATCH_TAG,
    FILE_TAG,
    LISTS_JOB,
    REGISTRATIONS_JOB,
    landing_sensor,
    refresh_after_landing,
)
from dagster_project.resources import WarehouseResource
from dagster_project.sources.lists.assets import raw_area_lists
from dagster_project.sources.participants.assets import REGISTRATION_PARTITIONS
from tests.landing_samples import write_area_list, write_registrations

LIST_ROWS = [("Åparken", "Odense", 1500, 45.2, 3.1, 62.0, 51.5, 55.0, "udsat boligområde")]
REGISTRATION_ROWS = [("610198-1234", "201114-003", "fritidsjob", "2013-03-01", "2013-08-31", "2013-02-20T09:30:00")]


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as inst:
        yield inst


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    (tmp_path / "landing").mkdir()
    return WarehouseResource(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))


def evaluate(instance, warehouse, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse})
    return landing_sensor(context)


def test_new_files_request_their_partitions_and_register_registration_files(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    write_registrations(landing, "2011-14", 2013, REGISTRATION_ROWS)
    write_registrations(landing, "2019-26", 2021, REGISTRATION_ROWS)
    (landing / "lister" / "liste_2031.csv").write_text("not a list year")

    result = evaluate(instance, warehouse)
    requests = {(r.job_name, r.partition_key) for r in result.run_requests}
    assert requests == {(LISTS_JOB, "2019"), (REGISTRATIONS_JOB, "2011-14_2013"),
                        (REGISTRATIONS_JOB, "2019-26_2021")}
    [add] = result.dynamic_partitions_requests
    assert add.partitions_def_name == REGISTRATION_PARTITIONS.name
    assert sorted(add.partition_keys) == ["2011-14_2013", "2019-26_2021"]
    assert len({r.tags[BATCH_TAG] for r in result.run_requests}) == 1
    assert {r.tags[FILE_TAG] for r in result.run_requests} == {
        "lister/liste_2019.csv", "deltagere/2011-14/registreringer_2013.csv",
        "deltagere/2019-26/registreringer_2021.csv"}
    assert set(json.loads(result.cursor)) == {
        "lister/liste_2019.csv", "lister/liste_2031.csv", "deltagere/2011-14/registreringer_2013.csv",
        "deltagere/2019-26/registreringer_2021.csv"}

    # Nothing new: nothing requested.
    again = evaluate(instance, warehouse, result.cursor)
    assert not again.run_requests and again.skip_reason

    # A changed file and a new year: one run each; a known partition is not added again.
    instance.add_dynamic_partitions(REGISTRATION_PARTITIONS.name, ["2011-14_2013", "2019-26_2021"])
    write_registrations(landing, "2011-14", 2013, REGISTRATION_ROWS * 2)
    write_registrations(landing, "2011-14", 2014, REGISTRATION_ROWS)
    changed = evaluate(instance, warehouse, result.cursor)
    assert sorted(r.partition_key for r in changed.run_requests) == ["2011-14_2013", "2011-14_2014"]
    assert [sorted(a.partition_keys) for a in changed.dynamic_partitions_requests] == [["2011-14_2014"]]
    assert len({r.run_key for r in changed.run_requests} & {r.run_key for r in result.run_requests}) == 0


def test_first_tick_skips_files_the_raw_layer_already_holds(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    write_area_list(landing, 2020, LIST_ROWS)
    ingested = dg.materialize([raw_area_lists], partition_key="2019", instance=instance,
                              resources={"warehouse": warehouse})
    assert ingested.success
    result = evaluate(instance, warehouse)
    assert [(r.job_name, r.partition_key) for r in result.run_requests] == [(LISTS_JOB, "2020")]


def _ingest_list(instance, warehouse, year, batch):
    return dg.materialize([raw_area_lists], partition_key=str(year), instance=instance, raise_on_error=False,
                          resources={"warehouse": warehouse},
                          tags={BATCH_TAG: batch, FILE_TAG: f"lister/liste_{year}.csv"})


def _after(instance, result):
    event = result.get_run_success_event() if result.success else result.get_run_failure_event()
    context = dg.build_run_status_sensor_context(sensor_name="refresh_after_landing", dagster_event=event,
                                                 dagster_instance=instance, dagster_run=result.dagster_run)
    return refresh_after_landing(context)


def test_refresh_is_requested_once_every_run_of_the_batch_succeeded(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    write_area_list(landing, 2020, LIST_ROWS)
    batch = uuid.uuid4().hex[:16]
    first = _ingest_list(instance, warehouse, 2019, batch)
    # The batch's other run has not finished yet: no refresh.
    pending = instance.create_run_for_job(dg.GraphDefinition(name="pending").to_job(), tags={BATCH_TAG: batch},
                                          status=dg.DagsterRunStatus.STARTED)
    assert isinstance(_after(instance, first), dg.SkipReason)
    instance.delete_run(pending.run_id)

    second = _ingest_list(instance, warehouse, 2020, batch)
    request = _after(instance, second)
    assert isinstance(request, dg.RunRequest)
    assert request.run_key == f"landing-batch-{batch}" and request.tags[BATCH_TAG] == batch


def test_no_refresh_when_an_ingestion_run_of_the_batch_failed(instance, warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_area_list(landing, 2019, LIST_ROWS)
    write_area_list(landing, 2020, [("Åparken", "Odense", 1500, 45.2, 3.1, 62.0, 51.5, 55.0, "kategori x")])
    batch = uuid.uuid4().hex[:16]
    good = _ingest_list(instance, warehouse, 2019, batch)
    bad = _ingest_list(instance, warehouse, 2020, batch)
    assert good.success and not bad.success
    skip = _after(instance, good)
    assert isinstance(skip, dg.SkipReason) and "lister/liste_2020.csv" in skip.skip_message


def test_runs_not_started_by_the_sensor_are_left_alone(instance, warehouse, tmp_path):
    write_area_list(tmp_path / "landing", 2019, LIST_ROWS)
    result = dg.materialize([raw_area_lists], partition_key="2019", instance=instance,
                            resources={"warehouse": warehouse})
    assert isinstance(_after(instance, result), dg.SkipReason)
