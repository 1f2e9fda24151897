"""S6: the register panel, one partition per yearly file of person-years."""

from __future__ import annotations

from dagster_project.quality import parameters
from dagster_project.sources.panel.readers import FILE_PATTERN, SOURCE_COLUMN_NAMES, read_person_years
from dagster_project.sources.source import LandingFiles, Partitioning, Source, keyed_file, year_key

key_of, file_of = year_key(FILE_PATTERN)

SOURCE = Source(
    asset="raw_person_years",
    contract="S6",
    provider="Danmarks_Statistik",
    description=(
        "The register panel: one row per person and year for everybody living in a register area, "
        "and for three years after moving out, with the outcomes the evaluation uses. One partition "
        "per yearly file. CPR numbers are replaced by keyed pseudonyms (person_key) in the reader; no "
        "CPR number is written or logged."
    ),
    landing=LandingFiles(patterns=("register/personaar_*",), contract=FILE_PATTERN.format(year="<YYYY>"),
                         key_of=key_of, file_of=file_of),
    partitioning=Partitioning.FILES,
    files=keyed_file(file_of),
    read=lambda settings, key: read_person_years(settings.landing_dir / file_of(key), settings.landing_dir),
    parameters=lambda settings, key: parameters.raw_person_years(int(key)),
    pii=True,
    column_labels=lambda _key: SOURCE_COLUMN_NAMES,
)
