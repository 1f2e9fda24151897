"""Jobs. The unpartitioned raw sources (registers, Statbank) are ingested together by
`ingest_unpartitioned_sources`; a partitioned raw source by its own job, one run per
partition; `refresh_warehouse` builds the warehouse from the gated raw layer (dbt,
gates, publish). Dagster runs one partitions definition per run, so a full refresh is a
sequence of runs: see full_refresh.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from dagster_project.settings import Settings
from dagster_project.sources.indicators.assets import (
    INDICATOR_YEAR_PARTITIONS,
    raw_area_indicators,
    raw_area_indicators_inputs,
)
from dagster_project.sources.indicators.readers import indicator_file
from dagster_project.sources.ingest import gated_unchanged
from dagster_project.sources.lbf.assets import FUNDING_ROUND_PARTITIONS, raw_lbf_grants, raw_lbf_grants_inputs
from dagster_project.sources.lists.assets import LIST_YEAR_PARTITIONS, raw_area_lists, raw_area_lists_inputs
from dagster_project.sources.lists.readers import list_file
from dagster_project.sources.panel.assets import PANEL_YEAR_PARTITIONS, raw_person_years, raw_person_years_inputs
from dagster_project.sources.panel.readers import panel_file
from dagster_project.sources.participants.assets import (
    REGISTRATION_PARTITIONS,
    raw_participant_registrations,
    raw_participant_registrations_inputs,
)
from dagster_project.sources.participants.readers import landing_keys
from dagster_project.sources.register.assets import raw_register_areas, raw_register_estates
from dagster_project.sources.statbank.assets import raw_statbank_folk1a


def _all_keys(partitions: dg.PartitionsDefinition) -> Callable[[Settings, dg.DagsterInstance], list[str]]:
    return lambda _settings, instance: partitions.get_partition_keys(dynamic_partitions_store=instance)


@dataclass(frozen=True)
class PlannedRun:
    job_name: str
    partition: str | None
    skip: str | None = None  # why the full refresh does not run it
    source: PartitionedSource | None = None


@dataclass(frozen=True)
class PartitionedSource:
    """A partitioned raw source: its ingestion job, and which partition keys a full refresh
    ingests (by default every key; a source with dynamic partitions registers the keys of
    the files in the landing directory first). With ``landing_file`` (partition key ->
    landing file), a partition whose file is absent is skipped, not failed: yearly files
    arrive over time, and a year not delivered yet is not an error. ``inputs`` (settings,
    key -> landing files, suite parameters) is what the asset reads and gates with: a
    partition whose inputs are unchanged since it was gated is not ingested again."""

    job_name: str
    asset: dg.AssetsDefinition
    partitions_def: dg.PartitionsDefinition
    keys: Callable[[Settings, dg.DagsterInstance], list[str]] = field(default=None)  # type: ignore[assignment]
    landing_file: Callable[[str], str] | None = None
    inputs: Callable[[Settings, str], tuple[list, dict]] | None = None

    def plan(self, settings: Settings, instance: dg.DagsterInstance) -> list[PlannedRun]:
        planned = []
        for key in (self.keys or _all_keys(self.partitions_def))(settings, instance):
            skip = None
            if self.landing_file and not (settings.landing_dir / self.landing_file(key)).is_file():
                skip = f"no landing file {self.landing_file(key)}"
            planned.append(PlannedRun(self.job_name, key, skip, self))
        return planned

    def gated_unchanged(self, settings: Settings, key: str) -> str | None:
        """The run that gated partition ``key`` if its inputs are unchanged since, else None."""
        if self.inputs is None:
            return None
        files, parameters = self.inputs(settings, key)
        return gated_unchanged(settings.raw_dir, self.asset.key.to_user_string(), key, files, parameters)

    def partition_keys(self, settings: Settings, instance: dg.DagsterInstance) -> list[str]:
        """The keys a full refresh runs (those it does not skip)."""
        return [p.partition for p in self.plan(settings, instance) if not p.skip]

    def job(self) -> dg.UnresolvedAssetJobDefinition:
        return dg.define_asset_job(
            self.job_name,
            selection=dg.AssetSelection.assets(self.asset),
            partitions_def=self.partitions_def,
            description=f"Ingest one partition of {self.asset.key.to_user_string()} through its gate into the raw layer.",
        )


def register_registration_files(settings: Settings, instance: dg.DagsterInstance) -> list[str]:
    """Add a dynamic partition for every registrations file in the landing directory that
    has none yet; return the keys of the files present."""
    keys = landing_keys(settings.landing_dir)
    name = REGISTRATION_PARTITIONS.name
    new = [k for k in keys if not instance.has_dynamic_partition(name, k)]
    if new:
        instance.add_dynamic_partitions(name, new)
    return keys


# Every partitioned raw source, in ingestion order: the registrations' gate reads the
# gated grants of their round, so grants come first.
PARTITIONED_SOURCES = [
    PartitionedSource("ingest_lbf_grants", raw_lbf_grants, FUNDING_ROUND_PARTITIONS, inputs=raw_lbf_grants_inputs),
    PartitionedSource("ingest_area_lists", raw_area_lists, LIST_YEAR_PARTITIONS, landing_file=list_file,
                      inputs=raw_area_lists_inputs),
    PartitionedSource("ingest_area_indicators", raw_area_indicators, INDICATOR_YEAR_PARTITIONS,
                      landing_file=indicator_file, inputs=raw_area_indicators_inputs),
    PartitionedSource("ingest_participant_registrations", raw_participant_registrations, REGISTRATION_PARTITIONS,
                      keys=register_registration_files, inputs=raw_participant_registrations_inputs),
    PartitionedSource("ingest_person_years", raw_person_years, PANEL_YEAR_PARTITIONS, landing_file=panel_file,
                      inputs=raw_person_years_inputs),
]

# The raw sources without partitions: one run, first in a full refresh. They are few,
# small and quick, so a bad register fails the refresh in seconds rather than after
# every partition of every partitioned source.
UNPARTITIONED_SOURCES = [raw_register_areas, raw_register_estates, raw_statbank_folk1a]

ingest_unpartitioned_job = dg.define_asset_job(
    "ingest_unpartitioned_sources",
    selection=dg.AssetSelection.assets(*UNPARTITIONED_SOURCES),
    description="Ingest the unpartitioned raw sources (area and estate register, Statbank FOLK1A) through "
                "their gates into the raw layer.",
)

ingest_jobs = [ingest_unpartitioned_job, *(source.job() for source in PARTITIONED_SOURCES)]
INGEST_JOBS = {job.name: job for job in ingest_jobs}


def ingest_job_of(asset: dg.AssetsDefinition) -> str:
    return next(s.job_name for s in PARTITIONED_SOURCES if s.asset is asset)


refresh_warehouse_job = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(*[s.asset for s in PARTITIONED_SOURCES], *UNPARTITIONED_SOURCES),
    description=(
        "Rebuild the warehouse from the gated raw layer: dbt build (models and tests), the mart "
        "expectation suites, then publish if every gate passed."
    ),
)
