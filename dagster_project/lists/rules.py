"""The government area lists' rules as data (the seed ref_list_rules, docs/list_rules.md),
applied to indicator values: one implementation for the generator's lists (S3) and the
list forecast (``python -m dagster_project list-rules``). The list check in dbt
(int_area__lists_rules) reads the same seed and applies it in SQL, independently.

A category of a list year holds for an area when every ``required`` criterion holds and
at least ``criteria_required`` of its ``counted`` criteria do; the area is written with
the qualifying category of the highest specificity (ref_list_categories). Values are
floats in the units S4 publishes them in (percent, ratio, persons), NaN where suppressed
('..'): a suppressed value meets no criterion. A value and a threshold that are the same
decimal number parse to the same float, so ``>`` and ``>=`` are exact at the threshold.

The history criterion (indicator ``LISTED_PREVIOUS_YEARS``, threshold N) counts the N
previous lists on which the area had a category with ``ghetto_list`` (the ghetto or
parallelsamfund list): ``>= 4`` is "on the list in each of the four previous years".
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import numpy as np

from dagster_project.reference import ListRule, list_category_specs, list_rules

HISTORY_INDICATOR = "LISTED_PREVIOUS_YEARS"
COMPARISONS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
ROLES = ("required", "counted")


class ListRulesError(ValueError):
    """A year without rules, or a seed whose rules contradict each other."""


def threshold_text(value: Decimal) -> str:
    """2.7 -> '2.7', 40 -> '40' (as the rule is written in docs/list_rules.md)."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Criterion:
    name: str
    indicator_code: str
    comparison: str
    threshold: Decimal

    @property
    def rule(self) -> str:
        return f"{self.indicator_code} {self.comparison} {threshold_text(self.threshold)}"

    @property
    def is_history(self) -> bool:
        return self.indicator_code == HISTORY_INDICATOR

    @property
    def history_years(self) -> int:
        """How many previous lists the history criterion looks back on."""
        return int(self.threshold)

    def meets(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        return ~np.isnan(values) & COMPARISONS[self.comparison](values, float(self.threshold))

    def margin(self, values: np.ndarray) -> np.ndarray:
        """How far a value lies on the meeting side of the threshold (negative: short of it)."""
        values = np.asarray(values, dtype=np.float64)
        sign = 1.0 if self.comparison in (">", ">=") else -1.0
        return sign * (values - float(self.threshold))


@dataclass(frozen=True)
class CategoryRules:
    category: str
    specificity: int
    ghetto_list: bool
    required: tuple[Criterion, ...]
    counted: tuple[Criterion, ...]
    criteria_required: int

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return self.required + self.counted

    def qualifies(self, met: Mapping[str, np.ndarray]) -> np.ndarray:
        """Whether each area meets this category's rules, from each criterion's 'met'."""
        n = len(next(iter(met.values())))
        ok = np.ones(n, dtype=bool)
        for c in self.required:
            ok &= met[c.name]
        count = np.zeros(n, dtype=np.int64)
        for c in self.counted:
            count += met[c.name]
        return ok & (count >= self.criteria_required)


@dataclass(frozen=True)
class YearRules:
    year: int
    categories: tuple[CategoryRules, ...]  # highest specificity first

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Every criterion of the year once, in the seed's order."""
        seen: dict[str, Criterion] = {}
        for category in sorted(self.categories, key=lambda c: c.specificity):
            for c in category.criteria:
                seen.setdefault(c.name, c)
        return tuple(seen.values())

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        """The S4 indicators the year's rules use."""
        return tuple(dict.fromkeys(c.indicator_code for c in self.criteria if not c.is_history))

    @property
    def history(self) -> Criterion | None:
        return next((c for c in self.criteria if c.is_history), None)

    def met(self, values: Mapping[str, np.ndarray], listed_before: np.ndarray | None) -> dict[str, np.ndarray]:
        """criterion -> whether each area meets it. ``listed_before``: per area, on how many of
        the history criterion's previous lists it was (needed only when the year has one)."""
        out = {}
        for c in self.criteria:
            if c.is_history:
                if listed_before is None:
                    raise ListRulesError(f"the rules of {self.year} need the previous lists ({c.rule})")
                out[c.name] = c.meets(np.asarray(listed_before, dtype=np.float64))
            else:
                out[c.name] = c.meets(values[c.indicator_code])
        return out

    def classify(self, values: Mapping[str, np.ndarray], listed_before: np.ndarray | None = None
                 ) -> list[str | None]:
        """The category of each area (None: not listed)."""
        met = self.met(values, listed_before)
        n = len(next(iter(met.values())))
        category: list[str | None] = [None] * n
        for rules in reversed(self.categories):  # the most specific category is written last
            for a in np.flatnonzero(rules.qualifies(met)):
                category[a] = rules.category
        return category

    def on_ghetto_list(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Whether each area would be on the ghetto or parallelsamfund list, whatever its
        history: a category with ghetto_list whose criteria other than history hold."""
        n = len(next(iter(values.values())))
        met = {c.name: np.ones(n, dtype=bool) if c.is_history else c.meets(values[c.indicator_code])
               for c in self.criteria}
        out = np.zeros(n, dtype=bool)
        for rules in self.categories:
            if rules.ghetto_list:
                out |= rules.qualifies(met)
        return out


@cache
def rule_years() -> tuple[int, ...]:
    """The list years the seed has rules for."""
    return tuple(sorted({y for r in list_rules() for y in range(r.first_year, r.last_year + 1)}))


def describe_years(years: tuple[int, ...]) -> str:
    """(2010, ..., 2026) -> '2010-2026' (ranges joined by ', ')."""
    parts, start = [], None
    for i, y in enumerate(years):
        if start is None:
            start = y
        if i + 1 == len(years) or years[i + 1] != y + 1:
            parts.append(str(start) if start == y else f"{start}-{y}")
            start = None
    return ", ".join(parts)


@cache
def rules_for(year: int) -> YearRules:
    """The rules of the list of 1 December ``year``; ListRulesError for a year without rules."""
    rows = [r for r in list_rules() if r.first_year <= year <= r.last_year]
    if not rows:
        raise ListRulesError(f"no list rules for {year}: ref_list_rules has rules for the lists of "
                             f"{describe_years(rule_years())}")
    specs = {c.category: c for c in list_category_specs()}
    by_category: dict[str, list[ListRule]] = {}
    for r in rows:
        by_category.setdefault(r.category, []).append(r)
    definitions: dict[str, Criterion] = {}
    categories = []
    for category, items in by_category.items():
        spec = specs.get(category)
        if spec is None or not spec.first_year <= year <= spec.last_year:
            raise ListRulesError(f"ref_list_rules: {category!r} is not a category of ref_list_categories in {year}")
        if len({r.criteria_required for r in items}) != 1:
            raise ListRulesError(f"ref_list_rules: {category!r} in {year} has more than one criteria_required")
        criteria: dict[str, list[Criterion]] = {role: [] for role in ROLES}
        for r in items:
            if r.comparison not in COMPARISONS or r.role not in ROLES:
                raise ListRulesError(f"ref_list_rules: {category!r} {r.criterion!r} in {year}: comparison must be one "
                                     f"of {sorted(COMPARISONS)} and role one of {list(ROLES)}")
            c = Criterion(r.criterion, r.indicator_code, r.comparison, r.threshold)
            if definitions.setdefault(c.name, c) != c:
                raise ListRulesError(f"ref_list_rules: criterion {c.name!r} has two definitions in {year} "
                                     f"({definitions[c.name].rule}; {c.rule})")
            criteria[r.role].append(c)
        categories.append(CategoryRules(category, spec.specificity, spec.ghetto_list, tuple(criteria["required"]),
                                        tuple(criteria["counted"]), items[0].criteria_required))
    specificities = [c.specificity for c in categories]
    if len(set(specificities)) != len(specificities):
        raise ListRulesError(f"ref_list_categories: two categories of {year} have the same specificity")
    return YearRules(year, tuple(sorted(categories, key=lambda c: -c.specificity)))


class ListHistory:
    """Which areas were on the ghetto or parallelsamfund list in which year, for the
    history criterion of later years."""

    def __init__(self) -> None:
        self.years: dict[int, np.ndarray] = {}

    def record(self, year: int, categories: list[str | None]) -> None:
        ghetto = {c.category for c in list_category_specs() if c.ghetto_list}
        self.years[year] = np.array([c in ghetto for c in categories], dtype=bool)

    def listed_before(self, year: int, back: int, n_areas: int) -> np.ndarray:
        """Per area, on how many of the lists of year - back .. year - 1 it was (a year
        without a recorded list counts as not on it)."""
        count = np.zeros(n_areas, dtype=np.int64)
        for y in range(year - back, year):
            if y in self.years:
                count += self.years[y]
        return count

