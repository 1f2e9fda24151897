"""Suite parameters that come from reference data (the dbt seeds), per partition."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from dagster_project.core.raw_store import RawStore
from dagster_project.pseudonym import PERSON_KEY_PATTERN
from dagster_project.reference import (
    FUNDING_ROUNDS,
    MUNICIPAL_ELECTION_YEARS,
    activity_codes,
    all_list_categories,
    focus_areas,
    funding_rounds,
    indicator_codes,
    list_categories,
    municipalities,
    outcome_codes,
)


def municipality_codes() -> list[int]:
    return [m.code for m in municipalities()]


def raw_lbf_grants(funding_round: str) -> dict[str, Any]:
    spec = funding_rounds()[funding_round]
    names = "|".join(re.escape(name) for name in focus_areas(funding_round))
    return {
        "funding_round_set": [funding_round],
        "municipality_codes": municipality_codes(),
        "focus_area_pattern": rf"^(?:{names})(?:\|(?:{names}))*$",
        "earliest_start": spec.earliest_start,
        "latest_start": spec.latest_start,
        "latest_end": spec.latest_end,
        "min_local_cofinancing_share": spec.min_local_cofinancing_share,
    }


def raw_register_areas() -> dict[str, Any]:
    return {"municipality_codes": municipality_codes()}


def raw_register_estates(raw_dir: Path) -> dict[str, Any]:
    """The area ids of the gated area register (raw_register_areas runs first)."""
    areas = RawStore(raw_dir).path("raw_register_areas", None)
    if not areas.exists():
        raise FileNotFoundError(f"{areas} does not exist: raw_register_areas must be gated before the estates")
    return {"area_ids": sorted(pd.read_parquet(areas, columns=["boligomraade_id"])["boligomraade_id"].unique())}


# Parameters a mart suite may name in its meta.parameters: reference data from the seeds.
SHARED_PARAMETERS: dict[str, Callable[[], Any]] = {
    "municipality_codes": municipality_codes,
    "region_codes": lambda: sorted({m.region_code for m in municipalities()}),
    "funding_rounds": lambda: list(FUNDING_ROUNDS),
    "min_local_cofinancing_share": lambda: min(r.min_local_cofinancing_share for r in funding_rounds().values()),
    "list_categories": lambda: list(all_list_categories()),
    "indicator_codes": indicator_codes,
    "activity_codes": lambda: list(activity_codes()),
    "outcome_codes": lambda: list(outcome_codes()),
    "person_key_pattern": lambda: PERSON_KEY_PATTERN,
}


def shared_parameters(names: Iterable[str]) -> dict[str, Any]:
    unknown = [n for n in names if n not in SHARED_PARAMETERS]
    if unknown:
        raise KeyError(f"unknown suite parameter(s) {unknown}; known: {sorted(SHARED_PARAMETERS)}")
    return {name: SHARED_PARAMETERS[name]() for name in names}


def municipality_names() -> list[str]:
    return [m.name for m in municipalities()]


def raw_area_lists(year: int) -> dict[str, Any]:
    return {
        "list_year_set": [year],
        "municipality_names": municipality_names(),
        "categories": list(list_categories(year)),
    }


def raw_area_indicators(year: int) -> dict[str, Any]:
    return {"year_set": [year], "indicator_codes": indicator_codes(),
            "election_years": list(MUNICIPAL_ELECTION_YEARS)}


def raw_participant_registrations(funding_round: str, year: int, raw_dir: Path) -> dict[str, Any]:
    """Plans of the round come from the gated grants of that round in the raw layer, so a
    registration for a plan LBF never funded in the round fails the gate."""
    spec = funding_rounds()[funding_round]
    grants = raw_dir / "raw_lbf_grants" / f"{funding_round}.parquet"
    plan_ids = sorted(set(pq.read_table(grants, columns=["plan_id"]).column("plan_id").to_pylist())) \
        if grants.is_file() else []
    return {
        "funding_round_set": [funding_round],
        "year_set": [year],
        "plan_ids": plan_ids,
        "activity_codes": list(activity_codes()),
        "person_key_pattern": PERSON_KEY_PATTERN,
        # A participation starts in the file's year, within the round's period.
        "earliest_start": max(dt.date(year, 1, 1), spec.earliest_start),
        "latest_start": min(dt.date(year, 12, 31), spec.latest_end),
        "latest_end": spec.latest_end,
    }


def raw_person_years(year: int) -> dict[str, Any]:
    return {"year_set": [year], "latest_birth_year": year, "person_key_pattern": PERSON_KEY_PATTERN}


def raw_statbank_folk1a() -> dict[str, Any]:
    # '000' is all of Denmark; kommunekoder are three digits with leading zeros.
    return {"area_codes": ["000", *(f"{code:03d}" for code in municipality_codes())]}
