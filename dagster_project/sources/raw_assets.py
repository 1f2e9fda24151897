"""The raw assets, one per source of the registry, and their partitions.

A partitioned raw asset has a single-run backfill policy: a backfill of all its
partitions ("Materialize all" in the UI, the full refresh) is one run, which gates the
partitions one after the other (sources/ingest.py). Its partitions are the landing files
present (dynamic partitions, kept in step with the landing directory by
``automation/inventory.py``), or the funding rounds.
"""

# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.

import inspect
import sys

import dagster as dg

from dagster_project.catalog import OWNERS, pii_tags
from dagster_project.resources import WarehouseResource
from dagster_project.sources.ingest import ingest, raw_check_spec
from dagster_project.sources.registry import BY_ASSET, SOURCES
from dagster_project.sources.source import Partitioning, Source

# A run with this tag ingests every partition again, also those whose inputs are
# unchanged since they were gated (`refresh --all`).
REINGEST_TAG = "boligsocial/reingest"


def partitions_def(source: Source) -> dg.PartitionsDefinition | None:
    if source.partitioning is Partitioning.STATIC:
        return dg.StaticPartitionsDefinition(list(source.static_keys))
    if source.partitioning is Partitioning.FILES:
        return dg.DynamicPartitionsDefinition(name=source.partitions_name)
    return None


def _code_references(source: Source) -> dg.CodeReferencesMetadataValue:
    """The source's declaration and its reader, where an auditor reads what it checks."""
    declaration = sys.modules[source.read.__module__]
    reader = sys.modules[declaration.__name__.rsplit(".", 1)[0] + ".readers"]
    return dg.CodeReferencesMetadataValue(code_references=[
        dg.LocalFileCodeReference(file_path=inspect.getfile(module), line_number=1, label=label)
        for module, label in ((declaration, "source declaration"), (reader, "reader"))])


def build_raw_asset(source: Source) -> dg.AssetsDefinition:
    partitions = partitions_def(source)

    @dg.asset(
        name=source.asset,
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run() if partitions else None,
        # A partitioned asset reports each partition's materialization itself.
        output_required=partitions is None,
        check_specs=[raw_check_spec(source, partitions)],
        # The gate reads the whole of the raw asset it is gated against (every partition).
        deps=[dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping() if BY_ASSET[name].partitioned else None)
              for name in source.gated_against],
        group_name="sources",
        kinds={"python", "parquet"},
        owners=OWNERS,
        tags={"source": source.contract, "provider": source.provider, **pii_tags(source.pii)},
        description=source.description,
        metadata={"landing_files": source.landing.contract, "dagster/code_references": _code_references(source)},
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        reuse = context.run.tags.get(REINGEST_TAG) != "true"
        yield from ingest(context, source, warehouse.settings(), reuse=reuse)

    return _raw


RAW_ASSETS: list[dg.AssetsDefinition] = [build_raw_asset(source) for source in SOURCES]
RAW_ASSET_BY_KEY: dict[str, dg.AssetsDefinition] = {a.key.to_user_string(): a for a in RAW_ASSETS}
