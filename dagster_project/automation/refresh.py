"""A full refresh from the command line: the same runs the schedule starts, launched
through the instance and followed until they end.

1. Take the refresh lock (automation/lock.py); refuse at once, naming the holder, if
   another refresh holds it or has runs in progress in the instance.
2. Take the landing inventory and reconcile the raw layer with it
   (automation/inventory.py): new files get partitions, a vanished file's partition
   leaves the raw layer; a file no contract knows fails the refresh here.
3. Plan (automation/plan.py): one run per ingestion job over all its partitions, then
   `refresh_warehouse`. Start each run when the runs it waits for succeeded, at most
   ``parallel`` at a time, through the instance (automation/launch.py): its run queue
   when a daemon serves it, else its run launcher.
4. Before the warehouse run: if the inputs and the code are those of the published
   version (publish/inputs.py), publish nothing and say so.

Progress goes to ``progress``: each run as it starts and ends, the partitions it gated
or found unchanged, and inside the dbt step each node's "N of M" as dbt reports it (from
the step's compute log). A failed run stops the refresh (the runs already going finish);
its message names the file, row, column and rule, or for a dbt test the test, model,
files and rows. Nothing is published unless the warehouse run's gates all passed.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.automation.inventory import reconcile, take_inventory, unknown_message
from dagster_project.automation.jobs import JOB_OF_ASSET, WAREHOUSE_JOB
from dagster_project.automation.launch import Launcher, LocationError
from dagster_project.automation.lock import RefreshBusy, new_refresh_id, refresh_lock
from dagster_project.automation.plan import (
    DRIVER_TAG,
    REFRESH_TAG,
    TRIGGER_TAG,
    PlannedRun,
    full_refresh,
    next_runs,
)
from dagster_project.automation.state import active_refresh_runs, ordered_partitions, refresh_in_progress
from dagster_project.publish.inputs import unchanged_version
from dagster_project.quality.checks import blocks_publish, check_evaluations
from dagster_project.quality.data_docs import build_index
from dagster_project.settings import Settings
from dagster_project.sources.ingest import gated_unchanged
from dagster_project.sources.raw_assets import REINGEST_TAG
from dagster_project.sources.registry import SOURCES

POLL_SECONDS = 0.5
DEFAULT_PARALLEL = 2
_FINISHED = {dg.DagsterRunStatus.SUCCESS: "success", dg.DagsterRunStatus.FAILURE: "failure",
             dg.DagsterRunStatus.CANCELED: "failure"}
_DBT_LINE = re.compile(r"^(\d+ of \d+) (?!START)(.*)$")
_RAW_SUMMARY = re.compile(r"^raw_\w+: \d+ partition\(s\): .*$")


class RefreshFailed(RuntimeError):
    def __init__(self, label: str, run_id: str | None, message: str):
        self.label, self.run_id = label, run_id
        super().__init__(f"{label} failed{f' (run {run_id})' if run_id else ''}:\n{message}")


@dataclass
class RunSummary:
    label: str
    job: str
    run_id: str
    seconds: float
    status: str = "running"


@dataclass
class RefreshReport:
    refresh_id: str
    runs: list[RunSummary] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)  # what the inventory changed
    warnings: list[str] = field(default_factory=list)  # "<check>: what" of each failed WARN check
    unchanged_version: str | None = None  # the published version that already has these inputs and code
    unchanged_runs: list[str] = field(default_factory=list)  # ingestion runs not needed: nothing changed
    queued: bool = False  # started through the daemon's run queue

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.runs)


def _mark_stopped_runs(instance: dg.DagsterInstance, progress: Callable[[str], None]) -> None:
    """A run that a refresh command started is left behind when that command was stopped
    (it holds no lock now, it is this one): if its run worker is gone too, the run is
    marked failed here, so it never blocks a refresh; then the pool slots such runs kept
    are freed."""
    for run in active_refresh_runs(instance):
        if run.tags.get(DRIVER_TAG) == "cli" and not _worker_alive(instance, run.run_id):
            instance.report_run_failed(run, message="its refresh command ended before the run did (it was stopped), "
                                                    "and its run worker is gone")
            progress(f"run {run.run_id[:8]} ({run.job_name}) of an earlier refresh that was stopped: marked failed")
    _free_slots_of_finished_runs(instance, progress)


def _free_slots_of_finished_runs(instance: dg.DagsterInstance, progress: Callable[[str], None]) -> None:
    """A run killed inside a pooled step (the dbt build) keeps its pool slot after it is
    marked failed, and every later run waits for that slot forever. The daemon's run
    monitoring frees such slots (dagster.yaml: free_slots_after_run_end_seconds); a refresh
    without the daemon frees them here. Only finished runs' slots are freed."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    held = storage.get_concurrency_run_ids()
    if not held:
        return
    for record in instance.get_run_records(filters=dg.RunsFilter(run_ids=list(held))):
        run = record.dagster_run
        if run.is_finished and storage.free_concurrency_slots_for_run(run.run_id):
            progress(f"run {run.run_id[:8]} ({run.job_name}) ended {run.status.value.lower()} holding a pool slot: freed")


def _worker_alive(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Whether the process that last wrote an event of the run still runs on this machine."""
    records = instance.get_records_for_run(run_id, ascending=False, limit=1).records
    event = records[0].event_log_entry.dagster_event if records else None
    pid = event.pid if event is not None else None
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_refresh(settings: Settings, instance: dg.DagsterInstance, *, progress: Callable[[str], None] = print,
                trigger: str = "cli", everything: bool = False, parallel: int = DEFAULT_PARALLEL,
                tags: Mapping[str, str] | None = None, lock: bool = True,
                refresh_id: str | None = None,
                launcher: Callable[[dg.DagsterInstance], Launcher] | None = None) -> RefreshReport:
    """Run a full refresh and wait for it. ``lock``: take the refresh lock (False when the
    caller holds it already, as the command does before it loads anything heavy).
    ``launcher``: how runs start (default: through the code location of workspace.yaml;
    tests of many short refreshes pass launch.InProcessLauncher)."""
    refresh_id = refresh_id or new_refresh_id()
    with refresh_lock(settings.work_dir, refresh_id) if lock else nullcontext():
        _mark_stopped_runs(instance, progress)
        if reason := refresh_in_progress(instance):
            raise RefreshBusy(f"busy: {reason}")
        report = RefreshReport(refresh_id)
        try:
            _refresh(settings, instance, report, progress=progress, trigger=trigger, everything=everything,
                     parallel=parallel, tags=tags or {}, make_launcher=launcher or Launcher)
        finally:
            # The raw gates rendered their own Data Docs pages; the index lists them all.
            build_index(settings.warehouse_dir)
        return report


def _refresh(settings: Settings, instance: dg.DagsterInstance, report: RefreshReport, *,
             progress: Callable[[str], None], trigger: str, everything: bool, parallel: int,
             tags: Mapping[str, str], make_launcher: Callable[[dg.DagsterInstance], Launcher]) -> None:
    inventory = take_inventory(settings.landing_dir)
    if inventory.unknown:
        raise RefreshFailed("landing inventory", None, unknown_message(inventory))
    reconciliation = reconcile(settings, instance, inventory)
    report.reconciled = reconciliation.lines()
    for line in report.reconciled:
        progress(line)
    plan = full_refresh(ordered_partitions(instance))
    base_tags = {**tags, REFRESH_TAG: report.refresh_id, TRIGGER_TAG: trigger, DRIVER_TAG: "cli"}
    if everything:
        base_tags[REINGEST_TAG] = "true"
    started_at = time.perf_counter()
    with make_launcher(instance) as launcher:
        report.queued = launcher.queue
        progress(f"{len(plan)} runs planned, " + ("submitted to the instance's run queue (a dagster-daemon serves it)"
                                                  if launcher.queue else f"launched {parallel} at a time"))
        _drive(plan, launcher, instance, settings, report, base_tags, progress=progress,
               parallel=1_000 if launcher.queue else parallel, everything=everything)
    progress(f"{len(report.runs)} runs in {time.perf_counter() - started_at:.0f} s")


def _all_unchanged(settings: Settings, planned: PlannedRun) -> str | None:
    """The last run that gated a partition of this ingestion run, if every partition it
    would ingest is in the raw layer with the inputs it has now; else None. Decided when
    the run is due, not when planning: a source's inputs may depend on what an earlier
    run of this refresh gated (registrations on the grants of their round)."""
    if planned.job == WAREHOUSE_JOB:
        return None
    sources = [s for s in SOURCES if JOB_OF_ASSET[s.asset] == planned.job]
    keys = {s.asset: (list(planned.partitions) if s.partitioned else [None]) for s in sources}
    gated = [gated_unchanged(settings, s, key) for s in sources for key in keys[s.asset]]
    if not gated or any(g is None for g in gated):
        return None
    return max(gated, key=lambda g: g.get("run_id") or "")["run_id"]


def _drive(plan: list[PlannedRun], launcher: Launcher, instance: dg.DagsterInstance, settings: Settings,
           report: RefreshReport, tags: Mapping[str, str], *, progress: Callable[[str], None], parallel: int,
           everything: bool) -> None:
    status: dict[str, str] = {}
    running: dict[str, tuple[PlannedRun, dg.DagsterRun, float, _LogFollower]] = {}
    failure: RefreshFailed | None = None
    while True:
        # Until nothing more can start: a run found unchanged may free the ones after it.
        launched = True
        while failure is None and launched:
            launched = False
            for planned in next_runs(plan, status):
                if len(running) >= parallel:
                    break
                launched = True
                if not everything and (gated := _all_unchanged(settings, planned)):
                    status[planned.job] = "success"
                    report.unchanged_runs.append(planned.label)
                    progress(f"{planned.label}: every partition unchanged since it was gated "
                             f"(run {gated[:8]}): not ingested again")
                    continue
                if planned.job == WAREHOUSE_JOB:
                    if version := unchanged_version(settings, instance):
                        report.unchanged_version = version
                        status[planned.job] = "success"
                        progress(f"nothing changed since published version {version} (the same inputs and code): "
                                 "nothing to build or publish")
                        continue
                try:
                    run = launcher.start(planned, dict(tags))
                except LocationError as error:
                    raise RefreshFailed("loading the code location (workspace.yaml)", None, str(error)) from None
                status[planned.job] = "running"
                running[planned.job] = (planned, run, time.perf_counter(), _LogFollower(instance, run.run_id))
                progress(f"started {planned.label} (run {run.run_id[:8]})")
        if not running:
            break
        time.sleep(POLL_SECONDS)
        for job, (planned, run, started, follower) in list(running.items()):
            for line in follower.progress_lines(dbt=job == WAREHOUSE_JOB):
                progress(f"  {line}")
            current = instance.get_run_by_id(run.run_id)
            if current is None or current.status not in _FINISHED:
                continue
            del running[job]
            seconds = time.perf_counter() - started
            outcome = _FINISHED[current.status]
            status[job] = outcome
            for line in follower.progress_lines(dbt=job == WAREHOUSE_JOB):
                progress(f"  {line}")
            report.runs.append(RunSummary(planned.label, job, run.run_id, seconds, outcome))
            progress(f"{'finished' if outcome == 'success' else 'FAILED'} {planned.label} in {seconds:.1f} s "
                     f"(run {run.run_id[:8]})")
            if outcome == "success":
                report.warnings += warnings_of(instance, run.run_id)
            elif failure is None:
                failure = RefreshFailed(planned.label, run.run_id, failure_message(instance, run.run_id))
    if failure is not None:
        raise failure
    if not all(status.get(run.job) == "success" for run in plan):  # pragma: no cover (a plan with a cycle)
        missing = [run.label for run in plan if status.get(run.job) != "success"]
        raise RefreshFailed("refresh", None, f"runs never started: {', '.join(missing)}")


class _LogFollower:
    """New progress lines of a run: its raw partitions' summaries from the event log, and
    dbt's 'N of M' lines from the step's compute log."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str):
        self.instance, self.run_id = instance, run_id
        self.cursor: str | None = None
        self.offsets: dict[Path, int] = {}
        manager = instance.compute_log_manager
        base = getattr(manager, "_base_dir", None)
        self.compute_dir = Path(base) / run_id / "compute_logs" if base else None

    def progress_lines(self, *, dbt: bool) -> list[str]:
        lines = []
        connection = self.instance.get_records_for_run(self.run_id, cursor=self.cursor, limit=1000)
        self.cursor = connection.cursor
        for record in connection.records:
            entry = record.event_log_entry
            if entry.dagster_event is None and _RAW_SUMMARY.match(entry.user_message or ""):
                lines.append(entry.user_message)
        if dbt and self.compute_dir and self.compute_dir.is_dir():
            for path in sorted(self.compute_dir.glob("*.out")):
                offset = self.offsets.get(path, 0)
                with open(path, "rb") as handle:
                    handle.seek(offset)
                    chunk = handle.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]
                self.offsets[path] = offset + len(complete)
                for raw in complete.decode("utf-8", errors="replace").splitlines():
                    if match := _DBT_LINE.match(raw.strip()):
                        lines.append("dbt " + match.group(1) + " " + re.sub(r"\s\.{2,}\s", " ", match.group(2)))
        return lines


def warnings_of(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The checks of a successful run that failed with severity WARN (such as the list
    check): they did not stop the run, but the refresh says so."""
    return [f"{e.asset_check_key.to_user_string()}: {e.description}" for e in check_evaluations(instance, run_id)
            if not e.passed and e.severity == dg.AssetCheckSeverity.WARN]


def failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    """What broke, from the run's events: failed checks, then failed steps that say more."""
    lines: list[str] = []
    for evaluation in check_evaluations(instance, run_id):
        if blocks_publish(evaluation):
            summary = evaluation.metadata.get("summary")
            text = summary.value.strip("`\n") if summary else evaluation.description
            partition = f" [{evaluation.partition}]" if evaluation.partition else ""
            lines.append(f"check {evaluation.asset_check_key.to_user_string()}{partition} failed: {text}")
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        data = record.dagster_event.step_failure_data
        described = data.user_failure_data.description if data.user_failure_data else None
        text = described or _error_text(data.error)
        if data.error and "DagsterAssetCheckFailedError" in f"{data.error.cls_name} {data.error.message}" and lines:
            continue
        # A gate that failed its step says the same as its failed checks: say it once.
        if not any(line.split(" failed: ", 1)[1] in text for line in lines):
            lines.append(f"step {record.step_key} failed: {text}")
    if not lines:
        for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE):
            lines.append(record.dagster_event.message or "the run failed")
    return "\n".join(lines) or "the run failed without a step failure (see the run in the Dagster UI)"


def _error_text(error) -> str:
    """An unexpected error's own message: Dagster wraps it in 'Error occurred while executing op'."""
    if error is None:
        return "unknown error"
    text = error.message.strip()
    cause = error.cause
    while cause is not None:
        text += f"\n  caused by {cause.message.strip()}"
        cause = cause.cause
    return text
