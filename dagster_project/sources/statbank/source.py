"""S7: Statistics Denmark's FOLK1A, from the Statbank API when BOLIGSOCIAL_STATBANK_URL is
set, else from the bundled snapshot in the landing directory."""

from __future__ import annotations

from dagster_project.quality import parameters
from dagster_project.sources.source import LandingFiles, Partitioning, Source
from dagster_project.sources.statbank.client import URL_VARIABLE, StatbankClient, statbank_url
from dagster_project.sources.statbank.readers import SNAPSHOT_FILE, SOURCE_COLUMN_NAMES, TABLE, read_folk1a_snapshot


def _files(settings, _key):
    # An API answer is no landing file: its provenance is the URL (the frame's _source_file).
    return [] if statbank_url() else [settings.landing_dir / SNAPSHOT_FILE]


def _read(settings, _key):
    if url := statbank_url():
        return StatbankClient(url).folk1a()
    return read_folk1a_snapshot(settings.landing_dir / SNAPSHOT_FILE, settings.landing_dir)


SOURCE = Source(
    asset="raw_statbank_folk1a",
    contract="S7",
    provider="Danmarks_Statistik",
    description=(
        f"Population by kommune and quarter (Statbank table {TABLE}), the national reference series. "
        f"Fetched from the Statbank API (POST <base>/v1/data) when {URL_VARIABLE} is set; otherwise "
        f"read from the bundled snapshot {SNAPSHOT_FILE}, which has the API's answer format."
    ),
    landing=LandingFiles(patterns=("statbank/*",), contract=SNAPSHOT_FILE, fixed={None: SNAPSHOT_FILE}),
    partitioning=Partitioning.NONE,
    files=_files,
    read=_read,
    parameters=lambda settings, _key: parameters.raw_statbank_folk1a(),
    column_labels=lambda _key: SOURCE_COLUMN_NAMES,
)
