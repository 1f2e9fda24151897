"""Benchmark of whole refreshes against the floor (issue 7).

    .venv/bin/python bench/refresh.py                          # scales 0.1, 0.3 and 1.0; writes BENCHMARKS.md
    .venv/bin/python bench/refresh.py --scales 0.05 --data-root /tmp/bench --output /tmp/BENCH.md --plot /tmp/b.png
    .venv/bin/python bench/refresh.py --render bench/measured/benchmark.json   # BENCHMARKS.md again from the figures

For each scale, in a fresh data directory and each in a fresh child process
(``bench/sources.py`` runs them and measures wall time and peak RSS):

1. ``generate``: the embedded default at that scale. The newest registrations file is then
   held back from the landing directory: it is the file that "arrives" in step 4.
2. ``refresh``: the full refresh exactly as a data engineer runs it,
   ``python -m dagster_project refresh`` (dbt parse, one Dagster run per raw partition,
   then ``refresh_warehouse``). Its stages are read from the Dagster event log afterwards:
   ingest (reader and Parquet write) and raw gates (the suite and its Data Docs page) from
   the timings each raw materialization records (``sources/ingest.py``); dbt, mart gates
   and publish from the steps' start and success events; the privacy gates from their
   check's metadata; whatever is left is orchestration (Dagster per-run and per-step
   overhead, the dbt parse, fingerprints, the Data Docs index). Memory is sampled every
   0.2 s over the whole process tree (the refresh and the dbt it starts) and attributed
   to the stage running at the time.
3. ``floor``: what DuckDB alone needs for the same work, in one connection to a new
   database file: the seeds, every model's compiled SQL from the manifest dbt wrote in
   the refresh (in dependency order, as a view or table like dbt materializes it), the
   dbt tests' compiled SQL, and every expectation of the raw and mart suites as plain SQL
   aggregates (one query per raw partition or mart suite) over the same Parquet files and
   tables, with the same parameters.
4. ``incremental``: the held-back registrations file lands; the landing sensor is
   evaluated, the ingestion run it requests runs, then the ``refresh_warehouse`` run that
   ``refresh_after_landing`` requests, with the assets it selects (those downstream of the
   file; the daemon's polling interval is not counted). Then, for comparison under the
   same load, a ``refresh_warehouse`` run of everything (not counted in the incremental).

The figures go to ``bench/measured/benchmark.json`` (beside ``--output`` for another
output), then BENCHMARKS.md and a plot of time against scale are written from them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.sources import STAGES as SOURCE_STAGES  # noqa: E402
from bench.sources import Env, _child, _run_in_child, _size  # noqa: E402

DEFAULT_SCALES = (0.1, 0.3, 1.0)
HELD_BACK_DIR = "held_back"
SAMPLE_SECONDS = 0.2

# Targets of issue 7, at scale 1.0 on the 2-core machine.
TARGET_REFRESH_SECONDS = 15 * 60
TARGET_PEAK_BYTES = 8 * 1024**3
TARGET_DBT_OVER_FLOOR = 1.3
TARGET_GATE_SHARE = 0.20
TARGET_INCREMENTAL_SHARE = 0.25

# Stages of a refresh as the table shows them; they add up to the refresh's wall time.
REFRESH_STAGES = ("ingest", "raw gates", "dbt", "mart gates", "publish", "other steps", "orchestration")
VERSIONS = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations", "pandas",
            "pyarrow", "matplotlib")


# --------------------------------------------------------------------------- memory


def _process_tree_rss(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in bytes (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            # The command name may hold spaces: fields start after its closing parenthesis.
            fields = stat[stat.rindex(b")") + 2:].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


class MemorySampler(threading.Thread):
    """Samples the process tree's RSS; ``peak(windows)`` is the highest sample within them."""

    def __init__(self, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        pid = os.getpid()
        while True:
            self.samples.append((time.time(), _process_tree_rss(pid)))
            if self._stop_event.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peak(self, windows: Iterable[tuple[float, float]]) -> int:
        best = 0
        for start, end in windows:
            inside = [r for t, r in self.samples if start <= t <= end]
            if not inside:  # a window shorter than the interval: the next sample after it began
                inside = [r for t, r in self.samples if t >= start][:1]
            best = max([best, *inside])
        return best


# --------------------------------------------------------------------------- event log


def _run_ids_since(instance, since: float) -> list[str]:
    import dagster as dg

    records = instance.get_run_records(filters=dg.RunsFilter(created_after=dt.datetime.fromtimestamp(since, dt.UTC)))
    return [r.dagster_run.run_id for r in sorted(records, key=lambda r: r.create_timestamp)]


def _metadata_value(entry: Any) -> Any:
    return getattr(entry, "value", entry)


def analyse_runs(instance, run_ids: Sequence[str], sampler: MemorySampler | None, wall: tuple[float, float],
                 dbt_target_root: Path) -> dict[str, Any]:
    """Stage timings (and peak memory) of a sequence of runs, from their event logs.

    Returns ``{"stages": {stage: {"seconds", "peak_rss_bytes"}}, "details": {...}}``; the
    stages add up to ``wall`` (start, end in epoch seconds)."""
    import dagster as dg

    seconds = dict.fromkeys(REFRESH_STAGES, 0.0)
    windows: dict[str, list[tuple[float, float]]] = {s: [] for s in REFRESH_STAGES}
    details: dict[str, Any] = {"runs": 0, "raw_steps": 0, "read_seconds": 0.0, "write_seconds": 0.0,
                               "gate_seconds": 0.0, "data_docs_seconds": 0.0, "raw_rows": 0,
                               "privacy_gate_seconds": 0.0, "mart_checks": 0, "dagster_run_seconds": 0.0,
                               "other_steps": {}}
    for run_id in run_ids:
        details["runs"] += 1
        logs = instance.all_logs(run_id)
        run_started = logs[0].timestamp if logs else wall[0]
        run_ended = logs[-1].timestamp if logs else wall[0]
        details["dagster_run_seconds"] += run_ended - run_started
        steps: dict[str, dict[str, Any]] = {}
        for entry in logs:
            event = entry.dagster_event
            if event is None or not entry.step_key:
                continue
            step = steps.setdefault(entry.step_key, {"start": None, "end": None, "materializations": [],
                                                     "checks": []})
            if event.event_type == dg.DagsterEventType.STEP_START:
                step["start"] = entry.timestamp
            elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                step["end"] = entry.timestamp
            elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                step["materializations"].append(event.event_specific_data.materialization)
            elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                step["checks"].append(event.event_specific_data)
        for key, step in steps.items():
            if step["start"] is None or step["end"] is None:
                continue
            start, end = step["start"], step["end"]
            raw = [m for m in step["materializations"] if "gate_seconds" in m.metadata]
            if raw:
                details["raw_steps"] += 1
                at = start
                for m in raw:
                    meta = {k: _metadata_value(v) for k, v in m.metadata.items()}
                    phases = [("ingest", meta["read_seconds"]), ("raw gates", meta["gate_seconds"]),
                              ("raw gates", meta.get("data_docs_seconds", 0.0)),
                              ("ingest", meta.get("write_seconds", 0.0))]
                    for stage, length in phases:
                        seconds[stage] += length
                        windows[stage].append((at, at + length))
                        at += length
                    details["read_seconds"] += meta["read_seconds"]
                    details["gate_seconds"] += meta["gate_seconds"]
                    details["data_docs_seconds"] += meta.get("data_docs_seconds", 0.0)
                    details["write_seconds"] += meta.get("write_seconds", 0.0)
                    details["raw_rows"] += int(meta.get("dagster/row_count", 0))
            elif key == "dbt_models":
                seconds["dbt"] += end - start
                windows["dbt"].append((start, end))
                details["dbt"] = _dbt_details(dbt_target_root, run_id)
            elif key == "published_warehouse":
                privacy = sum(float(_metadata_value(c.metadata.get("seconds", 0.0))) for c in step["checks"])
                details["privacy_gate_seconds"] += privacy
                seconds["publish"] += end - start
                windows["publish"].append((start, end))
            elif step["checks"] and not step["materializations"]:
                seconds["mart gates"] += end - start
                windows["mart gates"].append((start, end))
                details["mart_checks"] += len(step["checks"])
            else:
                # Any other asset step (a report rendered from the marts, say): named in the details.
                seconds["other steps"] += end - start
                windows["other steps"].append((start, end))
                details["other_steps"][key] = details["other_steps"].get(key, 0.0) + end - start
    total = wall[1] - wall[0]
    seconds["orchestration"] = total - sum(v for k, v in seconds.items() if k != "orchestration")
    details["wall_seconds"] = total
    stages = {}
    for stage in REFRESH_STAGES:
        peak = sampler.peak(windows[stage]) if sampler and windows[stage] else None
        stages[stage] = {"seconds": seconds[stage], "peak_rss_bytes": peak}
    if sampler:
        stages["orchestration"]["peak_rss_bytes"] = sampler.peak([wall])
        details["sampled_peak_rss_bytes"] = max((r for _, r in sampler.samples), default=0)
    return {"stages": stages, "details": details}


def _dbt_details(target_root: Path, run_id: str) -> dict[str, Any]:
    """dbt's own account of the build in run ``run_id``: its target directory (compiled SQL,
    manifest), elapsed time, and the summed execution time of models and tests."""
    targets = sorted(target_root.glob(f"dbt_models-{run_id[:7]}-*"))
    if not targets or not (targets[-1] / "run_results.json").is_file():
        return {}
    target = targets[-1]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    by_type: dict[str, float] = {}
    count: dict[str, int] = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".", 1)[0]
        by_type[kind] = by_type.get(kind, 0.0) + (r.get("execution_time") or 0.0)
        count[kind] = count.get(kind, 0) + 1
    return {"target": str(target), "elapsed_seconds": results.get("elapsed_time"),
            "execution_seconds": by_type, "nodes": count}


# --------------------------------------------------------------------------- stages


def stage_refresh(env: Env) -> dict:
    """The full refresh, as `python -m dagster_project refresh` runs it."""
    import dagster as dg

    from dagster_project import cli
    from dagster_project.settings import DBT_PROJECT_DIR

    sampler = MemorySampler()
    sampler.start()
    started = time.time()
    try:
        code = cli.main(["refresh"])
    finally:
        ended = time.time()
        sampler.stop()
    if code != 0:
        raise RuntimeError(f"refresh failed (exit code {code}); see the log in {env.data_dir / 'work' / 'logs'}")
    with dg.DagsterInstance.get() as instance:
        run_ids = _run_ids_since(instance, started)
        result = analyse_runs(instance, run_ids, sampler, (started, ended), DBT_PROJECT_DIR / "target")
    return result


def stage_incremental(env: Env) -> dict:
    """One registrations file lands: the landing sensor's tick, the ingestion run it
    requests, and the warehouse refresh refresh_after_landing requests once it succeeded."""
    import dagster as dg

    from dagster_project.automation.sensors import landing_sensor, refresh_after_landing
    from dagster_project.cli import ensure_dagster_home
    from dagster_project.definitions import defs
    from dagster_project.resources import WarehouseResource
    from dagster_project.settings import DBT_PROJECT_DIR

    held = sorted((env.data_dir / HELD_BACK_DIR).rglob("*.csv"))
    if len(held) != 1:
        raise RuntimeError(f"expected one held-back registrations file in {env.data_dir / HELD_BACK_DIR}, found {held}")
    relative = held[0].relative_to(env.data_dir / HELD_BACK_DIR)
    ensure_dagster_home()
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    sampler = MemorySampler()
    with dg.DagsterInstance.get() as instance:
        (env.landing_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(held[0], env.landing_dir / relative)
        sampler.start()
        started = time.time()
        tick = landing_sensor(dg.build_sensor_context(instance=instance, resources={"warehouse": WarehouseResource()}))
        for request in tick.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        if len(tick.run_requests) != 1:
            raise RuntimeError(f"the landing sensor requested {len(tick.run_requests)} runs for one new file")
        refresh_request = None
        for request in tick.run_requests:
            result = defs.resolve_job_def(request.job_name).execute_in_process(
                instance=instance, partition_key=request.partition_key, tags=request.tags, run_config=run_config,
                raise_on_error=True)
            event = result.get_run_success_event()
            refresh_request = refresh_after_landing(dg.build_run_status_sensor_context(
                sensor_name="refresh_after_landing", dagster_event=event, dagster_instance=instance,
                dagster_run=result.dagster_run, repository_def=defs.get_repository_def()))
        if not isinstance(refresh_request, dg.RunRequest):
            raise RuntimeError(f"refresh_after_landing did not request a refresh: {refresh_request}")
        job = refresh_request.job_name or "refresh_warehouse"
        defs.resolve_job_def(job).execute_in_process(instance=instance, tags=refresh_request.tags,
                                                     asset_selection=refresh_request.asset_selection,
                                                     run_config=run_config, raise_on_error=True)
        ended = time.time()
        sampler.stop()
        run_ids = _run_ids_since(instance, started)
        result = analyse_runs(instance, run_ids, sampler, (started, ended), DBT_PROJECT_DIR / "target")
        if refresh_request.asset_selection is not None:
            # For comparison under the same load: what rebuilding all of refresh_warehouse
            # costs now, as the refresh after a landing did before it selected downstream.
            all_started = time.time()
            everything = defs.resolve_job_def(job).execute_in_process(
                instance=instance, tags={"boligsocial/trigger": "bench"}, run_config=run_config, raise_on_error=True)
            all_ended = time.time()
            result["rebuild_all"] = analyse_runs(instance, [everything.run_id], None, (all_started, all_ended),
                                                 DBT_PROJECT_DIR / "target")
    result["details"]["landed_file"] = relative.as_posix()
    selection = refresh_request.asset_selection
    result["details"]["refreshed_assets"] = "all" if selection is None else [k.to_user_string() for k in selection]
    result["details"]["partition"] = tick.run_requests[0].partition_key
    return result


def stage_floor(env: Env) -> dict:
    """The same transformations and checks as plain SQL in one DuckDB connection."""
    import duckdb

    from dagster_project.settings import DBT_PROJECT_DIR, get_settings

    settings = get_settings()
    targets = sorted((DBT_PROJECT_DIR / "target").glob("dbt_models-*/manifest.json"), key=lambda p: p.stat().st_mtime)
    if not targets:
        raise RuntimeError("no dbt build to take the compiled SQL from: run the refresh stage first")
    target = targets[-1].parent
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    floor_dir = env.data_dir / "floor"
    shutil.rmtree(floor_dir, ignore_errors=True)
    floor_dir.mkdir(parents=True)
    # The compiled SQL names relations "<catalog>"."<schema>"."<name>": the floor database
    # gets the build database's file name, so its catalog name is the same.
    floor_db = floor_dir / settings.build_db.name
    timings: dict[str, Any] = {}
    with duckdb.connect(str(floor_db)) as con:
        started = time.perf_counter()
        models = run_models(con, manifest, settings.build_db)
        timings["models_seconds"] = time.perf_counter() - started
        timings["models"] = models
        started = time.perf_counter()
        timings["dbt_test_failures"] = run_dbt_tests(con, manifest)
        timings["dbt_tests_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        raw = run_raw_gates(con, settings)
        timings["raw_gates_seconds"] = time.perf_counter() - started
        timings["raw_gates"] = raw
        started = time.perf_counter()
        marts = run_mart_gates(con, settings)
        timings["mart_gates_seconds"] = time.perf_counter() - started
        timings["mart_gates"] = marts
    timings["dbt_target"] = str(target)
    return {"floor": timings}


# --------------------------------------------------------------------------- floor: dbt


def _topological(nodes: dict[str, dict]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen:
            return
        seen.add(uid)
        for dep in nodes[uid].get("depends_on", {}).get("nodes", []):
            if dep in nodes:
                visit(dep)
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    return order


def _relation(node: dict) -> str:
    return f'"{node["database"]}"."{node["schema"]}"."{node.get("alias") or node["name"]}"'


def run_models(con, manifest: dict, build_db: Path) -> dict[str, float]:
    """Seeds and models in dependency order; seconds per node."""
    nodes = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")}
    for schema in sorted({n["schema"] for n in nodes.values()}):
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    # Seed column types as dbt loaded them (column_types in dbt_project.yml, inference for the rest).
    with __import__("duckdb").connect(str(build_db), read_only=True) as build:
        seed_types = {(schema, table): dict(build.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "ORDER BY column_index", [schema, table]).fetchall())
            for schema, table in {(n["schema"], n.get("alias") or n["name"]) for n in nodes.values()
                                  if n["resource_type"] == "seed"}}
    seconds: dict[str, float] = {}
    for uid in _topological(nodes):
        node = nodes[uid]
        started = time.perf_counter()
        if node["resource_type"] == "seed":
            path = Path(node["root_path"]) / node["original_file_path"]
            types = seed_types[(node["schema"], node.get("alias") or node["name"])]
            columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
            con.execute(f"CREATE OR REPLACE TABLE {_relation(node)} AS SELECT * FROM "
                        f"read_csv('{path.as_posix()}', header = true, columns = {columns})")
        else:
            materialized = node["config"].get("materialized")
            if materialized == "ephemeral":
                continue  # inlined into the compiled SQL of the models that use it
            kind = "VIEW" if materialized == "view" else "TABLE"
            if materialized not in ("view", "table", "incremental"):
                raise ValueError(f"{uid}: materialization {materialized!r} has no plain-SQL equivalent here")
            con.execute(f"CREATE OR REPLACE {kind} {_relation(node)} AS {node['compiled_code']}")
        seconds[node["name"]] = time.perf_counter() - started
    return seconds


def run_dbt_tests(con, manifest: dict) -> int:
    """Every dbt test's compiled SQL, wrapped as dbt's test materialization does; failing rows."""
    failures = 0
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("compiled_code"):
            failures += con.execute(f"SELECT count(*) FROM ({node['compiled_code']}) dbt_internal_test").fetchone()[0]
    return failures


# --------------------------------------------------------------------------- floor: gates


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return "'" + str(value).replace("'", "''") + "'"


def _resolve(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters[value["$PARAMETER"]]
    return value


def _condition(row_condition: str | None) -> str:
    """A pandas row condition (the suites' condition_parser) as SQL."""
    if not row_condition:
        return "TRUE"
    sql = row_condition.replace("==", "=")
    sql = re.sub(r'"([^"]*)"', lambda m: "'" + m.group(1).replace("'", "''") + "'", sql)
    sql = re.sub(r"\bin\s*\[([^\]]*)\]", r"in (\1)", sql)
    return f"({sql})"


def _re2(regex: str) -> str:
    """DuckDB's RE2 has no look-around: the project's RE2 form of the one such pattern the
    suites use (the CPR shape, core/cpr.py)."""
    from dagster_project.core.cpr import CPR_REGEX, CPR_REGEX_RE2

    return CPR_REGEX_RE2 if regex == CPR_REGEX else regex


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def expectation_sql(expectation: dict, parameters: dict[str, Any], columns: Sequence[str]) -> str:
    """One aggregate that is true when the expectation holds (GX's semantics: column map
    expectations ignore nulls, except the null expectations themselves)."""
    kind = expectation["type"]
    kw = {k: _resolve(v, parameters) for k, v in expectation["kwargs"].items()}
    where = _condition(kw.get("row_condition"))
    c = _quote(kw["column"]) if "column" in kw else None

    def none_where(bad: str) -> str:
        return f"count(*) FILTER (WHERE {where} AND ({bad})) = 0"

    def value_list(values: Iterable[Any]) -> str:
        return "[" + ", ".join(_literal(v) for v in values) + "]"

    if kind == "expect_table_row_count_to_be_between":
        low, high = kw.get("min_value"), kw.get("max_value")
        return " AND ".join([f"count(*) >= {low}" if low is not None else "TRUE",
                             f"count(*) <= {high}" if high is not None else "TRUE"])
    if kind == "expect_table_columns_to_match_set":
        wanted = set(kw["column_set"])
        ok = wanted == set(columns) if kw.get("exact_match", True) else wanted <= set(columns)
        return "TRUE" if ok else "FALSE"
    if kind == "expect_column_values_to_not_be_null":
        return none_where(f"{c} IS NULL")
    if kind == "expect_column_values_to_be_null":
        return none_where(f"{c} IS NOT NULL")
    if kind == "expect_column_values_to_be_in_set":
        return none_where(f"{c} IS NOT NULL AND NOT list_contains({value_list(kw['value_set'])}, {c})")
    if kind == "expect_column_values_to_not_be_in_set":
        return none_where(f"{c} IS NOT NULL AND list_contains({value_list(kw['value_set'])}, {c})")
    if kind == "expect_column_values_to_be_between":
        bad = []
        if kw.get("min_value") is not None:
            bad.append(f"{c} {'<=' if kw.get('strict_min') else '<'} {_literal(kw['min_value'])}")
        if kw.get("max_value") is not None:
            bad.append(f"{c} {'>=' if kw.get('strict_max') else '>'} {_literal(kw['max_value'])}")
        return none_where(f"{c} IS NOT NULL AND ({' OR '.join(bad) or 'FALSE'})")
    if kind in ("expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex"):
        kw["regex"] = _re2(kw["regex"])
    if kind == "expect_column_values_to_match_regex":
        return none_where(f"{c} IS NOT NULL AND NOT regexp_matches(CAST({c} AS VARCHAR), {_literal(kw['regex'])})")
    if kind == "expect_column_values_to_not_match_regex":
        return none_where(f"{c} IS NOT NULL AND regexp_matches(CAST({c} AS VARCHAR), {_literal(kw['regex'])})")
    if kind == "expect_column_values_to_be_unique":
        return f"count({c}) FILTER (WHERE {where}) = count(DISTINCT {c}) FILTER (WHERE {where})"
    if kind == "expect_compound_columns_to_be_unique":
        row = "row(" + ", ".join(_quote(x) for x in kw["column_list"]) + ")"
        return f"count(*) FILTER (WHERE {where}) = count(DISTINCT {row}) FILTER (WHERE {where})"
    if kind in ("expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"):
        a, b = _quote(kw["column_A"]), _quote(kw["column_B"])
        if kind.endswith("equal"):
            bad = f"{a} IS DISTINCT FROM {b}"
        else:
            bad = f"NOT ({a} {'>=' if kw.get('or_equal') else '>'} {b})"
        return none_where(f"NOT ({a} IS NULL AND {b} IS NULL) AND ({bad})")
    if kind == "expect_column_distinct_values_to_contain_set":
        return f"list_has_all(list(DISTINCT {c}) FILTER (WHERE {where}), {value_list(kw['value_set'])})"
    raise ValueError(f"no SQL for expectation {kind}")


def run_suite_sql(con, suite: dict, relation: str, parameters: dict[str, Any]) -> dict[str, int]:
    """Every expectation of ``suite`` as one aggregate query over ``relation``."""
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    aggregates = [expectation_sql(e, parameters, columns) for e in suite["expectations"]]
    try:
        verdicts = con.execute(f"SELECT {', '.join(aggregates)} FROM {relation}").fetchone()
        errored = 0
    except Exception:  # noqa: BLE001 - find the expectation SQL cannot evaluate, count it as errored
        verdicts, errored = [], 0
        for aggregate in aggregates:
            try:
                verdicts.append(con.execute(f"SELECT {aggregate} FROM {relation}").fetchone()[0])
            except Exception:  # noqa: BLE001
                verdicts.append(None)
                errored += 1
    return {"expectations": len(aggregates), "failed": sum(1 for v in verdicts if v is False), "errored": errored}


def _raw_parameters(settings) -> dict[str, Callable[[str | None], dict[str, Any]]]:
    """Suite parameters of each raw asset, by partition, exactly as the raw assets gate with."""
    from dagster_project.automation.jobs import PARTITIONED_SOURCES
    from dagster_project.quality import parameters

    by_asset: dict[str, Callable[[str | None], dict[str, Any]]] = {
        "raw_register_areas": lambda _key: parameters.raw_register_areas(),
        "raw_register_estates": lambda _key: parameters.raw_register_estates(settings.raw_dir),
        "raw_statbank_folk1a": lambda _key: parameters.raw_statbank_folk1a(),
    }
    for source in PARTITIONED_SOURCES:
        by_asset[source.asset.key.to_user_string()] = (
            lambda key, source=source: dict(source.inputs(settings, key)[1] or {}))
    return by_asset


def run_raw_gates(con, settings) -> dict[str, int]:
    from dagster_project.core.raw_store import RawStore
    from dagster_project.quality.gx_runner import load_suite

    store = RawStore(settings.raw_dir)
    parameters_of = _raw_parameters(settings)
    totals = {"partitions": 0, "expectations": 0, "failed": 0, "errored": 0}
    for sidecar in store.sidecars():
        asset, partition = sidecar["asset"], sidecar["partition"]
        path = store.path(asset, partition)
        outcome = run_suite_sql(con, load_suite(asset), f"read_parquet('{path.as_posix()}')",
                                parameters_of[asset](partition))
        totals["partitions"] += 1
        for k in ("expectations", "failed", "errored"):
            totals[k] += outcome[k]
    return totals


def run_mart_gates(con, settings) -> dict[str, int]:
    from dagster_project.quality.checks import mart_suites
    from dagster_project.quality.parameters import shared_parameters

    totals = {"suites": 0, "expectations": 0, "failed": 0, "errored": 0}
    for spec in mart_suites():
        meta = spec["meta"]
        sql = meta["batch"]["sql"].replace("{raw_dir}", settings.raw_dir.as_posix())
        # The suite's frame, materialized once as the orchestrated gate does (it reads it into pandas).
        con.execute(f"CREATE OR REPLACE TEMP TABLE _gate_frame AS {sql}")
        outcome = run_suite_sql(con, spec, "_gate_frame", shared_parameters(meta.get("parameters", {})))
        totals["suites"] += 1
        for k in ("expectations", "failed", "errored"):
            totals[k] += outcome[k]
    return totals


STAGES: dict[str, Callable[[Env], dict]] = {**SOURCE_STAGES, "refresh": stage_refresh, "floor": stage_floor,
                                            "incremental": stage_incremental}


# --------------------------------------------------------------------------- driver


def hold_back_newest_registrations(env: Env) -> str:
    """Move the newest registrations file out of the landing directory: it is the file
    that arrives for the incremental refresh."""
    from dagster_project.sources.participants.readers import landing_keys, registration_file, split_key

    keys = landing_keys(env.landing_dir)
    newest = max(keys, key=lambda k: (split_key(k)[1], split_key(k)[0]))
    relative = registration_file(newest)
    target = env.data_dir / HELD_BACK_DIR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(env.landing_dir / relative, target)
    return str(relative)


def run_scale(scale: float, seed: int, data_root: Path) -> dict[str, Any]:
    data_dir = (data_root / f"scale-{scale:g}").resolve()
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = Env(data_dir, scale, seed)
    stages: dict[str, dict] = {}
    uptime: dict[str, str] = {}
    for name in ("generate", "refresh", "floor", "incremental"):
        print(f"[bench] scale {scale:g}: {name} ...", flush=True)
        uptime[name] = _uptime()
        stages[name] = _run_in_child(name, env, script=__file__)
        print(f"[bench] scale {scale:g}: {name} done in {stages[name]['wall_seconds']:.1f} s, "
              f"peak {_size(stages[name]['peak_rss_bytes'])}", flush=True)
        if name == "generate":
            held = hold_back_newest_registrations(env)
            print(f"[bench] scale {scale:g}: held back {held} (it lands for the incremental refresh)", flush=True)
    return {"scale": scale, "seed": seed, "data_dir": str(data_dir), "held_back": held, "uptime": uptime,
            "stages": stages}


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as f:
        memory = int(next(line for line in f if line.startswith("MemTotal")).split()[1]) * 1024
    versions = {}
    for name in VERSIONS:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=REPO_ROOT).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=REPO_ROOT).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "versions": versions,
            "code_revision": revision + ("-dirty" if dirty else ""),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


# --------------------------------------------------------------------------- figures


def figures(run: dict[str, Any]) -> dict[str, Any]:
    """The derived figures of one scale: stage times, shares, ratios."""
    refresh, incremental, floor = (run["stages"][k] for k in ("refresh", "incremental", "floor"))
    absent = {"seconds": 0.0, "peak_rss_bytes": None}  # a stage figures measured before it existed lack
    stages = {s: refresh["stages"].get(s, absent) for s in REFRESH_STAGES}
    details = refresh["details"]
    total = details["wall_seconds"]
    dbt_tests = (details.get("dbt") or {}).get("execution_seconds", {}).get("test", 0.0)
    gates = stages["raw gates"]["seconds"] + stages["mart gates"]["seconds"] + details["privacy_gate_seconds"]
    f = floor["floor"]
    floor_dbt = f["models_seconds"] + f["dbt_tests_seconds"]
    return {
        "scale": run["scale"],
        "generate_seconds": run["stages"]["generate"]["wall_seconds"],
        "generate_peak": run["stages"]["generate"]["peak_rss_bytes"],
        "refresh_seconds": total,
        "refresh_peak": _peak(refresh),
        "incremental_seconds": incremental["details"]["wall_seconds"],
        # Sampled only: the child's high-water mark would include the comparison run after it.
        "incremental_peak": incremental["details"].get("sampled_peak_rss_bytes") or _peak(incremental),
        "stages": stages,
        "incremental_stages": {s: incremental["stages"].get(s, absent) for s in REFRESH_STAGES},
        "gates_seconds": gates,
        "gate_share": gates / total,
        "gate_share_with_dbt_tests": (gates + dbt_tests) / total,
        "dbt_tests_seconds": dbt_tests,
        "floor_models_seconds": f["models_seconds"],
        "floor_dbt_seconds": floor_dbt,
        "dbt_over_floor": stages["dbt"]["seconds"] / floor_dbt,
        "floor_raw_gates_seconds": f["raw_gates_seconds"],
        "floor_mart_gates_seconds": f["mart_gates_seconds"],
        "incremental_share": incremental["details"]["wall_seconds"] / total,
        # the warehouse refresh rebuilding everything, measured right after the incremental one
        "rebuild_all_seconds": (incremental.get("rebuild_all") or {}).get("details", {}).get("wall_seconds"),
    }


def _peak(stage: dict[str, Any]) -> int:
    """A refresh's peak memory: the highest of the kernel's high-water mark of any one
    process and the sampled sum over the process tree (the refresh and dbt at once)."""
    return max(stage["peak_rss_bytes"], stage["details"].get("sampled_peak_rss_bytes", 0))


def _rebuilt(details: dict[str, Any]) -> str:
    rebuilt = details.get("refreshed_assets", "all")
    return "all of refresh_warehouse" if rebuilt == "all" else f"{len(rebuilt)} downstream of the file"


def _s(seconds: float) -> str:
    return f"{seconds:,.1f} s" if seconds < 600 else f"{seconds:,.0f} s ({seconds / 60:.1f} min)"


def _gb(n: int | None) -> str:
    return "" if n is None else _size(n)


def render(results: dict[str, Any], plot: Path, command: str) -> str:
    runs = sorted(results["runs"], key=lambda r: r["scale"])
    figs = [figures(r) for r in runs]
    m = results["machine"]
    largest = figs[-1]
    out: list[str] = []
    add = out.append
    add("# Benchmarks\n")
    add("What a refresh of the warehouse costs, how it grows with the size of the data, and how close the "
        "orchestration (Dagster, dbt, Great Expectations) comes to what DuckDB alone does with the same SQL. "
        "Every figure below was measured by `bench/refresh.py` (issue 7) and written into this file by it; "
        "the raw figures are in `bench/measured/benchmark.json`.\n")
    minutes = sum(r["stages"][s]["wall_seconds"] for r in runs
                  for s in ("generate", "refresh", "floor", "incremental")) / 60
    add(f"Reproduce (about {minutes:.0f} minutes on this machine):\n")
    add(f"```bash\n{command}\n```\n")
    add("## Machine\n")
    add("| | |\n|---|---|")
    add(f"| CPU | {m['cpu']}, {m['cores']} cores |")
    add(f"| memory | {_size(m['memory_bytes'])} (shared with other work) |")
    add(f"| system | {m['system']}, Python {m['python']} |")
    add("| versions | " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + " |")
    add(f"| code | revision `{m['code_revision']}`, measured {m['date']} |")
    add("")
    add("The machine is shared with other engineers' builds and tests; `uptime` just before each stage:\n")
    add("| scale | stage | uptime |\n|---|---|---|")
    for r in runs:
        for stage, text in r["uptime"].items():
            add(f"| {r['scale']:g} | {stage} | `{text}` |")
    add("")
    add("## Full refresh by stage\n")
    add("Wall time and peak resident memory (the refresh process and the dbt it starts, sampled every "
        f"{SAMPLE_SECONDS} s) of each stage. The stages of the refresh add up to its wall time. "
        "*ingest* is the readers and the Parquet writes (with the landing files' checksums); *raw gates* the "
        "raw expectation suites and their Data Docs pages; *dbt* the `dbt build` step (models, seeds and dbt "
        "tests, and the lineage metadata); *mart gates* the mart expectation suites; *publish* the new "
        "version with its privacy gates; *other steps* any other asset of the warehouse job (a report "
        "rendered from the marts); *orchestration* the rest: Dagster's per-run and per-step work "
        "(one run per raw partition), `dbt parse`, input fingerprints, the Data Docs index.\n")
    header = "| stage | " + " | ".join(f"scale {f['scale']:g}: time | peak" for f in figs) + " |"
    add(header)
    add("|---|" + "---:|---:|" * len(figs))
    add("| generate (not part of the refresh) | " + " | ".join(
        f"{_s(f['generate_seconds'])} | {_gb(f['generate_peak'])}" for f in figs) + " |")
    for stage in REFRESH_STAGES:
        add(f"| {stage} | " + " | ".join(
            f"{_s(f['stages'][stage]['seconds'])} | {_gb(f['stages'][stage]['peak_rss_bytes'])}" for f in figs) + " |")
    add("| **full refresh** | " + " | ".join(
        f"**{_s(f['refresh_seconds'])}** | **{_gb(f['refresh_peak'])}**" for f in figs) + " |")
    add("| **incremental** (one new registrations file) | " + " | ".join(
        f"**{_s(f['incremental_seconds'])}** | **{_gb(f['incremental_peak'])}**" for f in figs) + " |")
    if any(f["rebuild_all_seconds"] for f in figs):
        add("| for comparison: the warehouse refresh rebuilding everything, right after | " + " | ".join(
            f"{_s(f['rebuild_all_seconds'])} | " if f["rebuild_all_seconds"] else " | " for f in figs) + " |")
    add("")
    add("Peak memory of the whole refresh is the higher of the kernel's high-water mark of one process "
        "(`getrusage`: the refresh or its largest child) and the highest sample of the process tree (the "
        "refresh and dbt together); a stage's peak is the highest sample while it ran. Python keeps memory "
        "it has freed, so a stage's figure includes what earlier stages left allocated.\n")
    add(f"![time against scale]({plot.as_posix()})\n")
    add("## Against the floor\n")
    add("The floor is the same work as plain SQL in one DuckDB connection to a new database file: the seeds, "
        "every model's SQL as dbt compiled it in the refresh (from the run's `manifest.json`, in dependency "
        "order, a view or a table as dbt materializes it), the dbt tests' compiled SQL, and every expectation of "
        "the raw and mart suites as one aggregate query per raw partition or mart suite, over the same Parquet "
        "files and tables with the same parameters.\n")
    add("| | " + " | ".join(f"scale {f['scale']:g}" for f in figs) + " |")
    add("|---|" + "---:|" * len(figs))
    add("| dbt step, orchestrated | " + " | ".join(_s(f["stages"]["dbt"]["seconds"]) for f in figs) + " |")
    add("| floor: models | " + " | ".join(_s(f["floor_models_seconds"]) for f in figs) + " |")
    add("| floor: models and dbt tests | " + " | ".join(_s(f["floor_dbt_seconds"]) for f in figs) + " |")
    add("| **dbt / floor** | " + " | ".join(f"**{f['dbt_over_floor']:.2f}x**" for f in figs) + " |")
    add("| raw gates, orchestrated (GX + Data Docs page) | " + " | ".join(
        _s(f["stages"]["raw gates"]["seconds"]) for f in figs) + " |")
    add("| floor: raw gates as SQL aggregates | " + " | ".join(_s(f["floor_raw_gates_seconds"]) for f in figs) + " |")
    add("| mart gates, orchestrated | " + " | ".join(_s(f["stages"]["mart gates"]["seconds"]) for f in figs) + " |")
    add("| floor: mart gates as SQL aggregates | " + " | ".join(
        _s(f["floor_mart_gates_seconds"]) for f in figs) + " |")
    add("")
    add("## Targets (scale " + f"{largest['scale']:g})\n")
    add("| target | measured | |\n|---|---|---|")

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    add(f"| full refresh under 15 min | {_s(largest['refresh_seconds'])} | "
        f"{verdict(largest['refresh_seconds'] < TARGET_REFRESH_SECONDS)} |")
    add(f"| peak memory under 8 GB | {_size(largest['refresh_peak'])} | "
        f"{verdict(largest['refresh_peak'] < TARGET_PEAK_BYTES)} |")
    add(f"| dbt stage at most 1.3x the floor | {largest['dbt_over_floor']:.2f}x | "
        f"{verdict(largest['dbt_over_floor'] <= TARGET_DBT_OVER_FLOOR)} |")
    add(f"| gates at most 20 % of the refresh | {largest['gate_share']:.1%} (raw {_s(largest['stages']['raw gates']['seconds'])}, "
        f"mart {_s(largest['stages']['mart gates']['seconds'])}, privacy "
        f"{_s(largest['gates_seconds'] - largest['stages']['raw gates']['seconds'] - largest['stages']['mart gates']['seconds'])}); "
        f"{largest['gate_share_with_dbt_tests']:.1%} counting the dbt tests' summed execution time "
        f"({_s(largest['dbt_tests_seconds'])}) | {verdict(largest['gate_share_with_dbt_tests'] <= TARGET_GATE_SHARE)} |")
    add(f"| incremental at most 25 % of the full refresh | {largest['incremental_share']:.1%} | "
        f"{verdict(largest['incremental_share'] <= TARGET_INCREMENTAL_SHARE)} |")
    if len(figs) > 1:
        steps = []
        ok = True
        for a, b in zip(figs, figs[1:]):
            growth = b["refresh_seconds"] / a["refresh_seconds"]
            ok &= growth <= b["scale"] / a["scale"]
            steps.append(f"{a['scale']:g} to {b['scale']:g}: x{b['scale'] / a['scale']:.1f} data, x{growth:.2f} time")
        add(f"| time growing no faster than linearly | {'; '.join(steps)} | {verdict(ok)} |")
    add("")
    add("## Details\n")
    add("| | " + " | ".join(f"scale {r['scale']:g}" for r in runs) + " |")
    add("|---|" + "---:|" * len(runs))
    rows = [
        ("person-years generated", lambda r: f"{r['stages']['generate']['notes']['person_years']:,}"),
        ("raw rows gated", lambda r: f"{r['stages']['refresh']['details']['raw_rows']:,}"),
        ("Dagster runs in the full refresh", lambda r: f"{r['stages']['refresh']['details']['runs']}"),
        ("reader / Parquet write", lambda r: f"{_s(r['stages']['refresh']['details']['read_seconds'])} / "
                                             f"{_s(r['stages']['refresh']['details']['write_seconds'])}"),
        ("GX validation / Data Docs pages (raw)",
         lambda r: f"{_s(r['stages']['refresh']['details']['gate_seconds'])} / "
                   f"{_s(r['stages']['refresh']['details']['data_docs_seconds'])}"),
        ("dbt's own elapsed time", lambda r: _s((r['stages']['refresh']['details'].get('dbt') or {})
                                                .get('elapsed_seconds') or 0.0)),
        ("dbt nodes run", lambda r: ", ".join(f"{v} {k}s" for k, v in sorted(
            ((r['stages']['refresh']['details'].get('dbt') or {}).get('nodes') or {}).items()))),
        ("privacy gates (in publish)", lambda r: _s(r['stages']['refresh']['details']['privacy_gate_seconds'])),
        ("other steps", lambda r: ", ".join(
            f"{k} {_s(v)}" for k, v in r['stages']['refresh']['details']['other_steps'].items()) or "none"),
        ("floor: failing checks (should be 0)", lambda r: "dbt tests {}, raw {}, mart {}".format(
            r['stages']['floor']['floor']['dbt_test_failures'],
            r['stages']['floor']['floor']['raw_gates']['failed'] + r['stages']['floor']['floor']['raw_gates']['errored'],
            r['stages']['floor']['floor']['mart_gates']['failed'] + r['stages']['floor']['floor']['mart_gates']['errored'])),
        ("incremental: file landed", lambda r: f"`{r['stages']['incremental']['details']['landed_file']}`"),
        ("incremental: warehouse assets rebuilt", lambda r: _rebuilt(r['stages']['incremental']['details'])),
        ("incremental: " + " / ".join(REFRESH_STAGES),
         lambda r: " / ".join(_s(figures(r)["incremental_stages"][s]["seconds"]) for s in REFRESH_STAGES)),
    ]
    for label, value in rows:
        add(f"| {label} | " + " | ".join(value(r) for r in runs) + " |")
    add("")
    notes = REPO_ROOT / "bench" / "benchmark_notes.md"
    if notes.is_file():
        add(notes.read_text(encoding="utf-8").strip() + "\n")
    return "\n".join(out)


def plot_scales(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = [figures(r) for r in sorted(results["runs"], key=lambda r: r["scale"])]
    scales = [f["scale"] for f in figs]
    fig, ax = plt.subplots(figsize=(9, 5), dpi=110)
    ax.plot(scales, [f["refresh_seconds"] for f in figs], "o-", linewidth=2.5, color="black", label="full refresh")
    colors = dict(zip(REFRESH_STAGES, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:olive", "tab:cyan",
                                       "tab:brown"), strict=True))
    for stage in REFRESH_STAGES:
        values = [f["stages"][stage]["seconds"] for f in figs]
        if any(v > 0.05 for v in values):  # a stage this code does not have is left out
            ax.plot(scales, [max(v, 0.05) for v in values], "o-", linewidth=1, color=colors[stage], label=stage)
    ax.plot(scales, [f["floor_dbt_seconds"] for f in figs], "s--", color="tab:green", alpha=0.6,
            label="floor: dbt's SQL in DuckDB alone")
    ax.plot(scales, [f["floor_raw_gates_seconds"] for f in figs], "s--", color="tab:orange", alpha=0.6,
            label="floor: raw gates as SQL")
    ax.plot(scales, [f["incremental_seconds"] for f in figs], "^-", linewidth=2, color="tab:purple",
            label="incremental refresh")
    if len(figs) > 1:
        first = figs[0]
        ax.plot(scales, [first["refresh_seconds"] * s / first["scale"] for s in scales], ":", color="black",
                label="linear in scale (from the smallest)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(scales, [f"{s:g}" for s in scales])
    ax.set_xlabel("scale (1.0 = Denmark)")
    ax.set_ylabel("wall time (s)")
    ax.set_title(f"Refresh time against scale ({results['machine']['cores']} cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def write_outputs(results: dict[str, Any], output: Path, plot: Path, command: str) -> None:
    plot_scales(results, plot)
    try:
        shown = plot.resolve().relative_to(output.resolve().parent)
    except ValueError:
        shown = plot.resolve()
    output.write_text(render(results, shown, command), encoding="utf-8")


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
    if args.render:
        results = json.loads(Path(args.render).read_text(encoding="utf-8"))
        write_outputs(results, output, plot, results["command"])
        print(f"[bench] wrote {output} and {plot}")
        return 0
    default_output = output.resolve() == (REPO_ROOT / "BENCHMARKS.md").resolve()
    results_path = Path(args.results) if args.results else (
        REPO_ROOT / "bench" / "results" / "benchmark.json" if default_output else output.with_suffix(".json"))
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
              f"({f['gate_share_with_dbt_tests']:.1%} with dbt tests), incremental {f['incremental_share']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
