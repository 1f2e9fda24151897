"""S3: the government's lists of udsatte boligområder, one partition per list file."""

from __future__ import annotations

from dagster_project.quality import parameters
from dagster_project.sources.lists.readers import FILE_PATTERN, SOURCE_COLUMN_NAMES, read_area_list
from dagster_project.sources.source import LandingFiles, Partitioning, Source, keyed_file, year_key

key_of, file_of = year_key(FILE_PATTERN)

SOURCE = Source(
    asset="raw_area_lists",
    contract="S3",
    provider="Boligministeriet",
    description=(
        "The government's list of udsatte boligområder of 1 December each year, one partition per "
        "list file (keyed by its year): every listed area by name and kommune, its criteria and its "
        "category (ghettoområde, udsat boligområde, parallelsamfund, ...). Names are resolved to "
        "areas in dbt (int_area__lists_resolved), gated there."
    ),
    landing=LandingFiles(patterns=("lister/*",), contract=FILE_PATTERN.format(year="<YYYY>"), key_of=key_of,
                         file_of=file_of),
    partitioning=Partitioning.FILES,
    files=keyed_file(file_of),
    read=lambda settings, key: read_area_list(settings.landing_dir / file_of(key), settings.landing_dir),
    parameters=lambda settings, key: parameters.raw_area_lists(int(key)),
    column_labels=lambda _key: SOURCE_COLUMN_NAMES,
)
