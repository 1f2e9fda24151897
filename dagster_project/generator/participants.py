"""Participants (S5): who takes part in which activity, when, under which plan, and the
registration files the plans deliver.

Selection is on observables only. In every year t, a person is *eligible* for an activity
when they live (1 January, S6 `boligomraade_id`) in an area covered by a plan of any
round whose period overlaps year t, fit the activity's target group (`ref_activities`:
age ``t - foedselsaar`` within [min_age, max_age], gender) and have not taken part in the
same activity before. An eligible person takes part with probability

    expit(alpha[activity, t] + b_age[band] + b_female + b_origin[group] + b_baseline[cell] + b_parent[cell])

on the cells of cells.py: nothing else (not the area, not the latent traits that also
drive the outcomes) enters, so that coarsened exact matching on the same cells within
eligible persons of the same year recovers the effect on the treated. alpha is solved each
year so that a fixed share of the eligible take part. Selection is strong: a naive
comparison of participants with all eligible non-participants is biased.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dagster_project.generator.cells import AGE_BANDS
from dagster_project.generator.effects import expit
from dagster_project.reference import Activity, activities

REGISTRATION_FILE = "deltagere/{round}/registreringer_{year}.csv"
REGISTRATION_COLUMNS = ("cpr", "helhedsplan_id", "aktivitet", "startdato", "slutdato", "registreret")
# When the world's files were delivered (the grant export's 'udtrukket'): a registrations
# file's delivery is its modification time in the landing directory (docs/source_contracts.md).
DELIVERED_AT = dt.datetime(2026, 10, 1, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))


@dataclass(frozen=True)
class Selection:
    """Log-odds of taking part, relative to the reference cell, and the share of the eligible
    who take part each year. Baseline coefficients are indexed like cells.BINARY_BASELINES
    ("0", "1", unknown) or cells.ABSENCE_BASELINES (<5, 5-10, 10-20, >=20, unknown)."""

    rate: float
    age: dict[str, float]
    female: float
    origin: tuple[float, float, float]   # dansk, vestlig, ikke_vestlig
    baseline: tuple[float, ...]
    parent: tuple[float, float, float]   # parent not employed, employed, unknown (adults)


SELECTION: dict[str, Selection] = {
    # Boys, non-Western youths and those without a job last year and with parents out of
    # work are the ones the plans reach: participants start from a lower job rate.
    "fritidsjob": Selection(rate=0.07, age={"13-15": 0.35, "16-17": 0.0}, female=-0.35,
                            origin=(0.0, 0.35, 0.95), baseline=(0.0, -2.2, -0.4), parent=(0.55, 0.0, 0.0)),
    # Mostly non-Western mothers aged 25-44 who are not in education.
    "netvaerksmoedre": Selection(rate=0.011, age={"18-24": -1.5, "25-34": 0.5, "35-44": 0.6, "45-54": 0.0,
                                                  "55-64": -0.9},
                                 female=0.0, origin=(0.0, 0.6, 2.0), baseline=(0.0, -2.5, 0.0), parent=(0.0, 0.0, 0.0)),
    # Mentors go to the children with the highest absence.
    "mentorforloeb": Selection(rate=0.03, age={"10-12": -0.3, "13-15": 0.3, "16-17": 0.0}, female=-0.45,
                               origin=(0.0, 0.2, 0.6), baseline=(0.0, 0.6, 1.2, 1.6, 0.4), parent=(0.6, 0.0, 0.0)),
    "projekt_eventforloeb": Selection(rate=0.035, age={"10-12": 0.3, "13-15": 0.2, "16-17": 0.0}, female=-0.2,
                                      origin=(0.0, 0.2, 0.5), baseline=(0.0, 0.4, 0.8, 1.0, 0.2),
                                      parent=(0.4, 0.0, 0.0)),
    "lektiecafe": Selection(rate=0.03, age={"6-9": -0.2, "10-12": 0.3, "13-15": 0.4, "16-17": 0.0}, female=0.3,
                            origin=(0.0, 0.3, 1.1), baseline=(0.3, -0.5, 0.0), parent=(0.5, 0.0, 0.0)),
    # Parents out of work, more often mothers and non-Western.
    "foraeldreforloeb": Selection(rate=0.008, age={"18-24": -0.5, "25-34": 0.4, "35-44": 0.5, "45-54": 0.0,
                                                   "55-64": -1.2},
                                  female=0.5, origin=(0.0, 0.3, 0.9), baseline=(1.8, 0.0, 0.6), parent=(0.0, 0.0, 0.0)),
}

# How long an episode lasts, in days (uniform), by activity.
DURATION_DAYS = {
    "fritidsjob": (60, 270), "netvaerksmoedre": (180, 540), "mentorforloeb": (180, 365),
    "projekt_eventforloeb": (14, 180), "lektiecafe": (90, 300), "foraeldreforloeb": (42, 180),
}


def activity_index() -> dict[str, int]:
    return {a.code: i for i, a in enumerate(activities())}


def linear_predictor(activity: str, band: np.ndarray, female: np.ndarray, origin_group: np.ndarray,
                     baseline: np.ndarray, parent: np.ndarray) -> np.ndarray:
    s = SELECTION[activity]
    b_age = np.array([s.age.get(f"{lo}-{hi}", 0.0) for lo, hi in AGE_BANDS])
    return (b_age[band] + s.female * female + np.asarray(s.origin)[origin_group]
            + np.asarray(s.baseline)[baseline] + np.asarray(s.parent)[parent])


def solve_intercept(eta: np.ndarray, rate: float) -> float:
    """alpha with mean(expit(alpha + eta)) == rate (bisection; the mean is increasing in alpha)."""
    lo, hi = -20.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if expit(mid + eta).mean() < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def eligible_age(activity: Activity, age: np.ndarray, female: np.ndarray) -> np.ndarray:
    ok = (age >= activity.min_age) & (age <= activity.max_age)
    if activity.gender == "K":
        ok &= female
    elif activity.gender == "M":
        ok &= ~female
    return ok


def episode_dates(rng: np.random.Generator, activity: str, year: int, plan_start: np.ndarray,
                  plan_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(startdato, slutdato, registreret) as datetime64: the start in the year and within the
    plan's period, the end within the plan's period, registration days to weeks after the start."""
    first = np.maximum(np.datetime64(f"{year}-01-01"), plan_start)
    last = np.minimum(np.datetime64(f"{year}-12-31"), plan_end)
    span = (last - first).astype(np.int64)
    start = first + np.floor(rng.random(len(first)) * (span + 1)).astype("timedelta64[D]")
    lo, hi = DURATION_DAYS[activity]
    end = np.minimum(start + rng.integers(lo, hi + 1, size=len(first)).astype("timedelta64[D]"), plan_end)
    seconds = rng.integers(8 * 3600, 17 * 3600, size=len(first))
    registered = (start.astype("datetime64[s]") + rng.integers(0, 46, size=len(first)).astype("timedelta64[D]")
                  + seconds.astype("timedelta64[s]"))
    return start, end, registered


def write_registrations(landing_dir: Path, episodes: dict[str, np.ndarray], plan_ids: list[str],
                        plan_rounds: list[str]) -> list[Path]:
    """One file per round and year the participation started, rows ordered by registration."""
    written = []
    plan_index = episodes["plan"]
    rounds = np.array(plan_rounds)[plan_index] if len(plan_index) else np.array([], dtype=str)
    years = episodes["year"]
    codes = [a.code for a in activities()]
    for funding_round in sorted(set(rounds.tolist())):
        for year in sorted(set(years[rounds == funding_round].tolist())):
            rows = np.flatnonzero((rounds == funding_round) & (years == year))
            rows = rows[np.lexsort((episodes["cpr"][rows], episodes["registered"][rows]))]
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(REGISTRATION_COLUMNS)
            for i in rows:
                writer.writerow([
                    episodes["cpr"][i], plan_ids[plan_index[i]], codes[episodes["activity"][i]],
                    str(episodes["start"][i]), str(episodes["end"][i]),
                    str(episodes["registered"][i].astype("datetime64[s]")),
                ])
            path = landing_dir / REGISTRATION_FILE.format(round=funding_round, year=year)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(buffer.getvalue(), encoding="utf-8")
            os.utime(path, (DELIVERED_AT.timestamp(), DELIVERED_AT.timestamp()))
            written.append(path)
    return written

