"""Sensors: files that land start the refresh they need, and every refresh Dagster runs
on its own (the monthly schedule, a landing) is carried on run by run.

``landing_sensor`` takes the landing inventory every minute. When a file of any source
is new, changed or gone (its cursor maps path -> SHA-256), it reconciles the raw layer
(automation/inventory.py) and requests the ingestion runs of the sources whose files
changed (each over all its partitions: unchanged ones are reused, not read again), tagged
as one refresh; a file that vanished needs no ingestion, only the warehouse. A file no
contract knows is named in the tick's log and skip reason; the next full refresh fails on
it. Without a cursor (first tick) the sensor starts from what the raw layer holds, so
files a refresh has ingested are not ingested again.

``refresh_chain`` carries a refresh on: when one of its runs succeeds, it requests the
runs of the plan that may start now (automation/plan.py's ``next_runs``), the
`refresh_warehouse` run last. After a landing that run rebuilds only what is downstream
of the raw assets the refresh ingested (``downstream_selection``), when that is safe. A
failed run ends its refresh: nothing more is requested, and nothing is published. Runs
the refresh command starts carry ``boligsocial/driver: cli``; the command carries those
on itself, so this sensor leaves them alone.
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from dagster_project.automation.inventory import reconcile, take_inventory, unknown_message
from dagster_project.automation.jobs import ALL_JOBS, WAREHOUSE_JOB, refresh_warehouse_job
from dagster_project.automation.lock import RefreshBusy, lock_holder, refresh_lock
from dagster_project.automation.plan import (
    DRIVER_TAG,
    REFRESH_TAG,
    TRIGGER_TAG,
    PlannedRun,
    ingestion_runs,
    next_runs,
    sources_of_files,
    warehouse_run,
)
from dagster_project.automation.state import ordered_partitions, refresh_in_progress
from dagster_project.core.raw_store import RawStore
from dagster_project.publish.inputs import unchanged_version
from dagster_project.resources import WarehouseResource
from dagster_project.settings import Settings
from dagster_project.sources.registry import SOURCES

SENSOR_TRIGGER = "landing_sensor"
PLAN_TAG = "boligsocial/refresh_plan"  # the jobs of the refresh, ','-separated
INGESTED_TAG = "boligsocial/refresh_sources"  # the raw assets whose files changed, ','-separated
_FINISHED = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def busy_reason(settings: Settings, instance: dg.DagsterInstance) -> str | None:
    """Why no new refresh may start now, or None."""
    if holder := lock_holder(settings.work_dir):
        return f"a refresh holds the lock ({holder})"
    return refresh_in_progress(instance)


def run_request(planned: PlannedRun, refresh_id: str, tags: dict[str, str]) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"{refresh_id}:{planned.job}", job_name=planned.job,
        asset_selection=[dg.AssetKey(a) for a in planned.asset_selection] if planned.asset_selection else None,
        tags=planned.run_tags({**tags, REFRESH_TAG: refresh_id, DRIVER_TAG: "sensor"}))


def ingested_files(raw_dir) -> dict[str, str]:
    """The landing files the raw layer holds, as gated: relative path -> SHA-256."""
    return {f["file"]: f["sha256"] for s in RawStore(raw_dir).sidecars() for f in s["sources"] if f.get("bytes")
            is not None}


@dg.sensor(
    name="landing_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    jobs=ALL_JOBS,
    description=(
        "A new, changed or removed landing file of any source starts a refresh: the raw layer is reconciled "
        "with the landing directory, the ingestion runs of the sources whose files changed are requested, and "
        "refresh_chain refreshes the warehouse after them."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    if not settings.landing_dir.is_dir():
        return dg.SkipReason(f"no landing directory {settings.landing_dir}")
    inventory = take_inventory(settings.landing_dir)
    current = inventory.checksums()
    known: dict[str, str] = json.loads(context.cursor) if context.cursor else ingested_files(settings.raw_dir)
    if inventory.unknown:
        context.log.warning(unknown_message(inventory))
    changed = {path for path in set(current) | set(known) if current.get(path) != known.get(path)}
    if not changed:
        reason = f"no new, changed or removed file in {settings.landing_dir}"
        if inventory.unknown:
            reason += f"; files no contract knows (a refresh fails on them): {', '.join(inventory.unknown)}"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=json.dumps(current))
    if reason := busy_reason(settings, context.instance):
        # The cursor stays: the change is seen again on the next tick.
        return dg.SkipReason(f"files changed but {reason}; trying again next tick")
    try:
        with refresh_lock(settings.work_dir):
            reconciliation = reconcile(settings, context.instance, inventory)
    except RefreshBusy as busy:
        return dg.SkipReason(f"files changed but {busy}; trying again next tick")
    for line in reconciliation.lines():
        context.log.info(line)
    owners = inventory.files()
    ingest = {owners[p] for p in changed if p in current and p in owners}
    gone = set(reconciliation.removed) | {s.asset for p in changed if p not in current for s in SOURCES
                                          if s.claim(p)[0]}
    batch = hashlib.sha256(json.dumps(sorted((p, current.get(p)) for p in changed)).encode()).hexdigest()[:12]
    refresh_id = f"landing-{batch}"
    # A source gated against a changed one is gated again (its gate's parameters changed).
    runs = ingestion_runs(ordered_partitions(context.instance), sources_of_files(ingest))
    assets = sorted(ingest | gone | {s.asset for s in sources_of_files(ingest)})
    tags = {TRIGGER_TAG: SENSOR_TRIGGER, PLAN_TAG: ",".join([r.job for r in runs] + [WAREHOUSE_JOB]),
            INGESTED_TAG: ",".join(assets)}
    for path in sorted(changed):
        context.log.info(f"{path} is {'new' if path not in known else 'gone' if path not in current else 'changed'}")
    if runs:
        requests = [run_request(r, refresh_id, tags) for r in next_runs(runs, {})]
    else:  # only removals: nothing to ingest, the warehouse to rebuild
        requests = [run_request(warehouse_run([], _downstream(context, set(assets))), refresh_id, tags)]
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(current))


def _downstream(context, assets: set[str]) -> list[str] | None:
    repository = getattr(context, "repository_def", None)
    selection = downstream_selection(context.instance, repository, assets)
    return [k.to_user_string() for k in selection] if selection is not None else None


@dg.run_status_sensor(
    name="refresh_chain",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=ALL_JOBS,
    request_jobs=ALL_JOBS,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="When a run of a refresh that Dagster runs (the monthly schedule, a landing) succeeds, request the "
                "runs of its plan that may start now: the other ingestion runs, then refresh_warehouse.",
)
def refresh_chain(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
    run = context.dagster_run
    refresh_id = run.tags.get(REFRESH_TAG)
    if not refresh_id or run.tags.get(DRIVER_TAG) != "sensor":
        return dg.SkipReason("not a run of a refresh this sensor carries on (the refresh command carries its own)")
    if run.job_name == WAREHOUSE_JOB:
        return dg.SkipReason(f"refresh {refresh_id} is done")
    plan_jobs = [j for j in run.tags.get(PLAN_TAG, "").split(",") if j]
    runs = context.instance.get_runs(filters=dg.RunsFilter(tags={REFRESH_TAG: refresh_id}))
    status = {r.job_name: ("success" if r.status == dg.DagsterRunStatus.SUCCESS else
                           "failure" if r.status in _FINISHED else "running") for r in runs}
    if "failure" in status.values():
        return dg.SkipReason(f"refresh {refresh_id}: a run failed; nothing more is requested, nothing published")
    ingested = {a for a in run.tags.get(INGESTED_TAG, "").split(",") if a}
    ingestion = [r for r in ingestion_runs(ordered_partitions(context.instance)) if r.job in plan_jobs]
    selection = None
    if run.tags.get(TRIGGER_TAG) == SENSOR_TRIGGER:
        selection = _downstream(context, ingested)
    plan = [*ingestion, warehouse_run([r.job for r in ingestion], selection)]
    ready = next_runs(plan, status)
    settings = warehouse.settings()
    if any(r.job == WAREHOUSE_JOB for r in ready) and (version := unchanged_version(settings)):
        return dg.SkipReason(f"refresh {refresh_id}: nothing changed since published version {version}; "
                             "nothing to build or publish")
    if not ready:
        return dg.SkipReason(f"refresh {refresh_id}: waiting for {sorted(j for j, s in status.items() if s == 'running')}")
    tags = {k: v for k, v in run.tags.items() if k in (TRIGGER_TAG, PLAN_TAG, INGESTED_TAG)}
    return [run_request(r, refresh_id, tags) for r in ready]


def downstream_selection(instance: dg.DagsterInstance, repository: dg.RepositoryDefinition | None,
                         raw_assets: set[str]) -> list[dg.AssetKey] | None:
    """The assets of refresh_warehouse downstream of the raw assets a landing ingested, or
    None for all of them.

    The rest of the build is a function of raw partitions that did not change, so it need
    not be rebuilt: a registrations file does not rebuild the person-years of the panel or
    the area marts. That holds only if the build database holds what the gates passed: the
    last refresh_warehouse run succeeded, and the latest evaluation of every check outside
    the selection (from any run, the UI's too) passed or failed as a warning only.
    Otherwise, or when the asset graph is not at hand, everything is rebuilt."""
    if repository is None or not raw_assets:
        return None
    graph = repository.asset_graph
    warehouse = refresh_warehouse_job.selection
    selected = (dg.AssetSelection.assets(*raw_assets).downstream(include_self=False) & warehouse).resolve(graph)
    [last] = instance.get_runs(filters=dg.RunsFilter(job_name=WAREHOUSE_JOB), limit=1) or [None]
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
