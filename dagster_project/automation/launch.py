"""Starting the runs of a refresh from outside Dagster (the refresh command), the way
Dagster's own `dagster job launch` does: load the code location from workspace.yaml,
create the run for the job as the code location defines it (so it is a run of that job
on the UI's Jobs and Runs pages, with its partition range as tags), and hand it to the
instance:

- when a dagster-daemon serves the instance, ``submit_run``: the run joins the
  instance's run queue, which the daemon dequeues under its concurrency limits
  (a deployment: ``make serve``);
- otherwise ``launch_run``: the instance's run launcher starts it now (``make demo`` on
  a machine without a daemon). The refresh command limits how many run at once.

This module uses Dagster's workspace and run-creation APIs (``dagster._core``) because
Dagster has no public API for launching a run of a code location from a script; the
calls mirror dagster/_cli/job.py's ``execute_launch_command`` and the sensor daemon's
``_create_sensor_run``. Re-check them on every Dagster upgrade (pinned in pyproject.toml).
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.controller import DEFAULT_HEARTBEAT_INTERVAL_SECONDS
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from dagster_project.automation.plan import PlannedRun
from dagster_project.settings import REPO_ROOT

WORKSPACE = REPO_ROOT / "workspace.yaml"
LOCATION = "boligsocial"


def daemon_serves_queue(instance: dg.DagsterInstance) -> bool:
    """Whether a dagster-daemon dequeues this instance's run queue now (a fresh heartbeat)."""
    heartbeat = instance.get_daemon_heartbeats().get(QueuedRunCoordinatorDaemon.daemon_type())
    return heartbeat is not None and time.time() - heartbeat.timestamp < 3 * DEFAULT_HEARTBEAT_INTERVAL_SECONDS


class LocationError(RuntimeError):
    """The code location did not load: the message is its error."""


class Launcher(AbstractContextManager):
    """The code location, loaded once for a refresh when its first run starts (a refresh
    that finds nothing changed starts no process), and the runs started through it."""

    def __init__(self, instance: dg.DagsterInstance, workspace: Path = WORKSPACE, *, queue: bool | None = None):
        self.instance, self.workspace = instance, workspace
        self._process: WorkspaceProcessContext | None = None
        self.queue = daemon_serves_queue(instance) if queue is None else queue

    def __exit__(self, *exc_info) -> None:
        if self._process is not None:
            self._process.__exit__(*exc_info)

    def _context(self):
        if self._process is None:
            self._process = WorkspaceProcessContext(self.instance, WorkspaceFileTarget(paths=[str(self.workspace)]))
        context = self._process.create_request_context()
        if error := context.get_code_location_error(LOCATION):
            raise LocationError(error.to_string())
        return context

    def start(self, planned: PlannedRun, tags: dict[str, str]) -> dg.DagsterRun:
        context = self._context()
        location = context.get_code_location(LOCATION)
        [repository_name] = list(location.get_repositories())
        selector = JobSubsetSelector(
            location_name=LOCATION, repository_name=repository_name, job_name=planned.job, op_selection=None,
            asset_selection=[dg.AssetKey(a) for a in planned.asset_selection] if planned.asset_selection else None)
        remote_job = location.get_job(selector)
        plan = location.get_execution_plan(remote_job, {}, step_keys_to_execute=None, known_state=None,
                                           instance=self.instance)
        run = self.instance.create_run(
            job_name=planned.job, run_id=None, run_config={}, resolved_op_selection=None, step_keys_to_execute=None,
            status=dg.DagsterRunStatus.NOT_STARTED, op_selection=None, root_run_id=None, parent_run_id=None,
            tags={**(remote_job.run_tags or {}), **planned.run_tags(tags)},
            job_snapshot=remote_job.job_snapshot, execution_plan_snapshot=plan.execution_plan_snapshot,
            parent_job_snapshot=remote_job.parent_job_snapshot, remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=frozenset(selector.asset_selection) if selector.asset_selection else None,
            asset_check_selection=None,
            asset_graph=location.get_repository(repository_name).asset_graph,
        )
        if self.queue:
            return self.instance.submit_run(run.run_id, context)
        return self.instance.launch_run(run.run_id, context)


class InProcessLauncher(AbstractContextManager):
    """Each run executed in this process (``execute_in_process``): the same jobs, tags,
    partitions and gates, without a run worker process per run. For tests that run many
    short refreshes (the bad-input corpus); the runs are real runs of the instance, but
    not runs of a loaded code location, so the UI's Jobs page does not list them."""

    queue = False

    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance):
        self.defs, self.instance = defs, instance

    def __exit__(self, *exc_info) -> None:
        return None

    def start(self, planned: PlannedRun, tags: dict[str, str]) -> dg.DagsterRun:
        job = self.defs.resolve_job_def(planned.job)
        result = job.execute_in_process(
            instance=self.instance, tags=planned.run_tags(tags), raise_on_error=False,
            asset_selection=[dg.AssetKey(a) for a in planned.asset_selection] if planned.asset_selection else None,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
        return result.dagster_run
