"""The embedded default: a deterministic, seeded generator of realistic landing files
for every source (DESIGN section 4), plus a truth manifest written outside the landing
directory so tests can check what the warehouse computes against what was generated.

    python -m dagster_project.generator --scale 1.0 --seed 2011
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from dagster_project.generator.world import World, build_world
from dagster_project.generator.writers import (
    write_grants_2011_14,
    write_grants_2015_18,
    write_grants_2019_26,
    write_register,
)
from dagster_project.reference import FUNDING_ROUNDS

DEFAULT_SEED = 2011
DEFAULT_SCALE = 1.0
MANIFEST_NAME = "manifest.json"


def generate(landing_dir: Path, truth_dir: Path, *, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED,
             progress: Callable[[str], None] | None = None) -> dict:
    """Write every landing file for (scale, seed) and the truth manifest; return the manifest."""
    say = progress or (lambda _msg: None)
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
    for path in written:
        say(f"wrote {path.relative_to(landing_dir)} ({path.stat().st_size:,} bytes)")
    manifest = build_manifest(world)
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


def load_manifest(truth_dir: Path) -> dict:
    return json.loads((truth_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
