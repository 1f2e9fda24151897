"""Benchmark of the gates alone: every raw suite on every raw partition, every mart suite,
and their Data Docs, on a refreshed data directory, timed per source.

    nice uv run python bench/gates.py --data-dir /tmp/bench              (after a full refresh there)
    nice uv run python bench/gates.py --data-dir /tmp/bench --repeat 3 --json gates.json

The data directory must hold a refreshed warehouse (`python -m dagster_project refresh
--generate --scale 1.0` with BOLIGSOCIAL_DATA_DIR set to it): its landing files are read with
the sources' readers (not timed), the suite parameters come from the seeds and the raw layer
as in a refresh, and the mart suites read its build database. Data Docs are written to a
scratch warehouse directory, never to the refreshed one.

Timed, per raw partition: ``validate_frame`` (the suite) and ``record_validation`` (storing
the result and rendering its page), as `sources/ingest.py` calls them; per mart suite: its
gate model's view (dbt/models/gates/), the suite and its page, as `quality/checks.py` runs
them; once: the Data Docs index.
The refresh's own figures of the same work are in BENCHMARKS.md (bench/refresh.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def _settings_for(data_dir: Path) -> None:
    os.environ["BOLIGSOCIAL_DATA_DIR"] = str(data_dir)
    for name in ("LANDING", "WORK", "WAREHOUSE", "TRUTH"):
        os.environ.pop(f"BOLIGSOCIAL_{name}_DIR", None)


def raw_partitions(settings):
    """(source, asset, partition, read, parameters, column labels) of every raw partition
    whose landing file is present, in the refresh's order: what each source declares in
    sources/<source>/source.py (the registry), as `sources/ingest.py` gates it."""
    from dagster_project.automation.inventory import take_inventory
    from dagster_project.sources.registry import SOURCES
    from dagster_project.sources.source import sorted_keys

    inventory = take_inventory(settings.landing_dir)
    for source in SOURCES:
        keys = inventory.keys.get(source.asset, {})
        for key in ([None] if None in keys else sorted_keys([k for k in keys if k is not None])):
            yield (source.contract, source.asset, key, lambda s=source, k=key: s.read(settings, k),
                   source.parameters(settings, key), source.column_labels(key))


def _inputs(partition) -> dict:
    """What a raw partition's gate is called with."""
    source, asset, key, read, params, labels = partition
    return {"source": source, "asset": asset, "key": key, "read": read, "parameters": params, "labels": labels}


def measure(data_dir: Path, only: set[str] | None = None) -> dict:
    _settings_for(data_dir)
    from dagster_project.dbt.project import load_manifest
    from dagster_project.quality.checks import gate_model, mart_suites, run_mart_suite
    from dagster_project.quality.data_docs import build_index, record_validation
    from dagster_project.quality.gx_runner import validate_frame
    from dagster_project.settings import get_settings

    settings = get_settings()
    scratch = Path(tempfile.mkdtemp(prefix="bench-gates-"))
    run_id = "bench0000-0000-0000-0000-000000000000"
    sources: dict[str, dict] = {}
    failures = []
    try:
        for partition in raw_partitions(settings):
            inputs = _inputs(partition)
            if only and inputs["source"] not in only:
                continue
            frame = inputs["read"]()
            started = time.perf_counter()
            gate = validate_frame(frame, inputs["asset"], subject=inputs["asset"], parameters=inputs["parameters"],
                                  column_labels=inputs["labels"])
            gate_seconds = time.perf_counter() - started
            started = time.perf_counter()
            record_validation(gate, warehouse_dir=scratch, run_id=run_id, batch=inputs["key"] or inputs["asset"],
                              asset=inputs["asset"], partition=inputs["key"], build_index=False)
            docs_seconds = time.perf_counter() - started
            if not gate.success:
                failures.append(gate.message())
            c = sources.setdefault(inputs["source"], {"partitions": 0, "rows": 0, "gate_seconds": 0.0,
                                                      "data_docs_seconds": 0.0})
            c["partitions"] += 1
            c["rows"] += len(frame)
            c["gate_seconds"] += gate_seconds
            c["data_docs_seconds"] += docs_seconds
            del frame, gate
        marts = {"suites": 0, "seconds": 0.0, "data_docs_seconds": 0.0}
        if not only or "marts" in only:
            manifest = load_manifest()
            for spec in mart_suites():
                relation = gate_model(spec, manifest)["relation_name"]
                started = time.perf_counter()
                gate = run_mart_suite(spec, settings.build_db, relation)
                marts["seconds"] += time.perf_counter() - started
                started = time.perf_counter()
                record_validation(gate, warehouse_dir=scratch, run_id=run_id, batch=spec["meta"]["dagster"]["asset"],
                                  asset=spec["meta"]["dagster"]["asset"], build_index=False)
                marts["data_docs_seconds"] += time.perf_counter() - started
                marts["suites"] += 1
                if not gate.success:
                    failures.append(gate.message())
        started = time.perf_counter()
        build_index(scratch)
        index_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    raw_gate = sum(c["gate_seconds"] for c in sources.values())
    raw_docs = sum(c["data_docs_seconds"] for c in sources.values())
    return {"sources": sources, "marts": marts, "index_seconds": index_seconds, "failures": failures,
            "raw_gate_seconds": raw_gate, "raw_data_docs_seconds": raw_docs,
            "total_seconds": raw_gate + raw_docs + marts["seconds"] + marts["data_docs_seconds"] + index_seconds,
            "load_average": os.getloadavg()[0]}


def _print(result: dict) -> None:
    print(f"{'source':<8} {'partitions':>10} {'rows':>12} {'suite s':>9} {'Data Docs s':>12}")
    for source, c in sorted(result["sources"].items()):
        print(f"{source:<8} {c['partitions']:>10} {c['rows']:>12,} {c['gate_seconds']:>9.2f} "
              f"{c['data_docs_seconds']:>12.2f}")
    m = result["marts"]
    print(f"{'marts':<8} {m['suites']:>10} {'':>12} {m['seconds']:>9.2f} {m['data_docs_seconds']:>12.2f}")
    print(f"index {result['index_seconds']:.2f} s; raw suites {result['raw_gate_seconds']:.2f} s + pages "
          f"{result['raw_data_docs_seconds']:.2f} s; total {result['total_seconds']:.2f} s "
          f"(1-minute load average after: {result['load_average']:.2f})")
    for failure in result["failures"]:
        print("FAILED:", failure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True, help="a refreshed data directory")
    parser.add_argument("--only", help="comma-separated sources (S1..S7, marts) to measure")
    parser.add_argument("--repeat", type=int, default=1, help="measure this many times (each is printed)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    results = []
    for i in range(args.repeat):
        result = measure(Path(args.data_dir).resolve(), only)
        print(f"\n[bench/gates.py] measurement {i + 1} of {args.repeat}")
        _print(result)
        results.append(result)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if any(r["failures"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
