"""What a refresh runs, as pure argument builders: one run per ingestion job over all of
its source's partitions, then the warehouse.

A full refresh is at most ``len(PARTITIONED_SOURCES) + 2`` runs (today 7): the
unpartitioned sources together, each partitioned source over the range of all its
partitions (a single-run backfill), and `refresh_warehouse`. A run waits for the runs of
the sources its gate reads (``Source.gated_against``), and the warehouse for all of them.
Every entry point plans with these functions: the refresh command, the monthly schedule
and the landing sensor (through automation/sensors.py's continuation), so they run the
same runs with the same gates and the same publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from dagster_project.automation.jobs import JOB_OF_ASSET, UNPARTITIONED_JOB, WAREHOUSE_JOB
from dagster_project.sources.registry import BY_ASSET, SOURCES
from dagster_project.sources.source import Source

# Tags every run of one refresh carries.
REFRESH_TAG = "boligsocial/refresh"  # the refresh's id
TRIGGER_TAG = "boligsocial/trigger"  # cli, schedule, landing_sensor
DRIVER_TAG = "boligsocial/driver"  # 'cli': the command launches the runs itself; 'sensor': refresh_chain does
SCOPE_TAG = "boligsocial/refresh_scope"  # 'all', or 'downstream' of what a landing batch ingested
# The largest source is started first, so that the others run beside it.
FIRST = ("raw_person_years",)


@dataclass(frozen=True)
class PlannedRun:
    job: str
    partitions: tuple[str, ...] = ()  # in the partitions' order; () for an unpartitioned job
    after: tuple[str, ...] = ()  # jobs that must have succeeded first
    asset_selection: tuple[str, ...] | None = None  # None: the whole job
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def partition_range(self) -> tuple[str, str] | None:
        return (self.partitions[0], self.partitions[-1]) if self.partitions else None

    @property
    def label(self) -> str:
        if not self.partitions:
            return self.job
        if len(self.partitions) == 1:
            return f"{self.job} [{self.partitions[0]}]"
        return f"{self.job} [{self.partitions[0]}...{self.partitions[-1]}, {len(self.partitions)} partitions]"

    def run_tags(self, base: Mapping[str, str]) -> dict[str, str]:
        tags = {**base, **self.tags}
        if self.partitions:
            # Dagster's tags of a run over a range of partitions (a single-run backfill).
            tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG] = self.partition_range
        return tags


def _after(source: Source, jobs: set[str]) -> tuple[str, ...]:
    return tuple(sorted({JOB_OF_ASSET[name] for name in source.gated_against} & jobs - {JOB_OF_ASSET[source.asset]}))


def ingestion_runs(partitions: Mapping[str, Sequence[str]], sources: Iterable[Source] = SOURCES) -> list[PlannedRun]:
    """One run per ingestion job of ``sources``: all partitions of a partitioned source
    (``partitions``: asset -> keys in the partitions' order; a source without any is not
    run), the unpartitioned sources together."""
    sources = list(sources)
    runs: dict[str, PlannedRun] = {}
    jobs = {JOB_OF_ASSET[s.asset] for s in sources if not s.partitioned or partitions.get(s.asset)}
    for source in sources:
        job = JOB_OF_ASSET[source.asset]
        if job not in jobs or job in runs:
            continue
        if source.partitioned:
            runs[job] = PlannedRun(job, tuple(partitions[source.asset]), _after(source, jobs))
        else:
            members = [s for s in sources if JOB_OF_ASSET[s.asset] == job]
            after = tuple(sorted({j for s in members for j in _after(s, jobs)}))
            runs[job] = PlannedRun(job, (), after)
    first = [r for r in runs.values() if any(JOB_OF_ASSET[a] == r.job for a in FIRST)]
    return first + [r for r in runs.values() if r not in first]


def full_refresh(partitions: Mapping[str, Sequence[str]]) -> list[PlannedRun]:
    """Every raw source, then the whole warehouse."""
    ingestion = ingestion_runs(partitions)
    return [*ingestion, warehouse_run([r.job for r in ingestion])]


def warehouse_run(after: Iterable[str], selection: Sequence[str] | None = None) -> PlannedRun:
    return PlannedRun(WAREHOUSE_JOB, (), tuple(sorted(set(after))),
                      tuple(selection) if selection is not None else None,
                      {SCOPE_TAG: "all" if selection is None else "downstream"})


def sources_of_files(assets: Iterable[str]) -> list[Source]:
    """The sources whose landing files changed, and the sources gated against them (their
    gate's parameters changed), in registry order."""
    wanted = set(assets)
    grew = True
    while grew:
        grew = False
        for source in SOURCES:
            if source.asset not in wanted and wanted & set(source.gated_against):
                wanted.add(source.asset)
                grew = True
    return [BY_ASSET[a] for a in (s.asset for s in SOURCES) if a in wanted]


def next_runs(plan: Sequence[PlannedRun], status: Mapping[str, str]) -> list[PlannedRun]:
    """The runs of ``plan`` that may start now: not started, and every run they wait for
    succeeded. ``status`` maps a job to 'success', 'failure' or 'running' (started)."""
    return [run for run in plan if run.job not in status
            and all(status.get(job) == "success" for job in run.after)]


__all__ = ["UNPARTITIONED_JOB", "PlannedRun", "full_refresh", "ingestion_runs", "next_runs", "warehouse_run"]
