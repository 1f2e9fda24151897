"""Raw asset for the participant registrations (S5): one dynamic partition per landing
file, registered by the full refresh and by the landing sensor as files arrive."""
# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.

import dagster as dg

from dagster_project.pseudonym import demo_key_warning
from dagster_project.quality import parameters
from dagster_project.resources import WarehouseResource
from dagster_project.settings import Settings
from dagster_project.sources.ingest import OWNERS, ingest, raw_check_spec
from dagster_project.sources.participants.readers import (
    FILE_PATTERN,
    SOURCE_COLUMN_NAMES,
    read_registrations,
    registration_file,
    split_key,
)

REGISTRATION_PARTITIONS = dg.DynamicPartitionsDefinition(name="participant_registration_files")


def raw_participant_registrations_inputs(settings: Settings, key: str):
    """(landing files, suite parameters) of one partition; the parameters name the plans of
    the round in the gated grants, so new grants re-gate the round's registrations."""
    funding_round, year = split_key(key)
    path = settings.landing_dir / registration_file(key)
    return [path], parameters.raw_participant_registrations(funding_round, year, settings.raw_dir, path)


@dg.asset(
    partitions_def=REGISTRATION_PARTITIONS,
    check_specs=[raw_check_spec("raw_participant_registrations", REGISTRATION_PARTITIONS)],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S5", "provider": "helhedsplanerne", "pii": "true"},
    description=(
        "Participants registered by the helhedsplaner: one row per person and activity episode. "
        "One partition per landing file, keyed <round>_<YYYY> (e.g. 2011-14_2013). CPR numbers are "
        "replaced by keyed pseudonyms (person_key) in the reader; no CPR number is written or logged."
    ),
    metadata={"landing_files": FILE_PATTERN.format(round="<round>", year="<YYYY>")},
)
def raw_participant_registrations(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    key = context.partition_key
    settings = warehouse.settings()
    files, suite_parameters = raw_participant_registrations_inputs(settings, key)
    if warning := demo_key_warning():
        context.log.warning(warning)
    yield from ingest(
        context, asset="raw_participant_registrations", partition=key, landing_dir=settings.landing_dir,
        raw_dir=settings.raw_dir, files=files, read=lambda: read_registrations(files[0], settings.landing_dir),
        parameters=suite_parameters, column_labels=SOURCE_COLUMN_NAMES,
    )
