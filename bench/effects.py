"""The published effect estimates against the generator's truth (beside them the estimate
without censoring weights and the naive one), and how long the effect models took in the
refresh that built them (issue 5). Over many worlds: bench/validate.py.

    BOLIGSOCIAL_DATA_DIR=/tmp/boligsocial-1.0 .venv/bin/python -m dagster_project refresh --generate --scale 1.0
    BOLIGSOCIAL_DATA_DIR=/tmp/boligsocial-1.0 .venv/bin/python bench/effects.py [--all] [--markdown]

Reads ``rpt_aktivitet_effekter`` from the published ``marts.duckdb`` of the warehouse
directory, the true effect on the treated from ``$BOLIGSOCIAL_TRUTH_DIR``
(``dagster_project/reports/truth.py``) and the model timings from the newest
``run_results.json`` of a Dagster dbt run (``dbt/target/dbt_models-*/``, or ``--run-results``).
By default the primary outcome of each activity for everybody; ``--all`` prints every row
with a truth. Not a test: it reports, it does not judge (the tests do, at test scale).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from dagster_project.publish.warehouse import MARTS_DB, current_version  # noqa: E402
from dagster_project.reports.truth import true_effects  # noqa: E402
from dagster_project.settings import DBT_PROJECT_DIR, get_settings  # noqa: E402

EFFECT_MODEL_PATHS = ("models/intermediate/participant/", "models/marts/participant/",
                      "models/reports/participant/")
KEYS = ["activity_code", "outcome", "horizon", "subgroup"]


def published_effects(marts_db: Path) -> pd.DataFrame:
    with duckdb.connect(str(marts_db), read_only=True) as con:
        return con.sql("select * from rpt_aktivitet_effekter").df()


def comparison(effects: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """One row per published effect with a truth: estimate, interval, naive, truth, and
    how far each is from the truth (relative for ratios, in points for absence)."""
    frame = effects.merge(truth, on=KEYS, how="inner")
    binary = frame["outcome_kind"] == "binary"
    frame["estimate"] = frame["odds_ratio"].where(binary, frame["mean_difference"])
    frame["ci_low"] = frame["odds_ratio_ci_low"].where(binary, frame["mean_difference_ci_low"])
    frame["ci_high"] = frame["odds_ratio_ci_high"].where(binary, frame["mean_difference_ci_high"])
    frame["naive"] = frame["naive_odds_ratio"].where(binary, frame["naive_mean_difference"])
    frame["excluding"] = frame["excluding_later_starters_odds_ratio"].where(
        binary, frame["excluding_later_starters_mean_difference"])
    frame["truth"] = frame["true_odds_ratio"].where(binary, frame["true_mean_difference"])
    frame["matched_error"] = (frame["estimate"] / frame["truth"] - 1).where(binary, frame["estimate"] - frame["truth"])
    frame["naive_error"] = (frame["naive"] / frame["truth"] - 1).where(binary, frame["naive"] - frame["truth"])
    frame["excluding_error"] = (frame["excluding"] / frame["truth"] - 1).where(binary, frame["excluding"] - frame["truth"])
    frame["covered"] = (frame["ci_low"] <= frame["truth"]) & (frame["truth"] <= frame["ci_high"])
    return frame


def model_timings(run_results: Path) -> dict[str, float]:
    results = json.loads(run_results.read_text(encoding="utf-8"))
    nodes = {}
    manifest_path = run_results.parent / "manifest.json"
    paths = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        paths = {uid: node.get("original_file_path", "") for uid, node in manifest["nodes"].items()}
    for result in results["results"]:
        uid = result["unique_id"]
        if uid.startswith("model.") and paths.get(uid, "").startswith(EFFECT_MODEL_PATHS):
            nodes[uid.split(".")[-1]] = result["execution_time"]
    return {"elapsed_dbt_build_s": results.get("elapsed_time"), **nodes}


def newest_run_results() -> Path | None:
    candidates = sorted((DBT_PROJECT_DIR / "target").glob("dbt_models-*/run_results.json"),
                        key=lambda p: p.stat().st_mtime)
    return candidates[-1] if candidates else None


def fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.2f}" if kind == "binary" else f"{value:+.2f}"


def markdown(frame: pd.DataFrame) -> str:
    lines = ["| activity | outcome | year | subgroup | treated | controls (ESS) | matched (95 % CI) | truth | "
             "matched vs truth | CI covers truth | without censoring weights (vs truth) | naive (vs truth) |",
             "|---|---|---|---|---:|---:|---|---:|---:|---|---:|---:|"]
    for _, r in frame.iterrows():
        kind = r["outcome_kind"]
        err = (lambda e: f"{e:+.1%}") if kind == "binary" else (lambda e: f"{e:+.2f} pts")
        lines.append(
            f"| {r['activity_code']} | {r['outcome']} | {r['horizon']} | {r['subgroup']} | {'withheld' if pd.isna(r['treated_n']) else f"{int(r['treated_n']):,}"} | "
            f"{r['matched_controls_n']:,} ({r['control_effective_size']:,.0f}) | "
            f"{fmt(r['estimate'], kind)} ({fmt(r['ci_low'], kind)}-{fmt(r['ci_high'], kind)}) | "
            f"{fmt(r['truth'], kind)} | {err(r['matched_error'])} | {'yes' if r['covered'] else 'no'} | "
            f"{fmt(r['excluding'], kind)} ({err(r['excluding_error'])}) | {fmt(r['naive'], kind)} "
            f"({err(r['naive_error'])}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="every outcome and subgroup, not only the primary ones")
    parser.add_argument("--markdown", action="store_true", help="a markdown table (docs/effects.md)")
    parser.add_argument("--run-results", type=Path, help="dbt run_results.json of the refresh (default: newest)")
    args = parser.parse_args(argv)
    settings = get_settings()
    truth = true_effects(settings.truth_dir)
    if truth is None:
        print(f"no truth in {settings.truth_dir}: only the embedded default has one", file=sys.stderr)
        return 2
    effects = published_effects(settings.warehouse_dir / MARTS_DB)
    frame = comparison(effects[~effects["is_suppressed"]], truth)
    if not args.all:
        frame = frame[frame["is_primary_outcome"] & (frame["subgroup"] == "all")]
    frame = frame.sort_values(["outcome_kind", "activity_code", "outcome", "horizon", "subgroup"])
    print(f"published version {current_version(settings.warehouse_dir)} in {settings.warehouse_dir}")
    if args.markdown:
        print(markdown(frame))
    else:
        with pd.option_context("display.width", 250, "display.max_rows", 500, "display.max_columns", 20):
            print(frame[KEYS + ["treated_n", "treated_unmatched_n", "estimate", "ci_low", "ci_high", "truth",
                                "matched_error", "covered", "excluding", "excluding_error", "naive",
                                "naive_error"]].round(4).to_string(index=False))
    run_results = args.run_results or newest_run_results()
    if run_results:
        timings = model_timings(run_results)
        print(f"\neffect models in {run_results}:")
        for name, seconds in timings.items():
            print(f"  {name:<40} {seconds:8.1f} s")
        print(f"  {'sum of the effect models':<40} {sum(v for k, v in timings.items() if k != 'elapsed_dbt_build_s'):8.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
