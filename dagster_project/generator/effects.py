"""The true effects the embedded default builds in: the parameters an evaluation must
recover (the results VIVE 2021 reports, docs/effects.md), and how an activity turns an untreated outcome
into a treated one.

For a participant starting in year t, the outcome at horizon h (year t + h, h = 0, 1, 2)
without the activity is Y0, the panel as it would have been. With the activity:

- binary outcome: ``Y1 = 1[U < expit(logit(p0) + log OR_h)]`` with the same uniform U that
  gave ``Y0 = 1[U < p0]``, so Y1 >= Y0 when OR >= 1 and the odds ratio on the
  probability scale is exactly OR_h;
- school absence (percent of school days): ``Y1 = max(0, Y0 + delta_h)``.

Every (activity, outcome) pair not listed has no effect (OR 1, delta 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

HORIZONS = (0, 1, 2)
BINARY_OUTCOMES = ("fritidsjob", "i_uddannelse", "beskaeftiget", "afgangseksamen", "mistanke_sigtelse")
CONTINUOUS_OUTCOMES = ("skolefravaer_pct",)
OUTCOMES = BINARY_OUTCOMES + CONTINUOUS_OUTCOMES

ODDS_RATIO = "odds_ratio"
DIFFERENCE = "difference"


@dataclass(frozen=True)
class EffectParameters:
    """Effects on the treated, per horizon h = 0, 1, 2, and the area trend in suspicions."""

    # fritidsjob -> fritidsjob: odds ratio; girls keep the job two years later, boys lose it.
    fritidsjob_girls: tuple[float, float, float] = (3.0, 3.0, 3.0)
    fritidsjob_boys: tuple[float, float, float] = (3.0, 1.8, 1.0)
    # netvaerksmoedre -> i_uddannelse: odds ratio.
    netvaerksmoedre: tuple[float, float, float] = (2.0, 3.5, 5.0)
    # mentorforloeb and projekt_eventforloeb -> skolefravaer_pct: percentage points.
    mentorforloeb: tuple[float, float, float] = (-0.3, -0.5, -0.8)
    projekt_eventforloeb: tuple[float, float, float] = (-0.3, -0.5, -0.8)
    # lektiecafe -> afgangseksamen (where defined, ages 15-17): odds ratio.
    lektiecafe: tuple[float, float, float] = (1.5, 1.5, 1.5)
    # foraeldreforloeb -> beskaeftiget: odds ratio.
    foraeldreforloeb: tuple[float, float, float] = (1.3, 1.3, 1.3)
    # Suspicions among 10-14-year-olds per 1,000 (mistanke_sigtelse at ages 10-14), by the
    # round in which an area was first funded: (level before, level after, year the fall
    # starts, year it ends); linear in between. "never" are the comparison areas, and
    # persons living outside the register's areas.
    suspicion_2011_14: tuple[float, float, int, int] = (15.0, 11.0, 2011, 2017)
    suspicion_2015_18: tuple[float, float, int, int] = (10.0, 8.0, 2015, 2021)
    suspicion_2019_26: tuple[float, float, int, int] = (8.0, 6.5, 2019, 2025)
    suspicion_never: tuple[float, float, int, int] = (4.0, 4.0, 2011, 2017)

    def effect(self, activity: str, outcome: str, horizon: int, female: bool) -> tuple[str, float]:
        """(kind, value) of the configured effect; (kind, neutral) where there is none."""
        kind = DIFFERENCE if outcome in CONTINUOUS_OUTCOMES else ODDS_RATIO
        target = EFFECT_OUTCOME.get(activity)
        if target != outcome:
            return kind, (0.0 if kind == DIFFERENCE else 1.0)
        if activity == "fritidsjob":
            values = self.fritidsjob_girls if female else self.fritidsjob_boys
        else:
            values = getattr(self, activity)
        return kind, float(values[horizon])

    def effect_array(self, activity: str, outcome: str, horizon: int, female: np.ndarray) -> tuple[str, np.ndarray]:
        kind, girls = self.effect(activity, outcome, horizon, True)
        _, boys = self.effect(activity, outcome, horizon, False)
        return kind, np.where(female, girls, boys)

    def suspicion_target(self, group: str, year: int) -> float:
        """Expected suspicions per 1,000 among 10-14-year-olds of a funding group in a year."""
        before, after, start, end = getattr(self, f"suspicion_{group.replace('-', '_')}")
        if year <= start:
            return before
        if year >= end:
            return after
        return before + (after - before) * (year - start) / (end - start)

    def table(self) -> list[dict]:
        """Every non-neutral effect, one row per activity, outcome, horizon and gender."""
        rows = []
        for activity, outcome in EFFECT_OUTCOME.items():
            for horizon in HORIZONS:
                for koen, female in (("K", True), ("M", False)):
                    kind, value = self.effect(activity, outcome, horizon, female)
                    rows.append({"aktivitet": activity, "outcome": outcome, "horizon": horizon, "koen": koen,
                                 "kind": kind, "value": value,
                                 "log_odds_ratio": math.log(value) if kind == ODDS_RATIO else None})
        return rows

    def to_json(self) -> dict:
        return {"parameters": asdict(self), "effects": self.table(),
                "suspicion_groups": list(SUSPICION_GROUPS)}


# The one outcome each activity moves (the activity's primary outcome in ref_activities).
EFFECT_OUTCOME = {
    "fritidsjob": "fritidsjob",
    "netvaerksmoedre": "i_uddannelse",
    "mentorforloeb": "skolefravaer_pct",
    "projekt_eventforloeb": "skolefravaer_pct",
    "lektiecafe": "afgangseksamen",
    "foraeldreforloeb": "beskaeftiget",
}
SUSPICION_GROUPS = ("2011-14", "2015-18", "2019-26", "never")


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def treated_binary(p0: np.ndarray, u: np.ndarray, odds_ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p1, y1) for a binary outcome: the same uniform, the log odds shifted by log OR."""
    p1 = np.where(odds_ratio == 1.0, p0, expit(logit(p0) + np.log(odds_ratio)))
    return p1, u < p1


def treated_absence(y0: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Y1 = max(0, Y0 + delta), kept on the panel's grid of one decimal."""
    return np.round(np.maximum(0.0, y0 + delta), 1)
