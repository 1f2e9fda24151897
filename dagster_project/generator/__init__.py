"""The embedded default: a deterministic, seeded generator of realistic landing files
for every source (docs/source_contracts.md), plus the truth (a manifest, the effect parameters and
every participant's potential outcomes) written outside the landing directory so tests
can check what the warehouse computes against what was generated. docs/generator.md
describes the model.

    python -m dagster_project.generator --scale 1.0 --seed 2011
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from dagster_project.generator.area_model import LIST_YEARS, YEARS, AreaModel, build_area_model
from dagster_project.generator.effects import EffectParameters
from dagster_project.generator.indicators import IndicatorModel, aggregate_year, write_indicators
from dagster_project.generator.lists import Lists, list_sizes, write_lists
from dagster_project.generator.participants import write_registrations
from dagster_project.generator.population import PANEL_FILE, PanelResult, Simulation
from dagster_project.generator.statbank import write_folk1a
from dagster_project.generator.transitions import AreaTransitions
from dagster_project.generator.truth import potential_outcomes_table, realized_effects, write_truth
from dagster_project.generator.world import World, build_world
from dagster_project.generator.writers import (
    write_grants_2011_14,
    write_grants_2015_18,
    write_grants_2019_26,
    write_register,
)
from dagster_project.reference import FUNDING_ROUNDS, activities

DEFAULT_SEED = 2011
DEFAULT_SCALE = 1.0
MANIFEST_NAME = "manifest.json"

# Landing files per source, as (source id, glob under the landing directory).
SOURCE_FILES = (
    ("S1", "lbf/*"), ("S2", "register/*.csv"), ("S3", "lister/*.csv"), ("S4", "indikatorer/*.csv"),
    ("S5", "deltagere/*/*.csv"), ("S6", "register/personaar_*.parquet"), ("S7", "statbank/*.csv"),
)


def generate(landing_dir: Path, truth_dir: Path, *, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED,
             params: EffectParameters | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Write every landing file for (scale, seed) and the truth; return the manifest."""
    say = progress or (lambda _msg: None)
    params = params or EffectParameters()
    started = time.perf_counter()
    world = build_world(scale, seed)
    say(f"world: {len(world.areas)} areas, {len(world.estates)} estates, "
        + ", ".join(f"{len(world.plans[r])} plans {r}" for r in FUNDING_ROUNDS))
    written = [
        write_grants_2011_14(world, landing_dir),
        write_grants_2015_18(world, landing_dir),
        write_grants_2019_26(world, landing_dir),
        *write_register(world, landing_dir),
    ]
    model = build_area_model(world, seed)

    def write_year(year: int, table) -> None:
        path = landing_dir / PANEL_FILE.format(year=year)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        say(f"wrote {path.relative_to(landing_dir)} ({table.num_rows:,} rows)")

    # Each year's indicators and list are made as the panel reaches the year, so that the
    # measures a list sets off (transitions.py) shape the years after it.
    indicator_model, lists, transitions = IndicatorModel(model, seed), Lists(), AreaTransitions(model, seed)
    indicators: dict[int, dict[str, np.ndarray]] = {}

    def after_year(year: int, aggregates: dict[str, np.ndarray]) -> None:
        indicators[year] = indicator_model.year(year, aggregates)
        if year in LIST_YEARS:
            transitions.after_list(year, lists.year(year, indicators[year]))

    panel = Simulation(model, params, seed).run(write_year, aggregate_year(len(model.area_ids)), after_year)
    categories = lists.categories
    plan_ids = [p.plan_id for p in model.plans]
    written += write_indicators(landing_dir, model, indicators)
    written += write_lists(landing_dir, model, indicators, categories)
    written += write_registrations(landing_dir, panel.episodes, plan_ids, model.plan_round)
    written.append(write_folk1a(landing_dir, seed))
    say(f"wrote S1-S5, S7: {len(written)} files")

    outcomes = potential_outcomes_table(panel.episodes, panel.truth, plan_ids, model.plan_round)
    write_truth(truth_dir, outcomes, params)
    manifest = build_manifest(world)
    manifest.update(outcome_manifest(landing_dir, model, panel, indicators, categories, outcomes, params))
    manifest["area_transitions"] = transitions.manifest()
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    say(f"generated in {time.perf_counter() - started:.1f} s")
    return manifest


def build_manifest(world: World) -> dict:
    """What the warehouse must reproduce: counts and exact totals per round."""
    rounds = {}
    for funding_round, plans in world.plans.items():
        rounds[funding_round] = {
            "plans": len(plans),
            "budget_lines": sum(len(p.lines) if funding_round != "2011-14" else 1 for p in plans),
            "estates": len({e.estate_id for p in plans for e in p.estates}),
            "areas": len({a.area_id for p in plans for a in p.areas}),
            "residents": sum(a.residents for a in {a.area_id: a for p in plans for a in p.areas}.values()),
            "grant_lbf_ore": sum(p.lbf_ore for p in plans),
            "cofinancing_municipality_ore": sum(p.municipality_ore for p in plans),
            "cofinancing_housing_org_ore": sum(p.housing_org_ore for p in plans),
        }
    return {
        "scale": world.scale,
        "seed": world.seed,
        "areas": len(world.areas),
        "estates": len(world.estates),
        "housing_organisations": len(world.organisations),
        "residents": sum(a.residents for a in world.areas),
        "funding_rounds": rounds,
    }


def source_counts(landing_dir: Path) -> dict[str, dict[str, int]]:
    """Files, bytes and data rows (Parquet rows; CSV lines after the header) per source."""
    counts = {}
    for source, pattern in SOURCE_FILES:
        files = sorted(p for p in landing_dir.glob(pattern)
                       if p.is_file() and not (source == "S2" and p.name.startswith("personaar_")))
        rows = 0
        for path in files:
            if path.suffix == ".parquet":
                rows += pq.ParquetFile(path).metadata.num_rows
            elif path.suffix == ".csv":
                rows += path.read_bytes().count(b"\n") - 1
        counts[source] = {"files": len(files), "bytes": sum(p.stat().st_size for p in files), "rows": rows}
    return counts


def outcome_manifest(landing_dir: Path, model: AreaModel, panel: PanelResult, indicators, categories, outcomes,
                     params: EffectParameters) -> dict:
    codes = [a.code for a in activities()]
    episodes = panel.episodes
    rounds = np.array(model.plan_round, dtype=object)[episodes["plan"].astype(np.int64)] if len(episodes["plan"]) \
        else np.array([], dtype=object)
    participants = {}
    for k, code in enumerate(codes):
        mine = episodes["activity"] == k
        participants[code] = {"episodes": int(mine.sum()),
                              **{r: int((mine & (rounds == r)).sum()) for r in FUNDING_ROUNDS}}
    suspicion = {
        group: {str(year): {"target_per_1000": round(params.suspicion_target(group, year), 3),
                            "realized_per_1000": round(1000 * k / n, 3) if n else None, "persons_10_14": n}
                for year, (k, n) in years.items()}
        for group, years in panel.suspicion.items()
    }
    return {
        "sources": source_counts(landing_dir),
        "panel": {"persons": panel.persons, "person_years": sum(panel.person_years.values()),
                  "person_years_per_year": {str(y): n for y, n in panel.person_years.items()},
                  "residents_per_year": {str(y): n for y, n in panel.residents.items()}},
        "participants": participants,
        "potential_outcome_rows": outcomes.num_rows,
        "list_sizes": list_sizes(categories),
        "areas_per_first_funding_round": {g: model.first_round.count(g) for g in (*FUNDING_ROUNDS, "never")},
        "suspicion_10_14": suspicion,
        "realized_effects": realized_effects(outcomes),
        "years": [YEARS[0], YEARS[-1]],
    }


def load_manifest(truth_dir: Path) -> dict:
    return json.loads((truth_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
