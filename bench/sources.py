"""Benchmark of the sources at a given scale: wall time and peak memory per stage, rows and
bytes per source (issue 3: at scale 1.0 each stage under 5 minutes and 8 GB).

    uv run python bench/sources.py generate --scale 1.0
    uv run python bench/sources.py generate --scale 1.0 --data-dir /tmp/bench --json results.json

Each stage runs in a fresh child process, which reports its own wall time and peak RSS
(``getrusage``: the process itself plus any process it waited for, e.g. dbt), so stages do
not inherit each other's memory. Stages run in the order given and share one data
directory (landing, truth, work, warehouse below it).

To add a stage (for example ``ingest``), write ``def stage_ingest(env: Env) -> dict`` that
does the work and returns ``{"sources": {source: {"rows": n, "bytes": n, "files": n}}}`` (or
``{}``), and add it to ``STAGES``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

TARGET_SECONDS = 300
TARGET_PEAK_BYTES = 8 * 1024**3


@dataclass(frozen=True)
class Env:
    data_dir: Path
    scale: float
    seed: int

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def truth_dir(self) -> Path:
        return self.data_dir / "truth"

    def variables(self) -> dict[str, str]:
        """The settings every stage runs under (dagster_project/settings.py)."""
        return {"BOLIGSOCIAL_DATA_DIR": str(self.data_dir), "BOLIGSOCIAL_LANDING_DIR": str(self.landing_dir),
                "BOLIGSOCIAL_TRUTH_DIR": str(self.truth_dir), "BOLIGSOCIAL_WORK_DIR": str(self.data_dir / "work"),
                "BOLIGSOCIAL_WAREHOUSE_DIR": str(self.data_dir / "warehouse"),
                "DAGSTER_HOME": str(self.data_dir / "dagster_home")}


def stage_generate(env: Env) -> dict:
    """The embedded default: every landing file and the truth."""
    import shutil

    from dagster_project.generator import generate

    for directory in (env.landing_dir, env.truth_dir):
        shutil.rmtree(directory, ignore_errors=True)
    manifest = generate(env.landing_dir, env.truth_dir, scale=env.scale, seed=env.seed)
    truth_files = [p for p in env.truth_dir.iterdir() if p.is_file()]
    return {
        "sources": {
            **manifest["sources"],
            "truth": {"files": len(truth_files), "bytes": sum(p.stat().st_size for p in truth_files),
                      "rows": manifest["potential_outcome_rows"]},
        },
        "notes": {"person_years": manifest["panel"]["person_years"],
                  "participation_episodes": sum(v["episodes"] for v in manifest["participants"].values())},
    }


STAGES: dict[str, Callable[[Env], dict]] = {
    "generate": stage_generate,
}


def _peak_rss_bytes() -> int:
    # ru_maxrss is in kilobytes on Linux.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024


def _run_in_child(name: str, env: Env) -> dict:
    """Run one stage in a fresh interpreter and return what it reports."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        report = Path(f.name)
    try:
        command = [sys.executable, __file__, "_child", name, "--scale", str(env.scale), "--seed", str(env.seed),
                   "--data-dir", str(env.data_dir), "--report", str(report)]
        started = time.perf_counter()
        subprocess.run(command, check=True, env={**os.environ, **env.variables()})
        result = json.loads(report.read_text(encoding="utf-8"))
        result["wall_seconds_with_startup"] = time.perf_counter() - started
        return result
    finally:
        report.unlink(missing_ok=True)


def _child(name: str, env: Env, report: Path) -> None:
    started = time.perf_counter()
    result = STAGES[name](env)
    result["wall_seconds"] = time.perf_counter() - started
    result["peak_rss_bytes"] = _peak_rss_bytes()
    report.write_text(json.dumps(result), encoding="utf-8")


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def print_report(env: Env, results: dict[str, dict]) -> None:
    print(f"\nscale {env.scale}, seed {env.seed}, data in {env.data_dir}, {os.cpu_count()} CPUs\n")
    print(f"{'stage':<10} {'wall':>9} {'peak RSS':>10}  target (< {TARGET_SECONDS // 60} min, < "
          f"{_size(TARGET_PEAK_BYTES)})")
    for name, r in results.items():
        ok = r["wall_seconds"] < TARGET_SECONDS and r["peak_rss_bytes"] < TARGET_PEAK_BYTES
        print(f"{name:<10} {r['wall_seconds']:>8.1f}s {_size(r['peak_rss_bytes']):>10}  {'met' if ok else 'MISSED'}"
              f"  (with interpreter start-up {r['wall_seconds_with_startup']:.1f}s)")
    for name, r in results.items():
        sources = r.get("sources") or {}
        if not sources:
            continue
        print(f"\n{name}: {'source':<8} {'files':>6} {'rows':>12} {'bytes':>12}")
        for source, c in sources.items():
            print(f"{'':<{len(name) + 2}}{source:<8} {c['files']:>6} {c['rows']:>12,} {_size(c['bytes']):>12}")
        total = sum(c["bytes"] for c in sources.values())
        print(f"{'':<{len(name) + 2}}{'total':<8} {'':>6} {'':>12} {_size(total):>12}")
        for key, value in (r.get("notes") or {}).items():
            print(f"{'':<{len(name) + 2}}{key}: {value:,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stages", nargs="+", help=f"stages in order: {', '.join(STAGES)}")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--data-dir", help="directory for the stages' data (default: a fresh temporary one)")
    parser.add_argument("--report", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    if args.stages[0] == "_child":
        _child(args.stages[1], Env(Path(args.data_dir), args.scale, args.seed), Path(args.report))
        return 0
    unknown = [s for s in args.stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage(s) {unknown}; known: {list(STAGES)}")
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="boligsocial-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = Env(data_dir.resolve(), args.scale, args.seed)
    results = {}
    for name in args.stages:
        print(f"[bench] {name} at scale {env.scale} ...", flush=True)
        results[name] = _run_in_child(name, env)
    print_report(env, results)
    if args.json:
        Path(args.json).write_text(json.dumps({"scale": env.scale, "seed": env.seed, "stages": results}, indent=2),
                                   encoding="utf-8")
    missed = [n for n, r in results.items()
              if r["wall_seconds"] >= TARGET_SECONDS or r["peak_rss_bytes"] >= TARGET_PEAK_BYTES]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
