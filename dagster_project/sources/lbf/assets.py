"""Raw asset for LBF's grants: one partition per funding round, each in its own format."""
# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.

import dagster as dg

from dagster_project.quality import parameters
from dagster_project.reference import FUNDING_ROUNDS
from dagster_project.resources import WarehouseResource
from dagster_project.settings import Settings
from dagster_project.sources.ingest import OWNERS, ingest, raw_check_spec
from dagster_project.sources.lbf.readers import GRANT_FILES, SOURCE_COLUMN_NAMES, read_grants

FUNDING_ROUND_PARTITIONS = dg.StaticPartitionsDefinition(list(FUNDING_ROUNDS))


def raw_lbf_grants_inputs(settings: Settings, funding_round: str):
    """(landing files, suite parameters) of one partition."""
    return [settings.landing_dir / GRANT_FILES[funding_round]], parameters.raw_lbf_grants(funding_round)


@dg.asset(
    partitions_def=FUNDING_ROUND_PARTITIONS,
    check_specs=[raw_check_spec("raw_lbf_grants", FUNDING_ROUND_PARTITIONS)],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S1", "provider": "Landsbyggefonden", "pii": "false"},
    description=(
        "Landsbyggefonden's grants to boligsociale helhedsplaner, one partition per funding round "
        "(pulje). 2011-14 arrives as a cp1252 CSV (S1a), 2015-18 as an Excel workbook (S1b), "
        "2019-26 as a JSON API export (S1c); each is read into one raw shape with provenance "
        "(file, sha256, row, load time) and written to the raw layer only if its expectation "
        "suite passed."
    ),
    metadata={"landing_files": dg.MetadataValue.json(GRANT_FILES)},
)
def raw_lbf_grants(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    funding_round = context.partition_key
    settings = warehouse.settings()
    files, suite_parameters = raw_lbf_grants_inputs(settings, funding_round)
    yield from ingest(
        context,
        asset="raw_lbf_grants",
        partition=funding_round,
        landing_dir=settings.landing_dir,
        raw_dir=settings.raw_dir,
        files=files,
        read=lambda: read_grants(funding_round, settings.landing_dir),
        parameters=suite_parameters,
        column_labels=SOURCE_COLUMN_NAMES[funding_round],
    )
