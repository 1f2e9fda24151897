"""Reference data shared by the generator, the readers and the gates.

The dbt seeds in ``dbt/seeds/reference`` are the single source of truth; Python reads
the same CSV files rather than keeping a copy.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
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


# Municipal elections (kommunalvalg) in the years the warehouse covers: every fourth
# year from 2009. VALGDELTAGELSE_PCT has a value only in these years.
MUNICIPAL_ELECTION_YEARS = (2009, 2013, 2017, 2021, 2025)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    suppression_allowed: bool
    election_years_only: bool


@cache
def indicators() -> tuple[Indicator, ...]:
    return tuple(
        Indicator(r["indicator_code"], r["indicator_name"], r["unit"], r["suppression_allowed"] == "true",
                  r["election_years_only"] == "true")
        for r in _rows("ref_indicators")
    )


def indicator_codes() -> list[str]:
    """The indicator codes an indicator file may hold. Every file holds every indicator;
    one published only in election years is '..' in the others."""
    return [i.code for i in indicators()]


@cache
def list_categories(year: int) -> tuple[str, ...]:
    """The categories a government list of 1 December ``year`` may use."""
    return tuple(r["category"] for r in _rows("ref_list_categories")
                 if int(r["first_year"]) <= year <= int(r["last_year"]))


def all_list_categories() -> tuple[str, ...]:
    """Every category any government list may use (ref_list_categories)."""
    return tuple(sorted({r["category"] for r in _rows("ref_list_categories")}))


@dataclass(frozen=True)
class ListCategory:
    category: str
    first_year: int
    last_year: int
    specificity: int  # a listed area carries the qualifying category of the highest specificity
    ghetto_list: bool  # counts as "on the ghetto or parallelsamfund list" for the history criterion


@cache
def list_category_specs() -> tuple[ListCategory, ...]:
    """Every category of the government lists (ref_list_categories), in the seed's order."""
    return tuple(ListCategory(r["category"], int(r["first_year"]), int(r["last_year"]), int(r["specificity"]),
                              r["ghetto_list"] == "true")
                 for r in _rows("ref_list_categories"))


@dataclass(frozen=True)
class ListRule:
    """One criterion of one category of the government lists in a range of list years
    (ref_list_rules; docs/list_rules.md)."""

    first_year: int
    last_year: int
    category: str
    criterion: str
    indicator_code: str  # an S4 code, or LISTED_PREVIOUS_YEARS for the history criterion
    comparison: str  # '>', '>=', '<' or '<='
    threshold: Decimal
    role: str  # 'required': must hold; 'counted': one of the criteria of which criteria_required must hold
    criteria_required: int


@cache
def list_rules() -> tuple[ListRule, ...]:
    """Every rule of every government list, in the seed's order."""
    return tuple(ListRule(int(r["first_year"]), int(r["last_year"]), r["category"], r["criterion"],
                          r["indicator_code"], r["comparison"], Decimal(r["threshold"]), r["role"],
                          int(r["criteria_required"]))
                 for r in _rows("ref_list_rules"))


def activity_codes() -> tuple[str, ...]:
    return tuple(a.code for a in activities())


@cache
def outcome_codes() -> tuple[str, ...]:
    """The outcomes measured for participants (ref_outcomes), by the panel's column name."""
    return tuple(r["outcome"] for r in _rows("ref_outcomes"))
