"""Sensors: a file that lands starts the ingestion it needs, and a successful ingestion
starts the warehouse refresh.

``landing_sensor`` watches ``deltagere/*/registreringer_*.csv`` (S5) and
``lister/liste_*.csv`` (S3). A new or changed file (its cursor maps path -> SHA-256)
requests one run of the source's ingestion job for the partition the file is, after
registering the dynamic partition of a new registrations file. Every run requested in one
tick carries the same batch tag; ``refresh_after_landing`` requests ``refresh_warehouse``
once every ingestion run of a batch has succeeded (one refresh per batch, however many
files it holds), for the assets downstream of what the batch ingested
(``downstream_selection``). A batch with a failed run gets no refresh: its gate failed, and the
published warehouse stays as it was.

Without a cursor (first tick), the sensor starts from what the raw layer already holds,
so files a full refresh has ingested are not ingested again.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from dagster_project.automation.jobs import INGEST_JOBS, PARTITIONED_SOURCES, refresh_warehouse_job
from dagster_project.core.files import sha256_file
from dagster_project.core.raw_store import RawStore
from dagster_project.resources import WarehouseResource
from dagster_project.sources.lists.assets import raw_area_lists
from dagster_project.sources.lists.readers import LIST_YEARS
from dagster_project.sources.participants.assets import REGISTRATION_PARTITIONS, raw_participant_registrations
from dagster_project.sources.participants.readers import LANDING_GLOB as REGISTRATION_GLOB
from dagster_project.sources.participants.readers import partition_key as registration_key

LIST_GLOB = "lister/liste_*.csv"
_LIST_NAME = re.compile(r"^lister/liste_(\d{4})\.csv$")
TRIGGER_TAG = "boligsocial/trigger"
BATCH_TAG = "boligsocial/landing_batch"
FILE_TAG = "boligsocial/landing_file"
SENSOR_TRIGGER = "landing_sensor"

_JOBS = {s.asset.key: s for s in PARTITIONED_SOURCES}
LISTS_JOB = _JOBS[raw_area_lists.key].job_name
REGISTRATIONS_JOB = _JOBS[raw_participant_registrations.key].job_name
_WATCHED_ASSETS = ("raw_area_lists", "raw_participant_registrations")


def landing_files(landing_dir: Path) -> dict[str, str]:
    """Watched files in the landing directory: relative path -> SHA-256."""
    found = {}
    for pattern in (REGISTRATION_GLOB, LIST_GLOB):
        for path in landing_dir.glob(pattern):
            if path.is_file():
                found[path.relative_to(landing_dir).as_posix()] = sha256_file(path)
    return dict(sorted(found.items()))


def ingested_files(raw_dir: Path) -> dict[str, str]:
    """Watched files the raw layer already holds, as gated: relative path -> SHA-256."""
    return {f["file"]: f["sha256"] for s in RawStore(raw_dir).sidecars() if s["asset"] in _WATCHED_ASSETS
            for f in s["sources"]}


def _target(relative: str) -> tuple[str, str] | None:
    """(job, partition) a landing file is ingested by, or None if it is no partition."""
    if key := registration_key(relative):
        return REGISTRATIONS_JOB, key
    match = _LIST_NAME.match(relative)
    if match and match.group(1) in LIST_YEARS:
        return LISTS_JOB, match.group(1)
    return None


@dg.sensor(
    name="landing_sensor",
    jobs=[INGEST_JOBS[LISTS_JOB], INGEST_JOBS[REGISTRATIONS_JOB]],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "A new or changed registrations file (deltagere/<round>/registreringer_<YYYY>.csv) or area "
        "list (lister/liste_<YYYY>.csv) in the landing directory requests an ingestion run of the "
        "partition it is; refresh_after_landing then refreshes the warehouse."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    known: dict[str, str] = json.loads(context.cursor) if context.cursor else ingested_files(settings.raw_dir)
    current = landing_files(settings.landing_dir) if settings.landing_dir.is_dir() else {}
    changed = {path: sha for path, sha in current.items() if known.get(path) != sha}
    if not changed:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"no new or changed file in {settings.landing_dir}"),
                               cursor=json.dumps(current))
    batch = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:16]
    requests, new_partitions = [], []
    for path, sha in changed.items():
        target = _target(path)
        if target is None:
            context.log.warning(f"{path}: not a partition of any source (years {LIST_YEARS[0]}-{LIST_YEARS[-1]} "
                                "for lists, a funding round's directory for registrations); ignored")
            continue
        job, partition = target
        if job == REGISTRATIONS_JOB and not context.instance.has_dynamic_partition(REGISTRATION_PARTITIONS.name,
                                                                                  partition):
            new_partitions.append(partition)
        context.log.info(f"{path} is {'new' if path not in known else 'changed'}: requesting {job} [{partition}]")
        requests.append(dg.RunRequest(
            run_key=f"{path}@{sha}", job_name=job, partition_key=partition,
            tags={TRIGGER_TAG: SENSOR_TRIGGER, BATCH_TAG: batch, FILE_TAG: path}))
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[REGISTRATION_PARTITIONS.build_add_request(new_partitions)] if new_partitions else [],
        cursor=json.dumps(current),
    )


_FINISHED = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


@dg.run_status_sensor(
    name="refresh_after_landing",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[INGEST_JOBS[LISTS_JOB], INGEST_JOBS[REGISTRATIONS_JOB]],
    request_job=refresh_warehouse_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Once every ingestion run the landing sensor requested in one tick has succeeded, "
                "request refresh_warehouse (dbt, mart gates, publish).",
)
def refresh_after_landing(context: dg.RunStatusSensorContext):
    batch = context.dagster_run.tags.get(BATCH_TAG)
    if not batch:
        return dg.SkipReason("run not requested by the landing sensor (a full refresh refreshes the warehouse itself)")
    runs = context.instance.get_runs(filters=dg.RunsFilter(tags={BATCH_TAG: batch}))
    running = [r for r in runs if r.status not in _FINISHED]
    if running:
        return dg.SkipReason(f"batch {batch}: {len(running)} of {len(runs)} ingestion runs not finished yet")
    failed = [r.tags.get(FILE_TAG, r.run_id) for r in runs if r.status != dg.DagsterRunStatus.SUCCESS]
    if failed:
        return dg.SkipReason(f"batch {batch}: ingestion failed for {', '.join(failed)}; warehouse not refreshed")
    selection = downstream_selection(context.instance, context.repository_def, {r.job_name for r in runs})
    # One refresh per batch: the run key makes a second request for the batch a no-op.
    return dg.RunRequest(run_key=f"landing-batch-{batch}", asset_selection=selection,
                         tags={TRIGGER_TAG: "refresh_after_landing", BATCH_TAG: batch,
                               SCOPE_TAG: "downstream" if selection else "all"})


SCOPE_TAG = "boligsocial/refresh_scope"
_ASSET_OF_JOB = {s.job_name: s.asset.key for s in PARTITIONED_SOURCES}


def downstream_selection(instance: dg.DagsterInstance, repository: dg.RepositoryDefinition | None,
                         ingest_jobs: set[str]) -> list[dg.AssetKey] | None:
    """The assets of refresh_warehouse downstream of the raw assets a landing batch
    ingested, or None for all of them.

    The rest of the build is a function of raw partitions that did not change, so it need
    not be rebuilt: a registrations file does not rebuild the person-years of the panel or
    the area marts. That holds only if the build database holds what the gates passed: the
    last refresh_warehouse run succeeded, and the latest evaluation of every check outside
    the selection (from any run, the UI's too) passed or failed as a warning only.
    Otherwise, or when the asset graph is not at hand, everything is rebuilt."""
    if repository is None or not ingest_jobs <= set(_ASSET_OF_JOB):
        return None
    graph = repository.asset_graph
    warehouse = refresh_warehouse_job.selection
    selected = (dg.AssetSelection.assets(*(_ASSET_OF_JOB[j] for j in ingest_jobs)).downstream(include_self=False)
                & warehouse).resolve(graph)
    [last] = instance.get_runs(filters=dg.RunsFilter(job_name=refresh_warehouse_job.name), limit=1) or [None]
    if not selected or last is None or last.status != dg.DagsterRunStatus.SUCCESS:
        return None
    outside = warehouse.resolve(graph) - selected
    checks = [key for key in graph.asset_check_keys if key.asset_key in outside]
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(checks)
    for key in checks:
        record = latest.get(key)
        evaluation = record.event.asset_check_evaluation if record and record.event else None
        passed = record is not None and (
            record.status == AssetCheckExecutionRecordStatus.SUCCEEDED
            or (record.status == AssetCheckExecutionRecordStatus.FAILED and evaluation is not None
                and evaluation.severity == dg.AssetCheckSeverity.WARN))
        if not passed:
            return None
    return sorted(selected, key=lambda k: k.to_user_string())
