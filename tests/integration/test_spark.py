"""The same dbt project on Apache Spark (the `spark` target of dbt/profiles.yml: dbt-spark in
session mode, pyspark in local mode on Java 17), built from the session's gated raw layer:
every model, seed and dbt test runs, and every published table equals what the DuckDB
build published, row by row; integers, text, dates and decimals exactly, floating-point
columns within 1e-9 relative (docs/architecture.md, "Spark")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import duckdb
import pytest

from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT, get_settings

pytestmark = pytest.mark.slow
# dbt with dbt-spark and pyspark, in an environment of its own (make spark-env).
SPARK_DBT = REPO_ROOT / ".venv-spark" / "bin" / "dbt"
RELATIVE = 1e-9
FLOATS = ("DOUBLE", "FLOAT", "REAL")


def _build_on_spark(work_dir, target_dir) -> dict:
    """`dbt build --target spark` into ``work_dir`` (Spark's tables and catalog), its
    artifacts in ``target_dir`` so that the code location's DuckDB manifest stays as it is."""
    if not SPARK_DBT.exists():
        pytest.fail(f"{SPARK_DBT} is missing: `make spark-env` installs the spark target's dbt")
    if shutil.which("java") is None:
        pytest.fail("no java on PATH: the spark target needs Java 17 (.ci/run installs openjdk-17-jre-headless)")
    env = {**os.environ, **get_settings().dbt_env(), "BOLIGSOCIAL_WORK_DIR": str(work_dir),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [str(SPARK_DBT), "build", "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(target_dir), "--log-path", str(target_dir / "logs")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    return json.loads((target_dir / "run_results.json").read_text(encoding="utf-8"))


def _differences(con: duckdb.DuckDBPyConnection, published: str, spark: str) -> list[str]:
    """What differs between the published table and Spark's (empty when they are equal)."""
    columns = con.sql(f"select column_name, column_type from (describe {published})").fetchall()
    spark_columns = [name for name, *_ in con.sql(f"describe select * from {spark}").fetchall()]
    if [name for name, _ in columns] != spark_columns:
        return [f"columns {[name for name, _ in columns]} against Spark's {spark_columns}"]
    # Rows in the same order on both sides: by every exact column, then by the floats at
    # six significant digits (far coarser than the tolerance they are compared with).
    def ordered(relation: str, cast: bool) -> str:
        values = ", ".join(f'cast("{c}" as {t}) as "{c}"' if cast else f'"{c}"' for c, t in columns)
        keys = [f'"{c}"' for c, t in columns if t not in FLOATS] + [
            f'case when isfinite("{c}") and "{c}" <> 0 then round("{c}", 6 - cast(ceil(log10(abs("{c}"))) as integer)) '
            f'else "{c}" end' for c, t in columns if t in FLOATS]
        return f"select row_number() over (order by {', '.join(keys)}) as _row, * from (select {values} from {relation})"

    checks = []
    for name, data_type in columns:
        a, b = f'a."{name}"', f'b."{name}"'
        same = (f"(({a} is null and {b} is null) or (isnan({a}) and isnan({b})) or {a} = {b} "
                f"or abs({a} - {b}) <= {RELATIVE} * greatest(abs({a}), abs({b})))"
                if data_type in FLOATS else f"{a} is not distinct from {b}")
        checks.append(f"count(*) filter (where not coalesce({same}, false)) as \"{name}\"")
    counts = con.sql(f"select count(a._row), count(b._row), {', '.join(checks)} from ({ordered(published, False)}) a "
                     f"full outer join ({ordered(spark, True)}) b on a._row = b._row").fetchone()
    problems = [] if counts[0] == counts[1] else [f"{counts[0]} rows against Spark's {counts[1]}"]
    problems += [f"{n} rows differ in {name}" for (name, _), n in zip(columns, counts[2:], strict=True) if n]
    return problems


def test_the_spark_build_runs_every_test_and_publishes_what_duckdb_published(refreshed, session_env, tmp_path):
    # Imported here: the module reads the dbt manifest, which the session's refresh prepared.
    from dagster_project.publish.assets import PUBLISHED_TABLES

    results = _build_on_spark(tmp_path / "work", tmp_path / "target")
    statuses = {r["unique_id"]: r["status"] for r in results["results"]}
    assert statuses and set(statuses.values()) <= {"success", "pass"}, {k: v for k, v in statuses.items()
                                                                          if v not in ("success", "pass")}
    assert sum(uid.startswith("test.") for uid in statuses) > 100  # the dbt tests ran on Spark too

    spark_tables = tmp_path / "work" / "spark" / "warehouse"
    differing = {}
    with duckdb.connect() as con:
        for database in ("marts", "restricted"):
            con.execute(f"attach '{session_env.warehouse_dir / f'{database}.duckdb'}' as {database} (read_only)")
        for table in PUBLISHED_TABLES:
            files = spark_tables / f"{table.schema}.db" / table.name
            assert any(files.glob("*.parquet")), f"Spark built no table {table.schema}.{table.name}"
            problems = _differences(con, f'{table.database}.main."{table.name}"',
                                    f"read_parquet('{files.as_posix()}/*.parquet')")
            if problems:
                differing[table.name] = problems
    assert len(PUBLISHED_TABLES) >= 10
    assert not differing, differing
