"""What the Dagster instance says now, as the refresh command, the sensors and the
schedule all read it: each partitioned source's keys, and the runs of refreshes that have
not finished."""

from __future__ import annotations

import datetime as dt
import time

import dagster as dg

from dagster_project.automation.jobs import WAREHOUSE_JOB
from dagster_project.automation.plan import DRIVER_TAG, REFRESH_TAG, TRIGGER_TAG
from dagster_project.sources.registry import SOURCES
from dagster_project.sources.source import Partitioning

# A canceling run still holds its step's resources: it counts as in progress.
UNFINISHED = (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
              dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING)
# How long after a run of a refresh that refresh_chain carries on succeeded the refresh
# counts as in progress without a run: the daemon's run-status sensor requests the next
# run within seconds (minimum_interval_seconds=5), longer on a loaded machine.
CHAIN_GAP_SECONDS = 180


def ordered_partitions(instance: dg.DagsterInstance) -> dict[str, list[str]]:
    """Every partitioned source's keys in the partitions' own order (a range is first..last)."""
    keys = {}
    for source in SOURCES:
        if source.partitioning is Partitioning.FILES:
            keys[source.asset] = list(instance.get_dynamic_partitions(source.partitions_name))
        elif source.partitioning is Partitioning.STATIC:
            keys[source.asset] = list(source.static_keys)
    return keys


def active_refresh_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Runs of any refresh that have not finished (queued, starting, started or canceling)."""
    return [r for r in instance.get_runs(filters=dg.RunsFilter(statuses=list(UNFINISHED))) if REFRESH_TAG in r.tags]


def refreshes_between_runs(instance: dg.DagsterInstance, *, within: float = CHAIN_GAP_SECONDS) -> list[str]:
    """Refreshes that the refresh_chain sensor carries on and that are between two runs:
    one of their runs succeeded less than ``within`` seconds ago, every run of theirs
    succeeded, and none is refresh_warehouse. No run of theirs is unfinished then, and yet
    they are not done: a refresh started meanwhile would build and publish beside them.
    (A chain that refresh_chain ends because nothing changed counts until ``within`` passes.)"""
    since = dt.datetime.fromtimestamp(time.time() - within, tz=dt.timezone.utc)
    recent = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS],
                                                            tags={DRIVER_TAG: "sensor"}, updated_after=since))
    pending = []
    for refresh_id in sorted({r.dagster_run.tags[REFRESH_TAG] for r in recent if REFRESH_TAG in r.dagster_run.tags}):
        runs = instance.get_runs(filters=dg.RunsFilter(tags={REFRESH_TAG: refresh_id}))
        if all(r.status == dg.DagsterRunStatus.SUCCESS and r.job_name != WAREHOUSE_JOB for r in runs):
            pending.append(refresh_id)
    return pending


def refresh_in_progress(instance: dg.DagsterInstance) -> str | None:
    """Why the instance has a refresh in progress (a run of one unfinished, or one between
    two runs), or None: the one answer the refresh command, the sensors and the schedule give."""
    if active := active_refresh_runs(instance):
        run = active[0]
        return (f"refresh {run.tags[REFRESH_TAG]} ({run.tags.get(TRIGGER_TAG, 'unknown')}) has {len(active)} run(s) "
                f"in progress, e.g. {run.job_name} run {run.run_id[:8]} ({run.status.value})")
    if between := refreshes_between_runs(instance):
        return (f"refresh {between[0]}, which the daemon carries on run by run (refresh_chain), is between two "
                "runs; try again when its refresh_warehouse run has ended")
    return None
