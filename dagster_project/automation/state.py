"""What the Dagster instance says now, as the refresh command, the sensors and the
schedule all read it: each partitioned source's keys, and the runs of refreshes that have
not finished."""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.plan import REFRESH_TAG
from dagster_project.sources.registry import SOURCES
from dagster_project.sources.source import Partitioning

# A canceling run still holds its step's resources: it counts as in progress.
UNFINISHED = (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
              dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING)


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
