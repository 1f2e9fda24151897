"""Benchmark of the sources at a given scale: wall time and peak memory per stage, rows and
bytes per source (issue 3: at scale 1.0 each stage under 5 minutes and 8 GB).

    .venv/bin/python bench/sources.py generate --scale 1.0
    .venv/bin/python bench/sources.py generate ingest --scale 1.0 --data-dir /tmp/bench --json results.json
    .venv/bin/python bench/sources.py ingest --data-dir /tmp/bench    # again, on the same landing files

Each stage runs in a fresh child process, which reports its own wall time and peak RSS
(``getrusage``: the process itself plus any process it waited for, e.g. dbt), so stages do
not inherit each other's memory. Stages run in the order given and share one data
directory (landing, truth, work, warehouse below it).

Stages: ``generate`` (the embedded default's landing files and truth) and ``ingest`` (every
raw partition through its gate, one Dagster run per partition, timed per source). To add
a stage, write ``def stage_ingest(env: Env) -> dict`` that
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


def stage_ingest(env: Env) -> dict:
    """Every raw partition through its gate into the raw layer, as the full refresh runs
    it, in a fresh instance: the unpartitioned raw assets (register, Statbank snapshot) in
    one run, then one real Dagster run per partition of each partitioned source. Reports,
    per source, the rows gated, the landing files and bytes read, and seconds."""
    import shutil

    import dagster as dg

    from dagster_project.automation.jobs import (
        PARTITIONED_SOURCES,
        UNPARTITIONED_SOURCES,
        ingest_jobs,
        ingest_unpartitioned_job,
    )
    from dagster_project.core.raw_store import RawStore
    from dagster_project.resources import WarehouseResource
    from dagster_project.settings import get_settings

    settings = get_settings()
    shutil.rmtree(settings.raw_dir, ignore_errors=True)
    unpartitioned = UNPARTITIONED_SOURCES
    # The raw assets and their jobs only: the dbt project is not needed to ingest.
    defs = dg.Definitions(assets=[s.asset for s in PARTITIONED_SOURCES] + unpartitioned, jobs=ingest_jobs,
                          resources={"warehouse": WarehouseResource()}, executor=dg.in_process_executor)
    source_of = {a.key.to_user_string(): a.tags_by_key[a.key]["source"]
                 for a in [s.asset for s in PARTITIONED_SOURCES] + unpartitioned}
    seconds: dict[str, float] = {}
    runs = 0
    with tempfile.TemporaryDirectory() as home, dg.DagsterInstance.local_temp(tempdir=home) as instance:
        plan = [(ingest_unpartitioned_job.name, None, "S2+S7")]
        plan += [(s.job_name, key, source_of[s.asset.key.to_user_string()]) for s in PARTITIONED_SOURCES
                 for key in s.partition_keys(settings, instance)]
        for job, key, source in plan:
            started = time.perf_counter()
            result = defs.resolve_job_def(job).execute_in_process(instance=instance, partition_key=key,
                                                                  raise_on_error=False)
            if not result.success:
                raise RuntimeError(f"{job} [{key}] failed (run {result.run_id})")
            seconds[source] = seconds.get(source, 0.0) + time.perf_counter() - started
            runs += 1
    sources: dict[str, dict] = {}
    for sidecar in RawStore(settings.raw_dir).sidecars():
        c = sources.setdefault(source_of[sidecar["asset"]], {"files": 0, "rows": 0, "bytes": 0})
        c["rows"] += sidecar["rows"]
        c["files"] += len(sidecar["sources"])
        c["bytes"] += sum(f["bytes"] or 0 for f in sidecar["sources"])
    # S2 and S7 ran in one run; their time is reported together under S7's line.
    for source, c in sorted(sources.items()):
        c["seconds"] = round(seconds.get(source, 0.0), 1)
    if "S2+S7" in seconds:
        sources.setdefault("S7", {"files": 0, "rows": 0, "bytes": 0})["seconds"] = round(seconds["S2+S7"], 1)
        sources["S2"]["seconds"] = 0.0
    return {"sources": dict(sorted(sources.items())), "notes": {"dagster_runs": runs}}


STAGES: dict[str, Callable[[Env], dict]] = {
    "generate": stage_generate,
    "ingest": stage_ingest,
}


def _peak_rss_bytes() -> int:
    # ru_maxrss is in kilobytes on Linux.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024


def _run_in_child(name: str, env: Env, script: str = __file__) -> dict:
    """Run one stage in a fresh interpreter and return what it reports. ``script`` is the
    benchmark whose stages ``name`` is one of (bench/refresh.py adds its own)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        report = Path(f.name)
    try:
        command = [sys.executable, script, "_child", name, "--scale", str(env.scale), "--seed", str(env.seed),
                   "--data-dir", str(env.data_dir), "--report", str(report)]
        started = time.perf_counter()
        subprocess.run(command, check=True, env={**os.environ, **env.variables()})
        result = json.loads(report.read_text(encoding="utf-8"))
        result["wall_seconds_with_startup"] = time.perf_counter() - started
        return result
    finally:
        report.unlink(missing_ok=True)


def _child(name: str, env: Env, report: Path, stages: dict[str, Callable[[Env], dict]] = STAGES) -> None:
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = stages[name](env)
    result["wall_seconds"] = time.perf_counter() - started
    # The machine is shared: the 1-minute load average says how busy it was around the stage.
    result["load_average"] = {"before": load_before[0], "after": os.getloadavg()[0]}
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
        timed = any("seconds" in c for c in sources.values())
        print(f"\n{name}: {'source':<8} {'files':>6} {'rows':>12} {'bytes':>12}" + (f" {'seconds':>8}" if timed else ""))
        for source, c in sources.items():
            print(f"{'':<{len(name) + 2}}{source:<8} {c['files']:>6} {c['rows']:>12,} {_size(c['bytes']):>12}"
                  + (f" {c.get('seconds', 0):>8.1f}" if timed else ""))
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
