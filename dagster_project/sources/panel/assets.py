"""Raw asset for the register panel (S6): one partition per year."""
# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.

import dagster as dg

from dagster_project.pseudonym import demo_key_warning
from dagster_project.quality import parameters
from dagster_project.resources import WarehouseResource
from dagster_project.settings import Settings
from dagster_project.sources.ingest import OWNERS, ingest, raw_check_spec
from dagster_project.sources.panel.readers import (
    FILE_PATTERN,
    PANEL_YEARS,
    SOURCE_COLUMN_NAMES,
    panel_file,
    read_person_years,
)

PANEL_YEAR_PARTITIONS = dg.StaticPartitionsDefinition(list(PANEL_YEARS))


def raw_person_years_inputs(settings: Settings, year: str):
    """(landing files, suite parameters) of one partition."""
    return [settings.landing_dir / panel_file(year)], parameters.raw_person_years(int(year))


@dg.asset(
    partitions_def=PANEL_YEAR_PARTITIONS,
    check_specs=[raw_check_spec("raw_person_years", PANEL_YEAR_PARTITIONS)],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S6", "provider": "Danmarks_Statistik", "pii": "true"},
    description=(
        "The register panel: one row per person and year (2008-2025) for everybody living in a "
        "register area, and for three years after moving out, with the outcomes the evaluation "
        "uses. One partition per year. CPR numbers are replaced by keyed pseudonyms (person_key) "
        "in the reader; no CPR number is written or logged."
    ),
    metadata={"landing_files": FILE_PATTERN.format(year="<YYYY>")},
)
def raw_person_years(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    year = context.partition_key
    settings = warehouse.settings()
    files, suite_parameters = raw_person_years_inputs(settings, year)
    if warning := demo_key_warning():
        context.log.warning(warning)
    yield from ingest(
        context, asset="raw_person_years", partition=year, landing_dir=settings.landing_dir,
        raw_dir=settings.raw_dir, files=files, read=lambda: read_person_years(files[0], settings.landing_dir),
        parameters=suite_parameters, column_labels=SOURCE_COLUMN_NAMES,
    )
