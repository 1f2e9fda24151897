"""Every source the warehouse ingests, in the order a refresh gates them: a source whose
gate reads another's gated data (``gated_against``) comes after it."""

from __future__ import annotations

from dagster_project.sources.indicators.source import SOURCE as AREA_INDICATORS
from dagster_project.sources.lbf.source import SOURCE as LBF_GRANTS
from dagster_project.sources.lists.source import SOURCE as AREA_LISTS
from dagster_project.sources.panel.source import SOURCE as PERSON_YEARS
from dagster_project.sources.participants.source import SOURCE as PARTICIPANT_REGISTRATIONS
from dagster_project.sources.register.source import AREAS as REGISTER_AREAS
from dagster_project.sources.register.source import ESTATES as REGISTER_ESTATES
from dagster_project.sources.source import Source
from dagster_project.sources.statbank.source import SOURCE as STATBANK_FOLK1A

SOURCES: tuple[Source, ...] = (
    REGISTER_AREAS, REGISTER_ESTATES, STATBANK_FOLK1A, LBF_GRANTS, AREA_LISTS, AREA_INDICATORS, PERSON_YEARS,
    PARTICIPANT_REGISTRATIONS,
)
BY_ASSET: dict[str, Source] = {s.asset: s for s in SOURCES}


def _check_order() -> None:
    seen: set[str] = set()
    for source in SOURCES:
        missing = set(source.gated_against) - seen
        if missing:
            raise ValueError(f"{source.asset} is gated against {sorted(missing)}, which must come before it")
        seen.add(source.asset)


_check_order()
