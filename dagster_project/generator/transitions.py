"""What takes areas off the government lists: the measures of the 2018 package that follow
from a list (docs/generator.md, "Area transitions").

After the list of 1 December of year Y (Y >= 2018):

- **development plans** (udviklingsplaner): an area on the list as hårdt ghettoområde or
  omdannelsesområde for the first time gets a plan from Y + 1. Over the plan's years a
  share of its family dwellings is demolished or sold (capacity falls; residents of those
  dwellings move out), the remaining and new dwellings are let to a different mix of
  residents for good, and its disadvantage falls after each later list;
- **allocation rules** (kombineret udlejning, no allocation of persons on integration
  benefits): another area on the list in any udsat category lets its vacant dwellings
  in Y + 2 to fewer non-Western and more often working in-movers;
- **being named**: its disadvantage is lower from Y + 1 on, for good (crime prevention,
  the social work that comes with the list).

Everything acts through area_model's per-year arrays, which the panel reads (population.py),
so the panel, the indicators, the lists and the truth stay one world.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from dagster_project.generator.area_model import YEARS, AreaModel, stream
from dagster_project.generator.lists import HARD_GHETTO, OMDANNELSE, UDSAT_CATEGORIES


@dataclass(frozen=True)
class TransitionParameters:
    first_list: int = 2018                # the first list whose areas the measures follow
    # Listed areas without a development plan:
    letting_lag: int = 2                  # the allocation rules apply this many years after the list,
    letting_nonwestern: float = 0.5       # for that year: in-movers' non-Western share times this,
    letting_trait: float = 0.8            # and their family trait plus this;
    lag: int = 1                          # from this many years after the list
    listed_fall: float = 0.05             # the disadvantage is lower by this, for good, per list.
    # Development plans (hårdt ghettoområde / omdannelsesområde, from the year after the list):
    plan_removed: tuple[float, float] = (0.2, 0.55)  # share of the dwellings demolished or sold (uniform)
    plan_years: int = 8                   # evenly over this many years (to 2026-2032)
    plan_nonwestern: float = 0.5          # in-movers' non-Western share times this, for good
    plan_trait: float = 0.8               # their family trait plus this
    plan_fall: float = 0.04               # the disadvantage lower by this per list after the plan began


class AreaTransitions:
    def __init__(self, model: AreaModel, seed: int, params: TransitionParameters | None = None):
        self.model = model
        self.params = params or TransitionParameters()
        self.rng = stream(seed, "transitions")
        n = len(model.area_ids)
        self.plan_start = np.zeros(n, dtype=np.int64)  # 0: no development plan
        self.plan_removed = np.zeros(n)
        self.events: list[dict] = []

    def after_list(self, year: int, categories: list[str | None]) -> None:
        """Change the years after ``year`` for the areas on its list."""
        p, model = self.params, self.model
        if year < p.first_list or year >= YEARS[-1]:
            return
        col = model.year_index(year + 1)
        category = np.array(categories, dtype=object)
        # Development plans: the first time an area is hårdt ghettoområde / omdannelsesområde.
        hard = np.isin(category, (HARD_GHETTO, OMDANNELSE))
        new_plans = np.flatnonzero(hard & (self.plan_start == 0))
        removed = self.rng.uniform(*p.plan_removed, size=len(new_plans))
        for a, share in zip(new_plans, removed, strict=True):
            self.plan_start[a] = year + 1
            self.plan_removed[a] = share
            for k in range(len(YEARS) - col):
                done = min(1.0, (k + 1) / p.plan_years)
                model.capacity[a, col + k] = int(round(model.residents[a] * (1.0 - share * done)))
            model.inmover_nonwestern[a, col:] *= p.plan_nonwestern
            model.inmover_trait[a, col:] += p.plan_trait
            self.events.append({"area_id": model.area_ids[a], "list_year": year, "plan_from": year + 1,
                                "dwellings_removed_share": round(float(share), 4),
                                "residents_before": int(model.residents[a]),
                                "capacity_2025": int(model.capacity[a, -1])})
        planned = self.plan_start > 0
        # Other listed areas: allocation rules for a year, disadvantage lower for good.
        listed = np.isin(category, UDSAT_CATEGORIES) & ~planned
        if year + p.letting_lag <= YEARS[-1]:
            letting = model.year_index(year + p.letting_lag)
            model.inmover_nonwestern[listed, letting] *= p.letting_nonwestern
            model.inmover_trait[listed, letting] += p.letting_trait
        if year + p.lag <= YEARS[-1]:
            later = model.year_index(year + p.lag)
            model.disadvantage[listed, later:] -= p.listed_fall
            model.disadvantage[planned, later:] -= p.plan_fall

    def manifest(self) -> dict:
        """The truth about the transitions: parameters and every development plan."""
        return {"parameters": asdict(self.params), "development_plans": self.events}
