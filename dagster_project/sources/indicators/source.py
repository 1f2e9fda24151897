"""S4: LBF's area indicators ("Boligsociale Data"), one partition per yearly file."""

from __future__ import annotations

from dagster_project.quality import parameters
from dagster_project.sources.indicators.readers import FILE_PATTERN, SOURCE_COLUMN_NAMES, read_area_indicators
from dagster_project.sources.source import LandingFiles, Partitioning, Source, keyed_file, year_key

key_of, file_of = year_key(FILE_PATTERN)

SOURCE = Source(
    asset="raw_area_indicators",
    contract="S4",
    provider="Landsbyggefonden",
    description=(
        "LBF's \"Boligsociale Data\": one value per area, indicator and year, one partition per "
        "yearly file. Values the provider suppressed ('..') are NULL with suppressed = true, never 0."
    ),
    landing=LandingFiles(patterns=("indikatorer/*",), contract=FILE_PATTERN.format(year="<YYYY>"), key_of=key_of,
                         file_of=file_of),
    partitioning=Partitioning.FILES,
    files=keyed_file(file_of),
    read=lambda settings, key: read_area_indicators(settings.landing_dir / file_of(key), settings.landing_dir),
    parameters=lambda settings, key: parameters.raw_area_indicators(int(key)),
    column_labels=lambda _key: SOURCE_COLUMN_NAMES,
)
