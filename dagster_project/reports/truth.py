"""The true effects on the treated, from the generator's truth file: validation only.

Only the embedded default has a truth (``$BOLIGSOCIAL_TRUTH_DIR/potential_outcomes.parquet``,
docs/generator.md): every participation episode's outcomes with (y1) and without (y0) the
activity, where the outcome is defined at the horizon. The pipeline never reads it to
build anything; the forest plot draws it beside the estimates, labelled as validation,
and the tests and ``bench/effects.py`` compare the published estimates with it.

The truth is the sample effect on the treated over every participant with the outcome
measured: for a yes/no outcome the marginal odds ratio odds(mean y1) / odds(mean y0) (and
risk ratio), for school absence the mean of y1 - y0.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

POTENTIAL_OUTCOMES = "potential_outcomes.parquet"
EFFECTS = "effects.json"
ABSENCE = "skolefravaer_pct"


def truth_file(truth_dir: Path) -> Path | None:
    path = truth_dir / POTENTIAL_OUTCOMES
    return path if path.is_file() else None


def true_effects(truth_dir: Path) -> pd.DataFrame | None:
    """One row per activity, outcome, horizon and subgroup ('all', 'female', 'male'), the
    keys of rpt_aktivitet_effekter; None when there is no truth file."""
    path = truth_file(truth_dir)
    if path is None:
        return None
    sql = f"""
    with episodes as (
        select aktivitet as activity_code, outcome, horizon,
               case koen when 'K' then 'female' else 'male' end as gender_subgroup,
               cast(y0 as double) as y0, cast(y1 as double) as y1
        from read_parquet('{path.as_posix()}')),
    subgroups as (
        select *, 'all' as subgroup from episodes
        union all
        select *, gender_subgroup from episodes)
    select activity_code, outcome, cast(horizon as integer) as horizon, subgroup,
           count(*) as true_n, avg(y0) as true_untreated_outcome, avg(y1) as true_treated_outcome
    from subgroups group by all order by all"""
    frame = duckdb.sql(sql).df()
    binary = frame["outcome"] != ABSENCE
    p0, p1 = frame["true_untreated_outcome"], frame["true_treated_outcome"]
    frame["true_odds_ratio"] = ((p1 / (1 - p1)) / (p0 / (1 - p0))).where(binary)
    frame["true_risk_ratio"] = (p1 / p0).where(binary)
    frame["true_mean_difference"] = (p1 - p0).where(~binary)
    return frame


def true_effect_column(outcome: str) -> str:
    """The truth column comparable with an outcome's headline estimate."""
    return "true_mean_difference" if outcome == ABSENCE else "true_odds_ratio"


def true_area_effects(truth_dir: Path) -> pd.DataFrame | None:
    """The generator's true group-time effects ATT(g, t) of being first funded by a round
    (``effects.json``'s ``area_effects``: indicator_code, cohort, first_year, year,
    event_time, att), the keys of rpt_omraade_event_study's cohort rows; None without a
    truth."""
    path = truth_dir / EFFECTS
    if not path.is_file():
        return None
    rows = json.loads(path.read_text(encoding="utf-8")).get("area_effects")
    return pd.DataFrame(rows) if rows else None
