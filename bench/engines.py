"""Spark against DuckDB: the same full refresh on both engines of the dbt build (issue 18).

    .venv/bin/python bench/engines.py                      # scales 0.3 and 1.0; BENCHMARKS.md's "Engines"
    .venv/bin/python bench/engines.py --scales 0.05 --data-root /tmp/eng --results /tmp/engines.json

For each scale, in one invocation: the embedded default is generated once, and its landing
files copied to a second data directory. Then, each in a fresh child process (as
bench/refresh.py runs its stages), ``python -m dagster_project refresh`` with
BOLIGSOCIAL_ENGINE=duckdb in the first directory and BOLIGSOCIAL_ENGINE=spark in the
second: the same runs, raw gates, mart gates and publish; only the dbt build's engine
differs (docs/architecture.md, "Spark"). Each refresh's stages are read from its Dagster
event log (bench/measure.py). The figures go to ``bench/measured/engines.json``, and
BENCHMARKS.md is rendered again from its figures with them (bench/render.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.measure import machine  # noqa: E402
from bench.render import _s  # noqa: E402
from bench.sources import Env, _run_in_child, _size  # noqa: E402
from dagster_project.dbt.spark import SPARK_DBT  # noqa: E402

DEFAULT_SCALES = (0.3, 1.0)
ENGINES = ("duckdb", "spark")
RESULTS = REPO_ROOT / "bench" / "measured" / "engines.json"


def run_scale(scale: float, seed: int, data_root: Path) -> dict[str, Any]:
    root = (data_root / f"scale-{scale:g}").resolve()
    shutil.rmtree(root, ignore_errors=True)
    envs = {engine: Env(root / engine, scale, seed) for engine in ENGINES}
    for env in envs.values():
        env.data_dir.mkdir(parents=True)
    script = str(REPO_ROOT / "bench" / "refresh.py")
    print(f"[engines] scale {scale:g}: generate ...", flush=True)
    generated = _run_in_child("generate", envs["duckdb"], script=script)
    for env in list(envs.values())[1:]:
        shutil.copytree(envs["duckdb"].landing_dir, env.landing_dir)
    refreshes: dict[str, Any] = {}
    for engine, env in envs.items():
        print(f"[engines] scale {scale:g}: refresh on {engine} ...", flush=True)
        os.environ["BOLIGSOCIAL_ENGINE"] = engine
        try:
            refreshes[engine] = _run_in_child("refresh", env, script=script)
        finally:
            os.environ.pop("BOLIGSOCIAL_ENGINE", None)
        stages = refreshes[engine]["stages"]
        print(f"[engines] scale {scale:g}: {engine}: refresh {refreshes[engine]['wall_seconds']:.1f} s, "
              f"dbt {stages['dbt']['seconds']:.1f} s, peak "
              f"{_size(refreshes[engine]['details']['sampled_peak_rss_bytes'])}", flush=True)
    return {"scale": scale, "seed": seed, "data_root": str(root), "generate": generated, "refresh": refreshes}


def render_section(results: dict[str, Any]) -> str:
    """BENCHMARKS.md's "Engines" section from the figures (nothing here measures)."""
    runs = sorted(results["runs"], key=lambda r: r["scale"])
    out = ["## Engines: Spark against DuckDB\n",
           "The same full refresh with the dbt build on each engine (`BOLIGSOCIAL_ENGINE`), measured in one "
           f"run of `bench/engines.py` on {results['machine']['cores']} cores at revision "
           f"{results['machine']['code_revision']} ({results['machine']['date']}); figures in `bench/measured/engines.json`. Spark runs in local mode in the "
           "dbt process (`local[2]`, 4 GB driver), its tables Parquet files that DuckDB reads for the gates "
           "and publish.\n",
           f"```bash\n{results['command']}\n```\n",
           "| scale | person-years | engine | full refresh | dbt step | mart gates | publish | peak memory (process tree) |",
           "|---|---|---|---|---|---|---|---|"]
    for run in runs:
        person_years = run["generate"]["notes"]["person_years"]
        for engine in ENGINES:
            refresh = run["refresh"][engine]
            stages = refresh["stages"]
            out.append(f"| {run['scale']:g} | {person_years:,} | {engine} | {_s(refresh['wall_seconds'])} | "
                       f"{_s(stages['dbt']['seconds'])} | {_s(stages['mart gates']['seconds'])} | "
                       f"{_s(stages['publish']['seconds'])} | "
                       f"{_size(refresh['details']['sampled_peak_rss_bytes'])} |")
    out.append("")
    for run in runs:
        duck, spark = (run["refresh"][e]["stages"]["dbt"]["seconds"] for e in ENGINES)
        out.append(f"- Scale {run['scale']:g}: the dbt step takes {spark / duck:.1f} times as long on Spark "
                   f"({_s(spark)} against {_s(duck)}).")
    if len(runs) >= 2:
        (a, b) = runs[0], runs[-1]
        growth = {e: b["refresh"][e]["stages"]["dbt"]["seconds"] / a["refresh"][e]["stages"]["dbt"]["seconds"]
                  for e in ENGINES}
        out.append(f"- From scale {a['scale']:g} to {b['scale']:g} ({b['scale'] / a['scale']:.1f} times the data) "
                   f"the dbt step grows {growth['duckdb']:.1f} times on DuckDB and {growth['spark']:.1f} times "
                   "on Spark.")
        extra = {e: b["refresh"][e]["stages"]["dbt"]["seconds"] - a["refresh"][e]["stages"]["dbt"]["seconds"]
                 for e in ENGINES}
        per = b["scale"] - a["scale"]
        out.append(f"- **Where the crossover would lie.** Each further unit of scale costs the dbt step "
                   f"{extra['duckdb'] / per:,.0f} s on DuckDB and {extra['spark'] / per:,.0f} s on Spark here, and "
                   "Spark starts further behind: on one machine the gap widens with the data, so there is no "
                   "crossover on one machine. Spark pays off only where DuckDB cannot go on: data beyond one "
                   "machine's memory and disk, or a cluster whose executors add cores as the data grows. How far "
                   "one machine goes on DuckDB is measured at scale 10 under \"Full refresh by stage\" above.")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--data-root", default="/tmp/boligsocial-engines",
                        help="parent of the data directories, two per scale (default %(default)s)")
    parser.add_argument("--results", default=str(RESULTS), help="where the figures go (default %(default)s)")
    args = parser.parse_args(argv)
    if not SPARK_DBT.exists():
        parser.error("the spark engine needs `make spark-env` (and Java 17)")
    command = ".venv/bin/python bench/engines.py" + ("" if args.scales == list(DEFAULT_SCALES) else
                                                     " --scales " + " ".join(f"{s:g}" for s in args.scales))
    results = {"command": command, "machine": machine(), "runs": []}
    for scale in args.scales:
        results["runs"].append(run_scale(scale, args.seed, Path(args.data_root)))
        Path(args.results).parent.mkdir(parents=True, exist_ok=True)
        Path(args.results).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(render_section(results))
    if Path(args.results).resolve() == RESULTS.resolve():
        write_section(REPO_ROOT / "BENCHMARKS.md", results)
        print(f"[engines] wrote the Engines section of {REPO_ROOT / 'BENCHMARKS.md'}")
    return 0


START, END = "<!-- engines: written by bench/engines.py -->", "<!-- engines: end -->"


def marked_section(results: dict[str, Any]) -> str:
    return f"{START}\n{render_section(results)}{END}\n"


def write_section(benchmarks: Path, results: dict[str, Any]) -> None:
    """Replace the Engines section of BENCHMARKS.md (between its markers), or add it at the
    end; the rest of the file is left as it is."""
    text = benchmarks.read_text(encoding="utf-8") if benchmarks.is_file() else ""
    section = marked_section(results)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    benchmarks.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
