"""Benchmark of whole refreshes against the floor (issue 7; re-run for issue 12).

    .venv/bin/python bench/refresh.py                          # scales 0.1, 0.3 and 1.0; writes BENCHMARKS.md
    .venv/bin/python bench/refresh.py --scales 0.05 --data-root /tmp/bench --output /tmp/BENCH.md --plot /tmp/b.png
    .venv/bin/python bench/refresh.py --render bench/measured/benchmark.json   # BENCHMARKS.md again from the figures

For each scale, in a fresh data directory and each in a fresh child process of this
script (``bench/sources.py`` runs them and measures wall time and peak RSS):

1. ``generate``: the embedded default at that scale. The newest registrations file is then
   held back from the landing directory: it is the file that "arrives" in step 4.
2. ``refresh``: ``python -m dagster_project refresh`` exactly as a data engineer runs it
   (about 7 Dagster runs of the code location's jobs: each partitioned raw source ingests
   all its partitions in one run). Its stages are read from the Dagster event log
   afterwards (``bench/measure.py``).
3. ``floor``: what DuckDB alone needs for the same work (``bench/floor.py``).
4. ``incremental``: the held-back registrations file lands; ``landing_sensor`` and then
   ``refresh_chain`` are evaluated and the runs they request launched, as the daemon
   would (``bench/measure.py``); then, for comparison, a ``refresh_warehouse`` run of
   everything.

The figures go to ``bench/measured/benchmark.json`` (beside ``--output`` for another
output), then BENCHMARKS.md and a plot of time against scale are written from them
(``bench/render.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.floor import run_suite_sql  # noqa: E402,F401  (tests/unit/test_bench_floor.py imported it from here)
from bench.measure import STAGES, machine, run_scale  # noqa: E402
from bench.sources import Env, _child, _size  # noqa: E402

DEFAULT_SCALES = (0.1, 0.3, 1.0)


def _s(seconds: float) -> str:
    return f"{seconds:,.1f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stages", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--data-root", default="/tmp/boligsocial-bench",
                        help="parent of one data directory per scale (default %(default)s)")
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
    parser.add_argument("--output", default=str(REPO_ROOT / "BENCHMARKS.md"))
    parser.add_argument("--plot", default=str(REPO_ROOT / "docs" / "images" / "benchmark.png"))
    parser.add_argument("--results", help="where to keep the figures (default: bench/measured/benchmark.json when "
                                          "writing the repository's BENCHMARKS.md, else beside --output)")
    parser.add_argument("--render", metavar="RESULTS_JSON", help="only write BENCHMARKS.md and the plot from figures")
    args = parser.parse_args(argv)

    if args.stages[:1] == ["_child"]:
        _child(args.stages[1], Env(Path(args.data_dir), args.scale, args.seed), Path(args.report), stages=STAGES)
        return 0
    output, plot = Path(args.output), Path(args.plot)
    # Imported when needed: rendering (matplotlib) is no part of a measuring child.
    from bench.render import figures, write_outputs

    if args.render:
        results = json.loads(Path(args.render).read_text(encoding="utf-8"))
        write_outputs(results, output, plot, results["command"])
        print(f"[bench] wrote {output} and {plot}")
        return 0
    default_output = output.resolve() == (REPO_ROOT / "BENCHMARKS.md").resolve()
    results_path = Path(args.results) if args.results else (
        REPO_ROOT / "bench" / "measured" / "benchmark.json" if default_output else output.with_suffix(".json"))
    command = ".venv/bin/python bench/refresh.py" + (
        "" if sorted(args.scales) == list(DEFAULT_SCALES) else " --scales " + " ".join(f"{s:g}" for s in args.scales))
    results: dict[str, Any] = {"command": command, "machine": machine(), "runs": []}
    data_root = Path(args.data_root)
    for scale in sorted(args.scales):
        results["runs"].append(run_scale(scale, args.seed, data_root))
        # Kept after every scale, so a long run that fails later still leaves its figures.
        results_path.parent.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    results["machine"]["date"] = machine()["date"]
    results_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    write_outputs(results, output, plot, command)
    print(f"[bench] wrote {output}, {plot} and {results_path}")
    for f in (figures(r) for r in results["runs"]):
        print(f"[bench] scale {f['scale']:g}: full refresh {_s(f['refresh_seconds'])}, peak {_size(f['refresh_peak'])}, "
              f"dbt/floor {f['dbt_over_floor']:.2f}x, gates {f['gate_share']:.1%} "
              f"({f['gate_share_with_dbt_tests']:.1%} with dbt tests), incremental {f['incremental_share']:.1%}; "
              f"{f['runs']} runs, orchestration {f['orchestration_share']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
