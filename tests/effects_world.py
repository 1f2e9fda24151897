"""A world for the effect estimates alone: the embedded default at a given scale, its raw
layer written by the sources' own readers (pseudonymised exactly as ingestion does, but
without the raw gates and Dagster runs, which the session refresh covers), and a real
dbt build of the participant models on DuckDB. Tests of the estimates against the truth
use it at a scale where participants are numerous enough for the comparison to mean
something, without a full refresh."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from dagster_project.core.raw_store import RawStore
from dagster_project.dbt.project import dbt_executable
from dagster_project.reference import FUNDING_ROUNDS
from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.sources.lbf.readers import read_grants
from dagster_project.sources.panel.readers import PANEL_YEARS, panel_file, read_person_years
from dagster_project.sources.participants.readers import landing_keys, read_registrations, registration_file
from dagster_project.sources.register.readers import AREAS_FILE, ESTATES_FILE, read_areas, read_estates


@dataclass(frozen=True)
class EffectsWorld:
    landing_dir: Path
    truth_dir: Path
    build_db: Path
    manifest: dict
    dbt_seconds: float


def write_raw_layer(landing: Path, raw_dir: Path) -> None:
    """The raw partitions the participant models read, from the landing files."""
    store = RawStore(raw_dir)
    for funding_round in FUNDING_ROUNDS:
        store.write("raw_lbf_grants", funding_round, read_grants(funding_round, landing), {})
    store.write("raw_register_areas", None, read_areas(landing / AREAS_FILE, landing), {})
    store.write("raw_register_estates", None, read_estates(landing / ESTATES_FILE, landing), {})
    for key in landing_keys(landing):
        store.write("raw_participant_registrations", key, read_registrations(landing / registration_file(key), landing), {})
    for year in PANEL_YEARS:
        if (landing / panel_file(year)).is_file():
            store.write("raw_person_years", year, read_person_years(landing / panel_file(year), landing), {})


def build_effects(root: Path, raw_dir: Path) -> tuple[Path, float]:
    """dbt seed + run of every model upstream of the participant reports; returns the
    build database and the seconds dbt took."""
    build_db = root / "build" / "warehouse.duckdb"
    build_db.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BOLIGSOCIAL_BUILD_DB": str(build_db), "BOLIGSOCIAL_RAW_DIR": str(raw_dir)}
    common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
              "--target-path", str(root / "dbt_target"), "--log-path", str(root / "dbt_logs"), "--quiet"]
    started = time.perf_counter()
    for command in (["seed"], ["run", "--select", "+rpt_aktivitet_effekter", "+rpt_participant_profile"]):
        subprocess.run([dbt_executable(), *command, *common], check=True, env=env, cwd=DBT_PROJECT_DIR)
    return build_db, time.perf_counter() - started


def make_effects_world(root: Path, *, scale: float, seed: int) -> EffectsWorld:
    from dagster_project.generator import generate

    manifest = generate(root / "landing", root / "truth", scale=scale, seed=seed)
    write_raw_layer(root / "landing", root / "raw")
    build_db, seconds = build_effects(root, root / "raw")
    return EffectsWorld(root / "landing", root / "truth", build_db, manifest, seconds)
