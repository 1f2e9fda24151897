"""Raw asset for the government's area lists (S3): one partition per list year."""
# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.

import dagster as dg

from dagster_project.quality import parameters
from dagster_project.resources import WarehouseResource
from dagster_project.settings import Settings
from dagster_project.sources.ingest import OWNERS, ingest, raw_check_spec
from dagster_project.sources.lists.readers import (
    FILE_PATTERN,
    LIST_YEARS,
    SOURCE_COLUMN_NAMES,
    list_file,
    read_area_list,
)

LIST_YEAR_PARTITIONS = dg.StaticPartitionsDefinition(list(LIST_YEARS))


def raw_area_lists_inputs(settings: Settings, year: str):
    """(landing files, suite parameters) of one partition."""
    return [settings.landing_dir / list_file(year)], parameters.raw_area_lists(int(year))


@dg.asset(
    partitions_def=LIST_YEAR_PARTITIONS,
    check_specs=[raw_check_spec("raw_area_lists", LIST_YEAR_PARTITIONS)],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S3", "provider": "Boligministeriet", "pii": "false"},
    description=(
        "The government's list of udsatte boligområder of 1 December each year (2010-2025), one "
        "partition per list year: every listed area by name and kommune, its criteria and its "
        "category (ghettoområde, udsat boligområde, parallelsamfund, ...). Names are resolved to "
        "areas in dbt (int_area__lists_resolved), gated there."
    ),
    metadata={"landing_files": FILE_PATTERN.format(year="<YYYY>")},
)
def raw_area_lists(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    year = context.partition_key
    settings = warehouse.settings()
    files, suite_parameters = raw_area_lists_inputs(settings, year)
    yield from ingest(
        context, asset="raw_area_lists", partition=year, landing_dir=settings.landing_dir, raw_dir=settings.raw_dir,
        files=files, read=lambda: read_area_list(files[0], settings.landing_dir),
        parameters=suite_parameters, column_labels=SOURCE_COLUMN_NAMES,
    )
