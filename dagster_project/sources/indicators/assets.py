"""Raw asset for LBF's area indicators (S4): one partition per year."""
# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.

import dagster as dg

from dagster_project.quality import parameters
from dagster_project.resources import WarehouseResource
from dagster_project.settings import Settings
from dagster_project.sources.indicators.readers import (
    FILE_PATTERN,
    INDICATOR_YEARS,
    SOURCE_COLUMN_NAMES,
    indicator_file,
    read_area_indicators,
)
from dagster_project.sources.ingest import OWNERS, ingest, raw_check_spec

INDICATOR_YEAR_PARTITIONS = dg.StaticPartitionsDefinition(list(INDICATOR_YEARS))


def raw_area_indicators_inputs(settings: Settings, year: str):
    """(landing files, suite parameters) of one partition."""
    return [settings.landing_dir / indicator_file(year)], parameters.raw_area_indicators(int(year))


@dg.asset(
    partitions_def=INDICATOR_YEAR_PARTITIONS,
    check_specs=[raw_check_spec("raw_area_indicators", INDICATOR_YEAR_PARTITIONS)],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S4", "provider": "Landsbyggefonden", "pii": "false"},
    description=(
        "LBF's \"Boligsociale Data\": one value per area, indicator and year (2008-2025), one "
        "partition per year. Values the provider suppressed ('..') are NULL with suppressed = "
        "true, never 0."
    ),
    metadata={"landing_files": FILE_PATTERN.format(year="<YYYY>")},
)
def raw_area_indicators(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    year = context.partition_key
    settings = warehouse.settings()
    files, suite_parameters = raw_area_indicators_inputs(settings, year)
    yield from ingest(
        context, asset="raw_area_indicators", partition=year, landing_dir=settings.landing_dir,
        raw_dir=settings.raw_dir, files=files, read=lambda: read_area_indicators(files[0], settings.landing_dir),
        parameters=suite_parameters, column_labels=SOURCE_COLUMN_NAMES,
    )
