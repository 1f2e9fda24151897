"""Jobs, built from the source registry: the unpartitioned raw sources (registers,
Statbank) together in `ingest_unpartitioned_sources`; each partitioned raw source in its
own `ingest_<source>` job (one run ingests any range of its partitions, all of them in a
full refresh); `refresh_warehouse` builds the warehouse from the gated raw layer (dbt,
mart gates, publish, the reports after it). A full refresh is these runs, in the order
automation/plan.py gives."""

from __future__ import annotations

import dagster as dg

from dagster_project.sources.registry import SOURCES
from dagster_project.sources.source import Source

UNPARTITIONED_JOB = "ingest_unpartitioned_sources"
WAREHOUSE_JOB = "refresh_warehouse"
UNPARTITIONED_SOURCES = tuple(s for s in SOURCES if not s.partitioned)
PARTITIONED_SOURCES = tuple(s for s in SOURCES if s.partitioned)
RAW_ASSET_KEYS = tuple(dg.AssetKey(s.asset) for s in SOURCES)


def ingest_job_name(source: Source) -> str:
    """'raw_person_years' -> 'ingest_person_years'; the unpartitioned sources share one job."""
    return f"ingest_{source.asset.removeprefix('raw_')}" if source.partitioned else UNPARTITIONED_JOB


ingest_unpartitioned_job = dg.define_asset_job(
    UNPARTITIONED_JOB,
    selection=dg.AssetSelection.assets(*(s.asset for s in UNPARTITIONED_SOURCES)),
    description="Ingest the unpartitioned raw sources (" + ", ".join(s.asset for s in UNPARTITIONED_SOURCES)
                + ") through their gates into the raw layer.",
)

partitioned_ingest_jobs = [
    dg.define_asset_job(
        ingest_job_name(source),
        selection=dg.AssetSelection.assets(source.asset),
        description=f"Ingest partitions of {source.asset} ({source.contract}) through its gate into the raw layer: "
                    "any range of partitions in one run (a full refresh runs them all).",
    )
    for source in PARTITIONED_SOURCES
]

refresh_warehouse_job = dg.define_asset_job(
    WAREHOUSE_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*RAW_ASSET_KEYS),
    description=(
        "Rebuild the warehouse from the gated raw layer: dbt build (models and tests), the mart "
        "expectation suites, then publish if every gate passed, and the reports drawn from the published version."
    ),
)

ingest_jobs = [ingest_unpartitioned_job, *partitioned_ingest_jobs]
ALL_JOBS = [*ingest_jobs, refresh_warehouse_job]
JOB_OF_ASSET = {s.asset: ingest_job_name(s) for s in SOURCES}
