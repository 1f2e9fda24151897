"""Suite parameters that come from reference data (the dbt seeds), per partition."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from dagster_project.reference import FUNDING_ROUNDS, focus_areas, funding_rounds, municipalities
from dagster_project.sources.common import RawStore


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
}


def shared_parameters(names: Iterable[str]) -> dict[str, Any]:
    unknown = [n for n in names if n not in SHARED_PARAMETERS]
    if unknown:
        raise KeyError(f"unknown suite parameter(s) {unknown}; known: {sorted(SHARED_PARAMETERS)}")
    return {name: SHARED_PARAMETERS[name]() for name in names}
