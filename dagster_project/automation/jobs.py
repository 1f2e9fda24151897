"""Jobs. A partitioned raw source is ingested by its own job, one run per partition;
everything unpartitioned (registers, dbt, gates, publish) runs in `refresh_warehouse`.
Dagster runs one partitions definition per run, so a full refresh is a sequence of
runs: see full_refresh.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from dagster_project.settings import Settings
from dagster_project.sources.lbf.assets import FUNDING_ROUND_PARTITIONS, raw_lbf_grants


def _all_keys(partitions: dg.PartitionsDefinition) -> Callable[[Settings, dg.DagsterInstance], list[str]]:
    return lambda _settings, instance: partitions.get_partition_keys(dynamic_partitions_store=instance)


@dataclass(frozen=True)
class PartitionedSource:
    """A partitioned raw source: its ingestion job, and which partition keys a full refresh
    ingests (by default every key; a source with dynamic partitions registers the keys of
    the files in the landing directory first)."""

    job_name: str
    asset: dg.AssetsDefinition
    partitions_def: dg.PartitionsDefinition
    keys: Callable[[Settings, dg.DagsterInstance], list[str]] = field(default=None)  # type: ignore[assignment]

    def partition_keys(self, settings: Settings, instance: dg.DagsterInstance) -> list[str]:
        return (self.keys or _all_keys(self.partitions_def))(settings, instance)

    def job(self) -> dg.UnresolvedAssetJobDefinition:
        return dg.define_asset_job(
            self.job_name,
            selection=dg.AssetSelection.assets(self.asset),
            partitions_def=self.partitions_def,
            description=f"Ingest one partition of {self.asset.key.to_user_string()} through its gate into the raw layer.",
        )


# Every partitioned raw source, in ingestion order.
PARTITIONED_SOURCES = [
    PartitionedSource("ingest_lbf_grants", raw_lbf_grants, FUNDING_ROUND_PARTITIONS),
]

ingest_jobs = [source.job() for source in PARTITIONED_SOURCES]

refresh_warehouse_job = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*[s.asset for s in PARTITIONED_SOURCES]),
    description=(
        "Rebuild the warehouse from the gated raw layer: unpartitioned sources, dbt build (models "
        "and tests), the mart expectation suites, then publish if every gate passed."
    ),
)
