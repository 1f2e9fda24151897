"""S5: the participants the helhedsplaner register, one partition per landing file."""

from __future__ import annotations

from dagster_project.quality import parameters
from dagster_project.sources.participants.readers import (
    FILE_PATTERN,
    SOURCE_COLUMN_NAMES,
    partition_key,
    read_registrations,
    registration_file,
    split_key,
)
from dagster_project.sources.source import LandingFiles, Partitioning, Source, keyed_file


def key_of(relative: str) -> str:
    return partition_key(relative) or relative


def file_of(key: str) -> str:
    return key if "/" in key else registration_file(key)


def _parameters(settings, key):
    funding_round, year = split_key(key)
    return parameters.raw_participant_registrations(funding_round, year, settings.raw_dir)


SOURCE = Source(
    asset="raw_participant_registrations",
    contract="S5",
    provider="helhedsplanerne",
    description=(
        "Participants registered by the helhedsplaner: one row per person and activity episode. "
        "One partition per landing file, keyed <round>_<YYYY> (e.g. 2011-14_2013). CPR numbers are "
        "replaced by keyed pseudonyms (person_key) in the reader; no CPR number is written or logged."
    ),
    landing=LandingFiles(patterns=("deltagere/*", "deltagere/*/*"),
                         contract=FILE_PATTERN.format(round="<round>", year="<YYYY>"), key_of=key_of, file_of=file_of),
    partitioning=Partitioning.FILES,
    files=keyed_file(file_of),
    read=lambda settings, key: read_registrations(settings.landing_dir / file_of(key), settings.landing_dir),
    # A registration may only name a plan of its round in the gated grants.
    parameters=_parameters,
    gated_against=("raw_lbf_grants",),
    pii=True,
    column_labels=lambda _key: SOURCE_COLUMN_NAMES,
)
