"""Area-level parameters behind the outcome sources (S3, S4, S6): each area's disadvantage
over the years, its share of non-Western residents, which round funded it first, and which
plans cover it in which year.

The world (world.py) gives every area a disadvantage score d ~ N(0, 1) that also drove
which areas were funded. Here it drifts a little from year to year, so that areas enter
and leave the government lists as real ones do. The per-year arrays (disadvantage,
capacity, in-movers' origin and family trait) start as the world gives them; the area
transitions (transitions.py) change their future years once a list has named an area.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from dagster_project.generator.effects import expit
from dagster_project.generator.world import Plan, World
from dagster_project.reference import FUNDING_ROUNDS, municipalities

FIRST_YEAR = 2008
LAST_YEAR = 2025
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
LIST_YEARS = tuple(range(2010, LAST_YEAR + 1))
NEVER = "never"
# Disadvantage of the places persons who moved out of the register's areas live in.
ELSEWHERE_DISADVANTAGE = -1.0


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per purpose, so adding draws to one part of the
    generator never changes another part's output."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


@dataclass
class AreaModel:
    world: World
    area_ids: list[str]
    municipality: np.ndarray       # kommunekode per area
    region: np.ndarray             # region code per area
    residents: np.ndarray          # target residents per area (from the dwellings)
    disadvantage: np.ndarray       # (areas, years): d + drift
    nonwestern_share: np.ndarray   # expected share of non-Western residents
    capacity: np.ndarray           # (areas, years): residents the area's dwellings hold that year
    inmover_nonwestern: np.ndarray  # (areas, years): share of non-Western persons among in-movers
    inmover_trait: np.ndarray      # (areas, years): shift of in-movers' family trait (ses)
    offsets: np.ndarray            # (areas, 4): area-specific deviations of the other indicators
    uses_alias: np.ndarray         # the ministry's lists spell this area's name differently
    first_round: list[str]         # round of first funding, or "never"
    plans: list[Plan]              # every plan of every round
    plan_round: list[str]
    coverage: dict[int, list[list[int]]]  # year -> per area, indices into plans active that year

    def year_index(self, year: int) -> int:
        """Column of ``year`` in the per-year arrays (burn-in years use the first)."""
        return min(max(year, FIRST_YEAR), LAST_YEAR) - FIRST_YEAR

    def group_code(self) -> np.ndarray:
        """Index of each area's first funding round in (2011-14, 2015-18, 2019-26, never)."""
        order = (*FUNDING_ROUNDS, NEVER)
        return np.array([order.index(r) for r in self.first_round], dtype=np.int8)


ALIAS_SHARE = 0.2
# The economy as the areas felt it: a term common to every area's disadvantage, worse from
# the financial crisis to 2013, better in the upswing after it (linear between the years).
CYCLE = {2008: -0.25, 2010: -0.25, 2011: -0.2, 2012: 0.1, 2013: 0.2, 2014: 0.1, 2015: 0.0, 2016: -0.05,
         2017: -0.1, 2018: -0.05, 2019: -0.05, 2020: -0.15, 2022: -0.2, 2023: -0.2, 2024: -0.28, 2025: -0.3}
# Immigration raised the non-Western share of in-movers, by this much by this year.
INMOVER_NONWESTERN_RISE = (0.05, 2016)


def cycle() -> np.ndarray:
    """The common term of the disadvantage, per year of YEARS."""
    return np.interp(YEARS, sorted(CYCLE), [CYCLE[y] for y in sorted(CYCLE)])


def build_area_model(world: World, seed: int) -> AreaModel:
    rng = stream(seed, "areas")
    n = len(world.areas)
    regions = {m.code: m.region_code for m in municipalities()}
    d = np.array([a.disadvantage for a in world.areas])
    drift = np.cumsum(rng.normal(0.0, 0.07, size=(n, len(YEARS))), axis=1)
    drift -= drift[:, :1]
    # Non-Western share 20-75 %, rising with disadvantage, with an area-specific part so
    # that not every disadvantaged area has a non-Western majority.
    nonwestern = 0.20 + 0.55 * expit(1.7 * (0.5 * d + 0.85 * rng.normal(size=n) - 0.5))
    offsets = rng.normal(size=(n, 4))
    uses_alias = rng.random(n) < ALIAS_SHARE

    plans: list[Plan] = []
    plan_round: list[str] = []
    first_round = {}
    for funding_round in FUNDING_ROUNDS:
        for plan in world.plans[funding_round]:
            plans.append(plan)
            plan_round.append(funding_round)
            for area in plan.areas:
                first_round.setdefault(area.area_id, funding_round)
    index = {a.area_id: i for i, a in enumerate(world.areas)}
    residents = np.array([a.residents for a in world.areas])
    rise, rise_until = INMOVER_NONWESTERN_RISE
    coverage: dict[int, list[list[int]]] = {}
    for year in YEARS:
        per_area: list[list[int]] = [[] for _ in range(n)]
        for p, plan in enumerate(plans):
            if plan.start.year <= year <= plan.end.year:
                for area in plan.areas:
                    per_area[index[area.area_id]].append(p)
        coverage[year] = per_area
    return AreaModel(
        world=world,
        area_ids=[a.area_id for a in world.areas],
        municipality=np.array([a.municipality_code for a in world.areas]),
        region=np.array([regions[a.municipality_code] for a in world.areas]),
        residents=residents,
        disadvantage=d[:, None] + drift + cycle()[None, :],
        nonwestern_share=nonwestern,
        capacity=np.repeat(residents[:, None], len(YEARS), axis=1),
        inmover_nonwestern=nonwestern[:, None] + rise * np.clip(
            (np.array(YEARS) - FIRST_YEAR) / (rise_until - FIRST_YEAR), 0.0, 1.0)[None, :],
        inmover_trait=np.zeros((n, len(YEARS))),
        offsets=offsets,
        uses_alias=uses_alias,
        first_round=[first_round.get(a.area_id, NEVER) for a in world.areas],
        plans=plans,
        plan_round=plan_round,
        coverage=coverage,
    )
