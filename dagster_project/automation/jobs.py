"""Jobs. A partitioned raw source is ingested by its own job, one run per partition;
everything unpartitioned (registers, dbt, gates, publish) runs in `refresh_warehouse`.
Dagster runs one partitions definition per run, so a full refresh is a sequence of
runs: see full_refresh.py."""

from __future__ import annotations

import dagster as dg

from dagster_project.sources.lbf.assets import FUNDING_ROUND_PARTITIONS, raw_lbf_grants

# (job name, asset, partitions) of every partitioned raw source, in ingestion order.
PARTITIONED_SOURCES = [
    ("ingest_lbf_grants", raw_lbf_grants, FUNDING_ROUND_PARTITIONS),
]

ingest_jobs = [
    dg.define_asset_job(
        name,
        selection=dg.AssetSelection.assets(asset),
        partitions_def=partitions,
        description=f"Ingest one partition of {asset.key.to_user_string()} through its gate into the raw layer.",
    )
    for name, asset, partitions in PARTITIONED_SOURCES
]

refresh_warehouse_job = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*[a for _, a, _ in PARTITIONED_SOURCES]),
    description=(
        "Rebuild the warehouse from the gated raw layer: unpartitioned sources, dbt build (models "
        "and tests), the mart expectation suites, then publish if every gate passed."
    ),
)
