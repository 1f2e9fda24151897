"""The truth, written to the truth directory (never read by the pipeline): every
participant's potential outcomes, the effect parameters, and summaries for the manifest.

``potential_outcomes.parquet`` has one row per participation episode x outcome x horizon
(0, 1, 2) where the outcome is defined that year (the person is in the panel and the
outcome is non-null at their age; i_uddannelse from age 15): the episode (cpr,
funding_round, helhedsplan_id, aktivitet, participation_year), the matching cells at
participation (koen, age_band, origin_group, baseline, parents_employed), and p0, p1
(binary outcomes only), y0 (without the activity), y1 (with it, the activity alone),
effect_kind (odds_ratio or difference) and effect (the configured value: 1 or 0 where
the activity has no effect on the outcome).

``effects.json`` has the effect parameters, the table of non-neutral effects and, under
``area_effects``, the true group-time effect ATT(g, t) of being first funded by a round on
suspicions among 10-14-year-olds: what the cohort event study (rpt_omraade_event_study)
estimates.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.generator import cells
from dagster_project.generator.area_model import FIRST_YEAR, LAST_YEAR
from dagster_project.generator.effects import EFFECT_OUTCOME, ODDS_RATIO, EffectParameters
from dagster_project.reference import activities, funding_rounds

POTENTIAL_OUTCOMES_FILE = "potential_outcomes.parquet"
EFFECTS_FILE = "effects.json"


def potential_outcomes_table(episodes: dict[str, np.ndarray], truth: dict[str, np.ndarray], plan_ids: list[str],
                             plan_rounds: list[str]) -> pa.Table:
    e = truth["episode"].astype(np.int64)
    codes = np.array([a.code for a in activities()], dtype=object)
    activity = episodes["activity"].astype(np.int64)[e]
    baseline_labels = np.where(
        np.isin(codes[activity], [a.code for a in activities() if a.primary_outcome == "skolefravaer_pct"]),
        np.array(cells.ABSENCE_BASELINES, dtype=object)[np.minimum(episodes["baseline"][e], 4)],
        np.array(cells.BINARY_BASELINES, dtype=object)[np.minimum(episodes["baseline"][e], 2)],
    )
    binary = truth["effect_kind"] == ODDS_RATIO
    plan = episodes["plan"].astype(np.int64)[e]
    return pa.table({
        "cpr": pa.array(episodes["cpr"][e], type=pa.string()),
        "funding_round": pa.array(np.array(plan_rounds, dtype=object)[plan], type=pa.string()),
        "helhedsplan_id": pa.array(np.array(plan_ids, dtype=object)[plan], type=pa.string()),
        "aktivitet": pa.array(codes[activity], type=pa.string()),
        "participation_year": pa.array(episodes["year"][e].astype(np.int32)),
        "startdato": pa.array(episodes["start"][e].astype("datetime64[D]")),
        "koen": pa.array(np.where(episodes["female"][e], "K", "M"), type=pa.string()),
        "age_band": pa.array(np.array(cells.AGE_BAND_LABELS, dtype=object)[episodes["age_band"][e]],
                             type=pa.string()),
        "origin_group": pa.array(np.array(cells.ORIGIN_GROUPS, dtype=object)[episodes["origin_group"][e]],
                                 type=pa.string()),
        "baseline": pa.array(baseline_labels, type=pa.string()),
        "parents_employed": pa.array(np.array(cells.PARENT_LABELS, dtype=object)[episodes["parent"][e]],
                                     type=pa.string()),
        "outcome": pa.array(truth["outcome"], type=pa.string()),
        "horizon": pa.array(truth["horizon"].astype(np.int32)),
        "p0": pa.array(truth["p0"], mask=~binary, type=pa.float64()),
        "p1": pa.array(truth["p1"], mask=~binary, type=pa.float64()),
        "y0": pa.array(truth["y0"], type=pa.float64()),
        "y1": pa.array(truth["y1"], type=pa.float64()),
        "effect_kind": pa.array(truth["effect_kind"], type=pa.string()),
        "effect": pa.array(truth["effect"], type=pa.float64()),
    })


def write_truth(truth_dir: Path, table: pa.Table, params: EffectParameters) -> list[Path]:
    truth_dir.mkdir(parents=True, exist_ok=True)
    path = truth_dir / POTENTIAL_OUTCOMES_FILE
    pq.write_table(table, path)
    effects = truth_dir / EFFECTS_FILE
    first_years = {key: r.first_year for key, r in funding_rounds().items()}
    effects.write_text(json.dumps(params.to_json(first_years, range(FIRST_YEAR, LAST_YEAR + 1)), indent=2,
                                  ensure_ascii=False), encoding="utf-8")
    return [path, effects]


def _odds(p: float) -> float:
    return p / (1 - p) if 0 < p < 1 else float("nan")


def realized_effects(table: pa.Table) -> list[dict]:
    """Per activity, its outcome and horizon (and gender for fritidsjob): treated n, mean
    y0 and y1, and for binary outcomes the marginal odds ratio implied by p0, p1 and the
    one realized by y0, y1."""
    frame = table.select(["aktivitet", "koen", "outcome", "horizon", "p0", "p1", "y0", "y1", "effect"]).to_pandas()
    frame = frame[frame["outcome"] == frame["aktivitet"].map(EFFECT_OUTCOME)]
    rows = []
    keys = ["aktivitet", "outcome", "horizon", "koen"]
    for key, g in frame.groupby(keys, sort=True):
        row = {k: (v.item() if hasattr(v, "item") else v) for k, v in zip(keys, key, strict=True)}
        row.update(n=len(g), effect=float(g["effect"].iloc[0]), mean_y0=float(g["y0"].mean()),
                   mean_y1=float(g["y1"].mean()))
        if g["p0"].notna().all():
            row["implied_odds_ratio"] = _odds(g["p1"].mean()) / _odds(g["p0"].mean())
            row["realized_odds_ratio"] = _odds(g["y1"].mean()) / _odds(g["y0"].mean())
        else:
            row["realized_difference"] = float((g["y1"] - g["y0"]).mean())
        rows.append({k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()})
    return rows
