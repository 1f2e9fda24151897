"""The person-year panel (S6) and, inside it, who takes part in what (S5) and what the
activities do (the truth): one vectorised simulation, year by year, 2008-2025.

Each year:

1. transitions from last year: deaths, moves out of the register's areas (a person who
   moved out is followed for three more years with no area, then leaves the panel),
   births, and in-movers who keep each area near its size from the dwellings;
2. the untreated outcomes Y0 of everyone in the panel, from models with persistence (last
   year's untreated status), area disadvantage, origin, parents' employment, a latent
   family trait and year trends; every binary outcome is ``1[U < p0]`` with its own
   uniform U;
3. selection of this year's participants on observables (participants.py);
4. the treated outcomes of everyone in the participation year or the two years after
   (effects.py); the panel shows them, the truth keeps both;
5. the year's rows are written, and the area aggregates behind the indicators (S4) kept.

The untreated world is simulated for everybody, so Y0 is exactly "the panel as it would
have been": persistence runs on Y0, and an activity changes the shown outcome in the three
years of its horizon only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from dagster_project.generator import cells
from dagster_project.generator.area_model import (
    ELSEWHERE_DISADVANTAGE,
    FIRST_YEAR,
    LAST_YEAR,
    NEVER,
    AreaModel,
    stream,
)
from dagster_project.generator.cpr import CprFactory
from dagster_project.generator.effects import (
    BINARY_OUTCOMES,
    EFFECT_OUTCOME,
    OUTCOMES,
    EffectParameters,
    expit,
    treated_absence,
    treated_binary,
)
from dagster_project.generator.participants import (
    SELECTION,
    eligible_age,
    episode_dates,
    linear_predictor,
    solve_intercept,
)
from dagster_project.reference import FUNDING_ROUNDS, activities

PANEL_FILE = "register/personaar_{year}.parquet"
PANEL_SCHEMA = pa.schema([
    ("cpr", pa.string()), ("aar", pa.int32()), ("koen", pa.string()), ("foedselsaar", pa.int32()),
    ("herkomst", pa.string()), ("boligomraade_id", pa.string()), ("fritidsjob", pa.bool_()),
    ("i_uddannelse", pa.bool_()), ("beskaeftiget", pa.bool_()), ("afgangseksamen", pa.bool_()),
    ("skolefravaer_pct", pa.float64()), ("mistanke_sigtelse", pa.bool_()), ("foraelder_beskaeftiget", pa.bool_()),
])
FOLLOW_YEARS_AFTER_MOVING_OUT = 3
# Years simulated before the panel starts, so that 2008 starts from settled statuses (and
# already holds persons who moved out in 2005-2007).
BURN_IN_YEARS = 6

# Ages (aar - foedselsaar) at which each outcome is defined (non-null) in the panel.
DEFINED_AGES = {
    "fritidsjob": (13, 17), "i_uddannelse": (0, 200), "beskaeftiget": (16, 66), "afgangseksamen": (15, 17),
    "skolefravaer_pct": (6, 16), "mistanke_sigtelse": (10, 200), "foraelder_beskaeftiget": (0, 17),
}
# i_uddannelse is false by definition below 15 (primary school is not education beyond it):
# the truth keeps it from 15, where it is a random outcome.
TRUTH_AGES = {**DEFINED_AGES, "i_uddannelse": (15, 200)}

NONWESTERN = (3, 4)
WESTERN = (1, 2)


def _in_ages(age: np.ndarray, outcome: str, table=DEFINED_AGES) -> np.ndarray:
    lo, hi = table[outcome]
    return (age >= lo) & (age <= hi)


def _by_age(age: np.ndarray, edges: list[tuple[int, float]]) -> np.ndarray:
    """Piecewise constant in age: edges [(from_age, value), ...] in increasing order."""
    out = np.zeros(age.shape)
    for lo, value in edges:
        out[age >= lo] = value
    return out


# ---------------------------------------------------------------------------------------
# Demography

def _death_probability(age: np.ndarray) -> np.ndarray:
    return np.minimum(0.4, np.exp(-10.3 + 0.094 * age))


MOVE_OUT = [(0, 0.065), (6, 0.05), (16, 0.06), (18, 0.13), (25, 0.10), (35, 0.06), (50, 0.04), (65, 0.03)]
FERTILITY_PEAK = 0.14

# Age distribution of a deprived area (weights per single year of age 0-99) and of in-movers.
_AGE = np.arange(100)
INITIAL_AGE_WEIGHTS = np.select(
    [_AGE < 18, _AGE < 30, _AGE < 50, _AGE < 65, _AGE < 80],
    [1.45, 1.45, 1.4, 1.0, 0.6], default=0.25 * np.exp(-(_AGE - 80) / 6.0))
IN_MOVER_AGE_WEIGHTS = np.select(
    [_AGE < 16, _AGE < 18, _AGE < 35, _AGE < 50, _AGE < 65, _AGE < 90],
    [2.0, 0.8, 3.2, 1.2, 0.5, 0.2], default=0.0)
# Nobody is aged 0 on 1 January (age is aar - foedselsaar): children born during a year
# enter the next year's panel at age 1.
INITIAL_AGE_WEIGHTS[0] = IN_MOVER_AGE_WEIGHTS[0] = 0.0


@dataclass
class People:
    """The working set: everyone in the panel this year, ordered by pid."""

    cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.cols["pid"])

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["cols"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def keep(self, mask: np.ndarray) -> None:
        self.cols = {k: v[mask] for k, v in self.cols.items()}

    def extend(self, other: dict[str, np.ndarray]) -> None:
        self.cols = {k: np.concatenate([v, other[k]]) for k, v in self.cols.items()}


@dataclass
class PanelResult:
    persons: int = 0
    person_years: dict[int, int] = field(default_factory=dict)
    residents: dict[int, int] = field(default_factory=dict)
    aggregates: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    episodes: dict[str, np.ndarray] = field(default_factory=dict)
    truth: dict[str, np.ndarray] = field(default_factory=dict)
    suspicion: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)


class Simulation:
    def __init__(self, model: AreaModel, params: EffectParameters, seed: int):
        self.model = model
        self.params = params
        self.seed = seed
        self.n_areas = len(model.area_ids)
        self.cpr = CprFactory(stream(seed, "cpr"))
        self.next_pid = 0
        self.acts = activities()
        self.group = model.group_code()
        self.episodes: list[dict[str, np.ndarray]] = []
        self.truth: list[dict[str, np.ndarray]] = []
        self.result = PanelResult()

    # -- persons -------------------------------------------------------------------------

    def _new_people(self, rng: np.random.Generator, birth_year: np.ndarray, female: np.ndarray,
                    origin: np.ndarray, area: np.ndarray) -> dict[str, np.ndarray]:
        n = len(birth_year)
        pid = np.arange(self.next_pid, self.next_pid + n, dtype=np.int64)
        self.next_pid += n
        unknown = np.full(n, -1, dtype=np.int8)
        return {
            "pid": pid, "cpr": self.cpr.issue(birth_year, female), "birth_year": birth_year.astype(np.int16),
            "female": female, "origin": origin.astype(np.int8), "area": area.astype(np.int16),
            "out_years": np.zeros(n, dtype=np.int8),
            "ses": rng.normal(size=n).astype(np.float32),
            "abs_mu": (np.log(4.2) + rng.normal(0.0, 0.4, size=n)).astype(np.float32),
            "prev_job": unknown.copy(), "prev_edu": unknown.copy(), "prev_emp": unknown.copy(),
            "prev_crime": unknown.copy(), "prev_pe": unknown.copy(),
            "exam_taken": np.zeros(n, dtype=bool), "prev_absz": np.full(n, np.nan, dtype=np.float32),
            # what the panel showed last year (baselines for selection)
            "shown_job": unknown.copy(), "shown_edu": unknown.copy(), "shown_emp": unknown.copy(),
            "shown_exam": unknown.copy(), "shown_abs": np.full(n, np.nan, dtype=np.float32),
            "done": np.zeros(n, dtype=np.int8),  # bit per activity taken part in
        }

    def _origins(self, rng: np.random.Generator, area: np.ndarray, age: np.ndarray,
                 share: np.ndarray) -> np.ndarray:
        u = rng.random(len(area))
        nonwestern = u < share
        western = (~nonwestern) & (u < share + 0.06)
        descendant = rng.random(len(area)) < np.where(age < 18, 0.8, 0.12)
        origin = np.zeros(len(area), dtype=np.int8)
        origin[western] = np.where(descendant[western], 2, 1)
        origin[nonwestern] = np.where(descendant[nonwestern], 4, 3)
        return origin

    def _movers_in(self, rng: np.random.Generator, year: int, area: np.ndarray,
                   weights: np.ndarray) -> dict[str, np.ndarray]:
        """In-movers of ``year``: origin and family trait as the area lets its dwellings that
        year (area_model's in-mover arrays, which the area transitions change)."""
        column = self.model.year_index(year)
        age = rng.choice(len(weights), size=len(area), p=weights / weights.sum())
        female = rng.random(len(area)) < 0.5
        movers = self._new_people(rng, year - age, female,
                                  self._origins(rng, area, age, self.model.inmover_nonwestern[area, column]), area)
        movers["ses"] += self.model.inmover_trait[area, column].astype(np.float32)
        return movers

    def _initial(self, rng: np.random.Generator, year: int) -> People:
        area = np.repeat(np.arange(self.n_areas), self.model.residents)
        return People(self._movers_in(rng, year, area, INITIAL_AGE_WEIGHTS))

    def _rehouse(self, people: People, year: int) -> None:
        """Where dwellings have been demolished or sold (area_model.capacity below the
        area's size) and more residents live there than the rest hold, residents chosen at
        random move out. (Elsewhere births may take an area a little over its size.)"""
        capacity = self.model.capacity[:, self.model.year_index(year)]
        resident = np.flatnonzero(people.area >= 0)
        surplus = np.maximum(0, np.bincount(people.area[resident], minlength=self.n_areas) - capacity)
        surplus[capacity >= self.model.residents] = 0
        if not surplus.any():
            return
        rng = stream(self.seed, f"rehousing-{year}")
        candidates = resident[surplus[people.area[resident]] > 0]
        order = candidates[np.lexsort((rng.random(len(candidates)), people.area[candidates]))]
        area = people.area[order]
        first = np.searchsorted(area, area)  # position of each area's first candidate
        leaves = order[np.arange(len(order)) - first < surplus[area]]
        people.area[leaves] = -1
        people.out_years[leaves] = 1

    def _transition(self, rng: np.random.Generator, people: People, year: int) -> None:
        age = year - people.birth_year.astype(np.int64)
        alive = rng.random(len(people)) >= _death_probability(age)
        # Followed movers age out of the panel three years after they left.
        moved = people.area < 0
        people.out_years[moved] += 1
        people.keep(alive & (people.out_years <= FOLLOW_YEARS_AFTER_MOVING_OUT))
        age = year - people.birth_year.astype(np.int64)
        resident = people.area >= 0
        d = self._disadvantage(people.area, year - 1)
        p_move = _by_age(age, MOVE_OUT) * np.exp(-0.1 * d)
        leaves = resident & (rng.random(len(people)) < p_move)
        people.area[leaves] = -1
        people.out_years[leaves] = 1
        # Births during last year, to mothers living in an area, appear on 1 January.
        mothers = (people.area >= 0) & people.female & (age >= 19) & (age <= 46)
        fertility = FERTILITY_PEAK * np.exp(-(((age - 1) - 30) / 6.5) ** 2)
        fertility *= np.where(np.isin(people.origin, NONWESTERN), 1.25, 1.0)
        births = mothers & (rng.random(len(people)) < fertility)
        mother_origin = people.origin[births]
        child_origin = np.select([mother_origin == 0, np.isin(mother_origin, WESTERN)],
                                 [0, np.where(rng.random(len(mother_origin)) < 0.7, 2, 0)], default=4)
        babies = self._new_people(rng, np.full(births.sum(), year - 1), rng.random(births.sum()) < 0.487,
                                  child_origin, people.area[births])
        people.extend(babies)
        self._rehouse(people, year)
        # In-movers fill each area back to what its dwellings hold.
        counts = np.bincount(people.area[people.area >= 0], minlength=self.n_areas)
        deficit = np.maximum(0, self.model.capacity[:, self.model.year_index(year)] - counts)
        area = np.repeat(np.arange(self.n_areas), deficit)
        people.extend(self._movers_in(rng, year, area, IN_MOVER_AGE_WEIGHTS))

    def _disadvantage(self, area: np.ndarray, year: int) -> np.ndarray:
        column = min(max(year, FIRST_YEAR), LAST_YEAR) - FIRST_YEAR
        return np.where(area >= 0, self.model.disadvantage[np.maximum(area, 0), column], ELSEWHERE_DISADVANTAGE)

    # -- untreated outcomes -----------------------------------------------------------------

    def _outcomes(self, rng: np.random.Generator, people: People, year: int) -> dict[str, np.ndarray]:
        n = len(people)
        age = year - people.birth_year.astype(np.int64)
        area = people.area
        resident = area >= 0
        d = self._disadvantage(area, year)
        female = people.female
        origin = people.origin
        nw_imm, nw_desc = origin == 3, origin == 4
        western = np.isin(origin, WESTERN)
        ses = people.ses.astype(np.float64)
        trend = year - 2015
        out: dict[str, np.ndarray] = {"age": age}
        u = {name: rng.random(n) for name in (*BINARY_OUTCOMES, "foraelder_beskaeftiget")}

        def persist(prev: np.ndarray, known_one: float, unknown: float) -> np.ndarray:
            return np.where(prev == 1, known_one, np.where(prev < 0, unknown, 0.0))

        def binary(name: str, eta: np.ndarray, defined: np.ndarray) -> None:
            p = expit(eta)
            out[f"p0_{name}"] = p
            out[f"u_{name}"] = u[name]
            out[name] = np.where(defined, (u[name] < p).astype(np.int8), np.int8(-1))

        # foraelder_beskaeftiget (0-17): the family's attachment to work.
        eta = (-0.7 + 0.8 * ses - 0.3 * d - 0.6 * nw_imm - 0.5 * nw_desc - 0.2 * western + 0.015 * trend
               + persist(people.prev_pe, 3.2, 1.6))
        binary("foraelder_beskaeftiget", eta, _in_ages(age, "foraelder_beskaeftiget"))
        parent_employed = out["foraelder_beskaeftiget"] == 1

        # i_uddannelse: education beyond primary school; false below 15.
        base = _by_age(age, [(15, -0.6), (16, 0.8), (18, 0.0), (20, -1.5), (25, -2.4), (30, -3.3), (40, -3.9),
                             (65, -6.0)])
        prev_edu = np.where(age >= 16, people.prev_edu, np.int8(-1))
        eta = (base + 0.4 * ses - 0.2 * d + 0.15 * female - 0.3 * nw_imm + 0.1 * nw_desc + 0.01 * trend
               + persist(prev_edu, 2.3, 0.3))
        binary("i_uddannelse", eta, age >= 15)
        out["i_uddannelse"] = np.maximum(out["i_uddannelse"], 0)  # false, not null, below 15
        in_education = out["i_uddannelse"] == 1

        # beskaeftiget (16-66)
        base = _by_age(age, [(16, -1.5), (18, -1.3), (20, -1.05), (25, -0.9), (30, -0.8), (55, -1.1), (60, -1.9),
                             (65, -3.4)])
        eta = (base - 0.8 * in_education + 0.45 * ses - 0.3 * d - 0.5 * nw_imm - 0.25 * nw_desc - 0.1 * western
               - 0.25 * (female & nw_imm) + 0.006 * trend + persist(people.prev_emp, 3.4, 1.5))
        binary("beskaeftiget", eta, _in_ages(age, "beskaeftiget"))

        # fritidsjob (13-17)
        eta = (-1.9 + 0.25 * (age - 13) + 0.25 * ses - 0.25 * d - 0.6 * nw_imm - 0.4 * nw_desc - 0.1 * western
               + 0.4 * parent_employed + 0.1 * female + 0.012 * trend + persist(people.prev_job, 1.7, 0.5))
        binary("fritidsjob", eta, _in_ages(age, "fritidsjob"))

        # afgangseksamen (15-17): the 9th-grade exam, mostly in the year one turns 16.
        base = np.where(people.exam_taken, -4.0, _by_age(age, [(15, -2.8), (16, 1.45), (17, -0.5)]))
        eta = (base + 0.5 * ses - 0.25 * d - 0.5 * nw_imm - 0.1 * nw_desc + 0.35 * parent_employed
               + 0.03 * trend)
        binary("afgangseksamen", eta, _in_ages(age, "afgangseksamen"))

        # skolefravaer_pct (6-16): log absence, AR(1) around a personal level.
        level = (people.abs_mu + 0.12 * d - 0.12 * ses + 0.18 * (~parent_employed) + 0.035 * (age - 6)
                 + 0.08 * nw_imm - 0.01 * trend)
        shock = rng.normal(0.0, 0.32, size=n)
        prev = people.prev_absz.astype(np.float64)
        z = np.where(np.isnan(prev), level + shock * 1.25, 0.55 * prev + 0.45 * level + shock)
        absence = np.round(np.minimum(100.0, np.exp(z)), 1)
        defined = _in_ages(age, "skolefravaer_pct")
        out["absz"] = np.where(defined, z, np.nan)
        out["skolefravaer_pct"] = np.where(defined, absence, np.nan)

        # mistanke_sigtelse (10+). At 10-14 the expected rate of each area (and of those
        # living elsewhere) is the funding group's target; persons differ around it.
        crime = np.full(n, -1, dtype=np.int8)
        p = np.zeros(n)
        young = (age >= 10) & (age <= 14)
        weight = np.exp(1.1 * ~female + 1.6 * (people.prev_crime == 1) + 0.35 * ~parent_employed - 0.3 * ses
                        + 0.3 * (age - 12))
        key = np.where(resident, area + 1, 0)
        n_young = np.bincount(key[young], minlength=self.n_areas + 1)
        w_sum = np.bincount(key[young], weights=weight[young], minlength=self.n_areas + 1)
        targets = np.array([self.params.suspicion_target(NEVER, year)]
                           + [self.params.suspicion_target(self.model.first_round[a], year)
                              for a in range(self.n_areas)]) / 1000.0
        scale = np.divide(targets * n_young, w_sum, out=np.zeros_like(w_sum), where=w_sum > 0)
        p[young] = np.minimum(0.9, weight[young] * scale[key[young]])
        older = age >= 15
        base = _by_age(age, [(15, -4.4), (18, -4.6), (25, -5.2), (35, -5.9), (50, -6.6), (65, -8.0)])
        eta = (base + 1.5 * ~female + 1.8 * (people.prev_crime == 1) + 0.25 * d + 0.3 * (nw_imm | nw_desc)
               - 0.35 * ses - 0.02 * trend)
        p[older] = expit(eta[older])
        crime[young | older] = (u["mistanke_sigtelse"][young | older] < p[young | older]).astype(np.int8)
        out["p0_mistanke_sigtelse"] = p
        out["u_mistanke_sigtelse"] = u["mistanke_sigtelse"]
        out["mistanke_sigtelse"] = crime
        return out

    # -- participation ------------------------------------------------------------------------

    def _select(self, rng: np.random.Generator, people: People, year: int, y0: dict[str, np.ndarray]) -> None:
        covering = self.model.coverage[year]
        covered_area = np.array([len(c) > 0 for c in covering] + [False])  # last: elsewhere (-1)
        area = people.area
        covered = covered_area[area]  # area -1 indexes the trailing False
        if not covered.any():
            return
        age = y0["age"]
        band = cells.age_band(age)
        origin_group = cells.ORIGIN_GROUP_OF[people.origin]
        parent = cells.parent_cell(y0["foraelder_beskaeftiget"])
        for k, activity in enumerate(self.acts):
            eligible = (covered & eligible_age(activity, age, people.female) & (band >= 0)
                        & ((people.done >> k) & 1 == 0))
            idx = np.flatnonzero(eligible)
            if len(idx) == 0:
                continue
            baseline = self._baseline(activity.primary_outcome, people, idx)
            eta = linear_predictor(activity.code, band[idx], people.female[idx], origin_group[idx], baseline,
                                   parent[idx])
            alpha = solve_intercept(eta, SELECTION[activity.code].rate)
            chosen = rng.random(len(idx)) < expit(alpha + eta)
            sel = idx[chosen]
            if len(sel) == 0:
                continue
            people.done[sel] |= np.int8(1 << k)
            plan = np.array([covering[a][int(rng.integers(len(covering[a])))] for a in area[sel]], dtype=np.int32)
            plan_start = np.array([np.datetime64(self.model.plans[p].start) for p in plan])
            plan_end = np.array([np.datetime64(self.model.plans[p].end) for p in plan])
            start, end, registered = episode_dates(rng, activity.code, year, plan_start, plan_end)
            self.episodes.append({
                "pid": people.pid[sel], "cpr": people.cpr[sel], "activity": np.full(len(sel), k, dtype=np.int8),
                "year": np.full(len(sel), year, dtype=np.int16), "area": area[sel], "plan": plan,
                "female": people.female[sel], "age_band": band[sel], "origin_group": origin_group[sel],
                "baseline": baseline[chosen], "parent": parent[sel],
                "start": start, "end": end, "registered": registered,
            })

    @staticmethod
    def _baseline(outcome: str, people: People, idx: np.ndarray) -> np.ndarray:
        if outcome == "skolefravaer_pct":
            return cells.absence_baseline(people.shown_abs[idx].astype(np.float64))
        column = {"fritidsjob": "shown_job", "i_uddannelse": "shown_edu", "beskaeftiget": "shown_emp",
                  "afgangseksamen": "shown_exam"}[outcome]
        return cells.binary_baseline(people.cols[column][idx])

    # -- effects ------------------------------------------------------------------------------

    def _apply_effects(self, people: People, year: int, y0: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The shown outcomes of the year: Y0, with Y1 for everyone within an episode's horizon."""
        shown = {name: y0[name].copy() for name in (*BINARY_OUTCOMES, "skolefravaer_pct")}
        absence_shift = np.zeros(len(people))
        codes = [a.code for a in self.acts]
        for episode in self.episodes:
            horizon = year - int(episode["year"][0])
            if horizon < 0 or horizon > 2:
                continue
            pos = np.searchsorted(people.pid, episode["pid"])
            pos = np.minimum(pos, len(people) - 1)
            present = people.pid[pos] == episode["pid"]
            rows = np.flatnonzero(present)
            idx = pos[present]
            activity = codes[int(episode["activity"][0])]
            age = y0["age"][idx]
            female = episode["female"][rows]
            for outcome in OUTCOMES:
                ok = _in_ages(age, outcome, TRUTH_AGES)
                if outcome in BINARY_OUTCOMES:
                    ok &= y0[outcome][idx] >= 0
                if not ok.any():
                    continue
                r, i = rows[ok], idx[ok]
                kind, effect = self.params.effect_array(activity, outcome, horizon, female[ok])
                if outcome in BINARY_OUTCOMES:
                    p0 = y0[f"p0_{outcome}"][i]
                    p1, y1 = treated_binary(p0, y0[f"u_{outcome}"][i], effect)
                    y0_values = y0[outcome][i].astype(np.float64)
                    y1_values = y1.astype(np.float64)
                    if EFFECT_OUTCOME[activity] == outcome:
                        shown[outcome][i] = y1.astype(np.int8)
                else:
                    p0 = p1 = np.full(len(i), np.nan)
                    y0_values = y0[outcome][i]
                    y1_values = treated_absence(y0_values, effect)
                    if EFFECT_OUTCOME[activity] == outcome:
                        absence_shift[i] += effect
                self.truth.append({
                    "episode_rows": r, "outcome": outcome,
                    "horizon": horizon, "p0": p0, "p1": p1, "y0": y0_values, "y1": y1_values,
                    "effect_kind": kind, "effect": effect, "_episode": episode,
                })
        shifted = absence_shift != 0
        shown["skolefravaer_pct"][shifted] = treated_absence(y0["skolefravaer_pct"][shifted], absence_shift[shifted])
        return shown

    # -- the year's rows ------------------------------------------------------------------------

    def _table(self, people: People, year: int, shown: dict[str, np.ndarray], parent: np.ndarray) -> pa.Table:
        def nullable_bool(values: np.ndarray) -> pa.Array:
            return pa.array(values == 1, mask=values < 0, type=pa.bool_())

        area_ids = np.array(self.model.area_ids + [""], dtype=object)
        absence = shown["skolefravaer_pct"]
        return pa.table({
            "cpr": pa.array(people.cpr, type=pa.string()),
            "aar": pa.array(np.full(len(people), year, dtype=np.int32)),
            "koen": pa.array(np.where(people.female, "K", "M"), type=pa.string()),
            "foedselsaar": pa.array(people.birth_year.astype(np.int32)),
            "herkomst": pa.array(np.array(cells.ORIGINS, dtype=object)[people.origin], type=pa.string()),
            "boligomraade_id": pa.array(area_ids[people.area], mask=people.area < 0, type=pa.string()),
            "fritidsjob": nullable_bool(shown["fritidsjob"]),
            "i_uddannelse": pa.array(shown["i_uddannelse"] == 1, type=pa.bool_()),
            "beskaeftiget": nullable_bool(shown["beskaeftiget"]),
            "afgangseksamen": nullable_bool(shown["afgangseksamen"]),
            "skolefravaer_pct": pa.array(absence, mask=np.isnan(absence), type=pa.float64()),
            "mistanke_sigtelse": nullable_bool(shown["mistanke_sigtelse"]),
            "foraelder_beskaeftiget": nullable_bool(parent),
        }, schema=PANEL_SCHEMA)

    # -- the loop --------------------------------------------------------------------------------

    def run(self, write_year: Callable[[int, pa.Table], None],
            aggregate_year: Callable[..., dict[str, np.ndarray]],
            after_year: Callable[[int, dict[str, np.ndarray]], None] | None = None) -> PanelResult:
        """Simulate 2002-2025, write 2008-2025 through ``write_year(year, table)`` and keep
        ``aggregate_year(year, area, shown, age, origin)`` per year for the indicators.
        ``after_year(year, aggregates)`` runs at the end of each panel year: the year's
        indicators and list, and what the list changes in the areas' later years."""
        people: People | None = None
        for year in range(FIRST_YEAR - BURN_IN_YEARS, LAST_YEAR + 1):
            rng = stream(self.seed, f"panel-{year}")
            if people is None:
                people = self._initial(rng, year)
            else:
                self._transition(rng, people, year)
            y0 = self._outcomes(rng, people, year)
            if year < FIRST_YEAR:
                self._carry_over(people, y0, y0)
                continue
            self._select(stream(self.seed, f"select-{year}"), people, year, y0)
            shown = self._apply_effects(people, year, y0)
            write_year(year, self._table(people, year, shown, y0["foraelder_beskaeftiget"]))
            self.result.aggregates[year] = aggregate_year(year, people.area, shown, y0["age"], people.origin)
            if after_year is not None:
                after_year(year, self.result.aggregates[year])
            self._suspicion(people, year, shown, y0["age"])
            self.result.person_years[year] = len(people)
            self.result.residents[year] = int((people.area >= 0).sum())
            self._carry_over(people, y0, shown)
        self.result.persons = self.next_pid
        self.result.episodes = self._collect_episodes()
        self.result.truth = self._collect_truth()
        return self.result

    @staticmethod
    def _carry_over(people: People, y0: dict[str, np.ndarray], shown: dict[str, np.ndarray]) -> None:
        """Persistence runs on the untreated world; baselines are what the panel showed."""
        cols = people.cols
        cols["prev_job"], cols["prev_edu"] = y0["fritidsjob"], y0["i_uddannelse"]
        cols["prev_emp"], cols["prev_crime"] = y0["beskaeftiget"], y0["mistanke_sigtelse"]
        cols["prev_pe"] = y0["foraelder_beskaeftiget"]
        cols["exam_taken"] = people.exam_taken | (y0["afgangseksamen"] == 1)
        cols["prev_absz"] = y0["absz"].astype(np.float32)
        cols["shown_job"], cols["shown_edu"] = shown["fritidsjob"], shown["i_uddannelse"]
        cols["shown_emp"], cols["shown_exam"] = shown["beskaeftiget"], shown["afgangseksamen"]
        cols["shown_abs"] = shown["skolefravaer_pct"].astype(np.float32)

    def _suspicion(self, people: People, year: int, shown: dict[str, np.ndarray], age: np.ndarray) -> None:
        young = (age >= 10) & (age <= 14) & (people.area >= 0)
        groups = self.group[people.area[young]]
        hits = shown["mistanke_sigtelse"][young] == 1
        for g, name in enumerate((*FUNDING_ROUNDS, NEVER)):
            mask = groups == g
            self.result.suspicion.setdefault(name, {})[year] = (int(hits[mask].sum()), int(mask.sum()))

    def _collect_episodes(self) -> dict[str, np.ndarray]:
        keys = ("pid", "cpr", "activity", "year", "area", "plan", "female", "age_band", "origin_group", "baseline",
                "parent", "start", "end", "registered")
        if not self.episodes:
            return {k: np.array([]) for k in keys}
        return {k: np.concatenate([e[k] for e in self.episodes]) for k in keys}

    def _collect_truth(self) -> dict[str, np.ndarray]:
        # Episode rows are positions within their episode batch; turn them into global
        # episode numbers (the batch's offset in the concatenated episodes).
        offsets, total = {}, 0
        for e in self.episodes:
            offsets[id(e)] = total
            total += len(e["pid"])
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("episode", "outcome", "horizon", "p0", "p1", "y0", "y1",
                                                               "effect_kind", "effect")}
        for t in self.truth:
            n = len(t["episode_rows"])
            parts["episode"].append(t["episode_rows"] + offsets[id(t["_episode"])])
            parts["outcome"].append(np.full(n, t["outcome"], dtype=object))
            parts["horizon"].append(np.full(n, t["horizon"], dtype=np.int8))
            parts["p0"].append(np.asarray(t["p0"], dtype=np.float64))
            parts["p1"].append(np.asarray(t["p1"], dtype=np.float64))
            parts["y0"].append(np.asarray(t["y0"], dtype=np.float64))
            parts["y1"].append(np.asarray(t["y1"], dtype=np.float64))
            parts["effect_kind"].append(np.full(n, t["effect_kind"], dtype=object))
            parts["effect"].append(np.asarray(t["effect"], dtype=np.float64))
        if not self.truth:
            return {k: np.array([]) for k in parts}
        return {k: np.concatenate(v) for k, v in parts.items()}
