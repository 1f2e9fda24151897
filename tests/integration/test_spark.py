"""The warehouse refresh on Apache Spark (BOLIGSOCIAL_ENGINE=spark: the spark target of
dbt/profiles.yml, dbt-spark in session mode, pyspark in local mode on Java 17), from a copy
of the session's refreshed environment: the bad-input corpus's entries that reach the
warehouse build fail it on Spark with the same file, row, column and rule as on DuckDB, and
nothing is published; with the files as they were, every model, seed and dbt test runs on
Spark, the mart gates pass on Spark's tables, and every table the new version publishes
equals the DuckDB build's, row by row; integers, text, dates and decimals exactly,
floating-point columns within 1e-9 relative (docs/architecture.md, "Spark")."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from dagster_project.automation.refresh import RefreshFailed, run_refresh
from dagster_project.dbt.spark import SPARK_DBT, tables_dir
from dagster_project.publish.warehouse import current_version
from dagster_project.settings import get_settings
from tests.conftest import in_process
from tests.corruptions import REACHING_THE_BUILD
from tests.reliability import private_environment, private_instance, published_fingerprint

pytestmark = pytest.mark.slow
RELATIVE = 1e-9
FLOATS = ("DOUBLE", "FLOAT", "REAL")


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


def test_the_refresh_on_spark_fails_like_duckdb_and_publishes_what_duckdb_published(refreshed, session_env, defs,
                                                                                     tmp_path, monkeypatch):
    # Imported here: the module reads the dbt manifest, which the session's refresh prepared.
    from dagster_project.publish.assets import PUBLISHED_TABLES

    if not SPARK_DBT.exists():
        pytest.fail(f"{SPARK_DBT} is missing: `make spark-env` installs the spark target's dbt")
    if shutil.which("java") is None:
        pytest.fail("no java on PATH: the spark target needs Java 17 (.ci/run installs openjdk-17-jre-headless)")
    env = private_environment(session_env, tmp_path, monkeypatch)
    monkeypatch.setenv("BOLIGSOCIAL_ENGINE", "spark")

    # The corpus's entries that reach the build, in one refresh (each breaks another file):
    # the Spark build's gates fail each with the file, row, column and rule the DuckDB
    # build's do (tests/integration/test_bad_input.py), and nothing is published.
    entries = REACHING_THE_BUILD
    assert len(entries) >= 3, [c.name for c in entries]
    original = tmp_path / "landing_as_it_was"
    shutil.copytree(env.landing_dir, original)
    expected = {c.name: c.apply(env.landing_dir) for c in entries}
    before = published_fingerprint(env.warehouse_dir)
    with private_instance(env) as instance:
        with pytest.raises(RefreshFailed) as failed:
            run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
        message = str(failed.value)
        assert failed.value.run_id, message
        failed_checks = {e.dagster_event.event_specific_data.asset_check_key.to_user_string()
                         for e in instance.all_logs(failed.value.run_id,
                                                    of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
                         if not e.dagster_event.event_specific_data.passed}
        for name, wanted in expected.items():
            assert wanted.check in failed_checks, f"{name}: {wanted.check} did not fail on Spark; failed: {failed_checks}"
            for fragment in wanted.fragments:
                assert fragment in message, f"{name}: {fragment!r} not in:\n{message}"
            for secret in wanted.forbidden:
                assert secret not in message
        assert published_fingerprint(env.warehouse_dir) == before

        # The files as they were: built, gated and published from Spark's tables.
        shutil.rmtree(env.landing_dir)
        shutil.copytree(original, env.landing_dir)
        report = run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
        [warehouse_run] = [r for r in report.runs if r.job == "refresh_warehouse"]
        checks = [e.dagster_event.event_specific_data for e in
                  instance.all_logs(warehouse_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
    assert current_version(env.warehouse_dir) != before["link current"].split("/")[-1]
    # Every dbt test ran on Spark and every mart gate on Spark's tables, and all passed.
    assert len(checks) > 100 and all(c.passed for c in checks), [c.asset_check_key for c in checks if not c.passed]
    assert sum(c.asset_check_key.name.startswith("gx_") for c in checks) >= 20

    differing = {}
    with duckdb.connect() as con:
        for database in ("marts", "restricted"):
            con.execute(f"attach '{session_env.warehouse_dir / f'{database}.duckdb'}' as duck_{database} (read_only)")
            con.execute(f"attach '{env.warehouse_dir / f'{database}.duckdb'}' as spark_{database} (read_only)")
        for table in PUBLISHED_TABLES:
            files = tables_dir(get_settings()) / f"{table.schema}.db" / table.name
            assert any(files.glob("*.parquet")), f"Spark built no table {table.schema}.{table.name}"
            problems = _differences(con, f'duck_{table.database}.main."{table.name}"',
                                    f'spark_{table.database}.main."{table.name}"')
            if problems:
                differing[table.name] = problems
    assert len(PUBLISHED_TABLES) >= 10
    assert not differing, differing
