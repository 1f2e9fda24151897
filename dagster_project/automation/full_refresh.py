"""A full refresh: the unpartitioned raw sources, every partition of every partitioned
raw source (a yearly partition without its landing file is skipped), then the warehouse.

Each step is a real Dagster run in the given instance, so every run, materialization
and check shows in the UI. The refresh stops at the first failed run and reports which
file, row, column and rule broke; nothing is published unless the last run's gates
all passed. One refresh at a time per work directory (a file lock).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.automation.jobs import (
    PARTITIONED_SOURCES,
    PlannedRun,
    ingest_unpartitioned_job,
    refresh_warehouse_job,
)
from dagster_project.quality.data_docs import build_index
from dagster_project.settings import Settings


class RefreshFailed(RuntimeError):
    def __init__(self, run_label: str, run_id: str, message: str):
        self.run_label, self.run_id = run_label, run_id
        super().__init__(f"{run_label} failed (run {run_id}):\n{message}")


class RefreshBusy(RuntimeError):
    pass


@dataclass
class RunSummary:
    label: str
    run_id: str
    seconds: float


@dataclass
class RefreshReport:
    runs: list[RunSummary] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<job> [<partition>]: why"
    warnings: list[str] = field(default_factory=list)  # "<check>: what" of each failed WARN check
    unchanged: list[str] = field(default_factory=list)  # "<job> [<partition>]" gated before, inputs the same

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.runs)


@contextmanager
def refresh_lock(work_dir: Path) -> Iterator[None]:
    work_dir.mkdir(parents=True, exist_ok=True)
    with open(work_dir / ".refresh.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise RefreshBusy(f"another refresh holds {work_dir / '.refresh.lock'} ({handle.read().strip()})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _data_docs_index(settings: Settings) -> Iterator[None]:
    """The raw gates render only their own Data Docs pages; the index, which lists every
    validation, is rendered once when the refresh ends, whether it succeeded or not."""
    try:
        yield
    finally:
        build_index(settings.warehouse_dir)


def run_full_refresh(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    settings: Settings,
    *,
    progress: Callable[[str], None] = print,
    tags: Mapping[str, str] | None = None,
    log_level: str = "INFO",
    everything: bool = False,
) -> RefreshReport:
    """Run the refresh. A raw partition whose inputs (landing files, suite, parameters,
    code, pseudonymisation key) are unchanged since it was gated is not ingested again,
    unless ``everything``: its gated result would be the same."""
    report = RefreshReport()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    with refresh_lock(settings.work_dir), _data_docs_index(settings):
        plan = [PlannedRun(ingest_unpartitioned_job.name, None)]
        plan += [run for source in PARTITIONED_SOURCES for run in source.plan(settings, instance)]
        plan.append(PlannedRun(refresh_warehouse_job.name, None))
        for step, planned in enumerate(plan, start=1):
            label = planned.job_name + (f" [{planned.partition}]" if planned.partition else "")
            if planned.skip:
                progress(f"[{step}/{len(plan)}] {label} skipped: {planned.skip}")
                report.skipped.append(f"{label}: {planned.skip}")
                continue
            # Decided now, not when planning: a partition's inputs may depend on what an
            # earlier run of this refresh gated (registrations on the grants of their round).
            gated_by = planned.source.gated_unchanged(settings, planned.partition) \
                if planned.source and not everything else None
            if gated_by:
                progress(f"[{step}/{len(plan)}] {label} unchanged since run {gated_by[:8]}: not ingested again")
                report.unchanged.append(label)
                continue
            progress(f"[{step}/{len(plan)}] {label} ...")
            started = time.perf_counter()
            result = defs.resolve_job_def(planned.job_name).execute_in_process(
                instance=instance, partition_key=planned.partition, raise_on_error=False, tags=dict(tags or {}),
                run_config=run_config)
            seconds = time.perf_counter() - started
            if not result.success:
                raise RefreshFailed(label, result.run_id, failure_message(result))
            report.runs.append(RunSummary(label, result.run_id, seconds))
            report.warnings += warnings_of(result)
            progress(f"[{step}/{len(plan)}] {label} ok in {seconds:.1f} s (run {result.run_id[:8]})")
    return report


def warnings_of(result: dg.ExecuteInProcessResult) -> list[str]:
    """The checks of a successful run that failed with severity WARN (such as the list
    check): they did not stop the run, but the refresh says so."""
    warnings = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN:
                warnings.append(f"{evaluation.asset_check_key.to_user_string()}: {evaluation.description}")
    return warnings


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """What broke, from the run's events: failed checks, then failed steps that say more."""
    lines: list[str] = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            # A warning (a dbt test with severity warn) does not fail the run.
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                summary = evaluation.metadata.get("summary")
                text = summary.value.strip("`\n") if summary else evaluation.description
                lines.append(f"check {evaluation.asset_check_key.to_user_string()} failed: {text}")
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            described = data.user_failure_data.description if data.user_failure_data else None
            text = described or _error_text(data.error)
            # A gate that failed its step says the same as its failed check: say it once.
            if lines and data.error and "DagsterAssetCheckFailedError" in f"{data.error.cls_name} {data.error.message}":
                continue
            if not any(line.split(" failed: ", 1)[1] in text for line in lines):
                lines.append(f"step {event.step_key} failed: {text}")
    return "\n".join(lines) or "the run failed without a step failure (see the run in the Dagster UI)"


def _error_text(error) -> str:
    """An unexpected error's own message: Dagster wraps it in 'Error occurred while executing op'."""
    text = error.message.strip()
    cause = error.cause
    while cause is not None:
        text += f"\n  caused by {cause.message.strip()}"
        cause = cause.cause
    return text
