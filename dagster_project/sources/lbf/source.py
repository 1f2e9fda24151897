"""S1: Landsbyggefonden's grants, one partition per funding round, each in its own format."""

from __future__ import annotations

from dagster_project.quality import parameters
from dagster_project.reference import FUNDING_ROUNDS
from dagster_project.sources.lbf.readers import GRANT_FILES, SOURCE_COLUMN_NAMES, read_grants
from dagster_project.sources.source import LandingFiles, Partitioning, Source

SOURCE = Source(
    asset="raw_lbf_grants",
    contract="S1",
    provider="Landsbyggefonden",
    description=(
        "Landsbyggefonden's grants to boligsociale helhedsplaner, one partition per funding round "
        "(pulje). 2011-14 arrives as a cp1252 CSV (S1a), 2015-18 as an Excel workbook (S1b), "
        "2019-26 as a JSON API export (S1c); each is read into one raw shape with provenance "
        "(file, sha256, row, load time) and written to the raw layer only if its expectation "
        "suite passed."
    ),
    landing=LandingFiles(patterns=("lbf/*",), contract=", ".join(GRANT_FILES.values()), fixed=GRANT_FILES),
    partitioning=Partitioning.STATIC,
    static_keys=FUNDING_ROUNDS,
    files=lambda settings, key: [settings.landing_dir / GRANT_FILES[key]],
    read=lambda settings, key: read_grants(key, settings.landing_dir),
    parameters=lambda settings, key: parameters.raw_lbf_grants(key),
    column_labels=lambda key: SOURCE_COLUMN_NAMES[key],
)
