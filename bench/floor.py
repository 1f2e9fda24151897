"""The floor of a refresh (issue 7): what DuckDB alone needs for the same work, in one
connection to a new database file.

- the seeds and every model's compiled SQL from the manifest dbt wrote in the refresh
  (in dependency order, as a view or table like dbt materializes it), then the dbt
  tests' compiled SQL;
- every expectation of the raw suites (``expectations/raw_*.json``) as plain SQL
  aggregates, one query per raw partition over its Parquet file, with the parameters
  the source declares (``Source.parameters`` in ``sources/<source>/source.py``);
- every mart suite the same way over its gate model (``meta.batch.model``, a view of
  dbt/models/gates/ built among the models; suites read through ``quality/checks.py``'s
  ``mart_suites``, as the mart checks do), and the list
  check's report query (``quality/list_check.py``).

Everything but ``stage_floor`` is a function of a connection and its arguments:
``expectation_sql`` is pure (tests/unit/test_bench_floor.py holds it to Great
Expectations' verdicts).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.sources import Env
from dagster_project.core.sql import identifier, literal


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
        marts = run_mart_gates(con, settings, manifest)
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
    return literal(str(value))


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


def expectation_sql(expectation: dict, parameters: dict[str, Any], columns: Sequence[str]) -> str:
    """One aggregate that is true when the expectation holds (GX's semantics: column map
    expectations ignore nulls, except the null expectations themselves)."""
    kind = expectation["type"]
    kw = {k: _resolve(v, parameters) for k, v in expectation["kwargs"].items()}
    where = _condition(kw.get("row_condition"))
    c = identifier(kw["column"]) if "column" in kw else None

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
        row = "row(" + ", ".join(identifier(x) for x in kw["column_list"]) + ")"
        return f"count(*) FILTER (WHERE {where}) = count(DISTINCT {row}) FILTER (WHERE {where})"
    if kind in ("expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"):
        a, b = identifier(kw["column_A"]), identifier(kw["column_B"])
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


def run_raw_gates(con, settings) -> dict[str, int]:
    """Each gated raw partition's suite as one aggregate over its Parquet file, with the
    parameters its source declares for that partition."""
    from dagster_project.core.raw_store import RawStore
    from dagster_project.quality.gx_runner import load_suite
    from dagster_project.sources.registry import BY_ASSET

    store = RawStore(settings.raw_dir)
    totals = {"partitions": 0, "expectations": 0, "failed": 0, "errored": 0}
    for sidecar in store.sidecars():
        asset, partition = sidecar["asset"], sidecar["partition"]
        path = store.path(asset, partition)
        parameters = dict(BY_ASSET[asset].parameters(settings, partition) or {})
        outcome = run_suite_sql(con, load_suite(asset), f"read_parquet('{path.as_posix()}')", parameters)
        totals["partitions"] += 1
        for k in ("expectations", "failed", "errored"):
            totals[k] += outcome[k]
    return totals


def run_mart_gates(con, settings, manifest: dict) -> dict[str, int]:
    """Every mart suite over its gate model (dbt/models/gates/), which ``run_models`` built
    in the floor database from its compiled SQL like every other model, and the list check's queries."""
    from dagster_project.quality import list_check
    from dagster_project.quality.checks import gate_model, mart_suites
    from dagster_project.quality.parameters import shared_parameters

    totals = {"suites": 0, "expectations": 0, "failed": 0, "errored": 0}
    for spec in mart_suites():
        meta = spec["meta"]
        # The suite's frame, materialized once as the orchestrated gate does (it reads it into pandas).
        con.execute(f"CREATE OR REPLACE TEMP TABLE _gate_frame AS SELECT * FROM {_relation(gate_model(spec, manifest))}")
        outcome = run_suite_sql(con, spec, "_gate_frame", shared_parameters(meta.get("parameters", {})))
        totals["suites"] += 1
        for k in ("expectations", "failed", "errored"):
            totals[k] += outcome[k]
    # The list check (a warning-only check in the same step family): its report's rows.
    columns = ", ".join(list_check.COLUMNS)
    queries = [f"SELECT {columns} FROM reports.{list_check.REPORT} ORDER BY list_year, area_id, criterion",
               "SELECT count(DISTINCT list_year), count(*) FROM intermediate.int_area__lists_rules WHERE list_delivered"]
    totals["list_check_queries"], totals["list_check_errors"] = len(queries), 0
    for query in queries:
        try:
            con.execute(query).fetchall()
        except Exception:  # noqa: BLE001 - counted, as an errored expectation is
            totals["list_check_errors"] += 1
    return totals
