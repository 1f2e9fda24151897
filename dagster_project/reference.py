"""Reference data shared by the generator, the readers and the gates.

The dbt seeds in ``dbt/seeds/reference`` are the single source of truth; Python reads
the same CSV files rather than keeping a copy.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache

from dagster_project.settings import REFERENCE_SEEDS_DIR

FUNDING_ROUNDS = ("2011-14", "2015-18", "2019-26")


def _rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_SEEDS_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int
    region_name: str


@dataclass(frozen=True)
class FundingRound:
    key: str
    name: str
    first_year: int
    last_year: int
    earliest_start: dt.date
    latest_start: dt.date
    latest_end: dt.date
    min_local_cofinancing_share: float


@cache
def municipalities() -> tuple[Municipality, ...]:
    return tuple(
        Municipality(int(r["municipality_code"]), r["municipality_name"], int(r["region_code"]), r["region_name"])
        for r in _rows("ref_municipalities")
    )


@cache
def funding_rounds() -> dict[str, FundingRound]:
    return {
        r["funding_round"]: FundingRound(
            key=r["funding_round"],
            name=r["round_name"],
            first_year=int(r["first_year"]),
            last_year=int(r["last_year"]),
            earliest_start=dt.date.fromisoformat(r["earliest_start"]),
            latest_start=dt.date.fromisoformat(r["latest_start"]),
            latest_end=dt.date.fromisoformat(r["latest_end"]),
            min_local_cofinancing_share=float(r["min_local_cofinancing_share"]),
        )
        for r in _rows("ref_funding_rounds")
    }


@cache
def focus_areas(funding_round: str) -> tuple[str, ...]:
    """The indsatsområder of one round, by their Danish names, in LBF's order."""
    rows = [r for r in _rows("ref_focus_areas") if r["funding_round"] == funding_round]
    return tuple(r["focus_area_name"] for r in sorted(rows, key=lambda r: int(r["sort_order"])))


@dataclass(frozen=True)
class Activity:
    code: str
    name: str
    min_age: int
    max_age: int
    gender: str | None  # "K" or "M" when the activity is for one gender only
    primary_outcome: str
    primary_horizon: int


@cache
def activities() -> tuple[Activity, ...]:
    """The activity codes participants are registered under (S5), in the seed's order."""
    return tuple(
        Activity(r["activity_code"], r["activity_name"], int(r["min_age"]), int(r["max_age"]),
                 r["gender"] or None, r["primary_outcome"], int(r["primary_horizon"]))
        for r in _rows("ref_activities")
    )
