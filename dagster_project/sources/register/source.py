"""S2: the register of almene boligområder and of their boligafdelinger (estates)."""

from __future__ import annotations

from dagster_project.quality import parameters
from dagster_project.sources.register.readers import AREAS_FILE, ESTATES_FILE, read_areas, read_estates
from dagster_project.sources.source import LandingFiles, Partitioning, Source, one_file

AREAS = Source(
    asset="raw_register_areas",
    contract="S2",
    provider="Landsbyggefonden",
    description="The register of almene boligområder: id, name and kommune of every area (S2).",
    landing=LandingFiles(patterns=(AREAS_FILE,), contract=AREAS_FILE, fixed={None: AREAS_FILE}),
    partitioning=Partitioning.NONE,
    files=one_file(AREAS_FILE),
    read=lambda settings, _key: read_areas(settings.landing_dir / AREAS_FILE, settings.landing_dir),
    parameters=lambda settings, _key: parameters.raw_register_areas(),
)

ESTATES = Source(
    asset="raw_register_estates",
    contract="S2",
    provider="Landsbyggefonden",
    description="The register of boligafdelinger: owner, area, dwellings and year built of every estate (S2).",
    landing=LandingFiles(patterns=(ESTATES_FILE,), contract=ESTATES_FILE, fixed={None: ESTATES_FILE}),
    partitioning=Partitioning.NONE,
    files=one_file(ESTATES_FILE),
    read=lambda settings, _key: read_estates(settings.landing_dir / ESTATES_FILE, settings.landing_dir),
    # Every estate's area must be in the gated area register.
    parameters=lambda settings, _key: parameters.raw_register_estates(settings.raw_dir),
    gated_against=("raw_register_areas",),
)
