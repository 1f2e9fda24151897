"""Publishing: versions built aside, one atomic switch, a log, rollback and pruning."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from dagster_project.publish.warehouse import (
    PUBLISH_LOG_COLUMNS,
    PublishedTable,
    PublishError,
    current_version,
    list_versions,
    publish,
    read_log,
    rollback,
)


def _build(path, value):
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE OR REPLACE TABLE marts.fct_x AS SELECT ? AS v", [value])
        con.execute("COMMENT ON TABLE marts.fct_x IS 'a mart'")
        con.execute("COMMENT ON COLUMN marts.fct_x.v IS 'the value'")
        con.execute("CREATE OR REPLACE TABLE marts.fct_person AS SELECT 'p1' AS person_key")


TABLES = [PublishedTable("fct_x", "marts", "marts", not_count_columns=frozenset({"v"})),
          PublishedTable("fct_person", "marts", "restricted", pii=True)]


def _publish(tmp_path, value, minute, keep=5):
    build = tmp_path / "build.duckdb"
    _build(build, value)
    return publish(build_db=build, warehouse_dir=tmp_path / "wh", tables=TABLES, run_id=f"run{minute:04d}abcd",
                   code_revision="abc", sources=[{"file": "f.csv", "sha256": "0" * 64}],
                   checks=[{"check": "c", "passed": True}], keep_versions=keep,
                   now=dt.datetime(2026, 1, 1, 0, minute, tzinfo=dt.UTC))


def test_publish_switches_atomically_and_logs(tmp_path):
    first = _publish(tmp_path, 1, 1)
    second = _publish(tmp_path, 2, 2)
    wh = tmp_path / "wh"
    assert current_version(wh) == second.version
    assert list_versions(wh) == [first.version, second.version]
    with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
        assert con.sql("SELECT v FROM fct_x").fetchone()[0] == 2
        assert con.sql("SELECT count(*) FROM publish_log").fetchone()[0] == 2
        assert con.sql("SELECT comment FROM duckdb_columns() WHERE table_name = 'fct_x'").fetchone()[0] == "the value"
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "fct_person" not in tables  # person-level facts only in restricted.duckdb
    with duckdb.connect(str(wh / "restricted.duckdb"), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM fct_person").fetchone()[0] == 1
    assert (wh / "parquet" / "fct_x.parquet").exists()
    assert [row["version"] for row in read_log(wh)] == [first.version, second.version]


def test_rollback_and_pruning(tmp_path):
    versions = [_publish(tmp_path, i, i, keep=3).version for i in range(1, 5)]
    wh = tmp_path / "wh"
    assert list_versions(wh) == versions[1:]
    assert rollback(wh) == versions[2]
    with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
        assert con.sql("SELECT v FROM fct_x").fetchone()[0] == 3
    assert read_log(wh)[-1]["action"] == "rollback"
    with pytest.raises(PublishError, match="not kept"):
        rollback(wh, "20200101T000000Z-nothere")


def test_a_failed_build_leaves_the_current_version(tmp_path):
    good = _publish(tmp_path, 1, 1)
    before = (tmp_path / "wh" / "marts.duckdb").read_bytes()
    with pytest.raises(duckdb.Error):
        publish(build_db=tmp_path / "build.duckdb", warehouse_dir=tmp_path / "wh",
                tables=[PublishedTable("no_such_table", "marts", "marts")], run_id="run9", code_revision="abc",
                sources=[], checks=[])
    assert current_version(tmp_path / "wh") == good.version
    assert (tmp_path / "wh" / "marts.duckdb").read_bytes() == before
    assert not list((tmp_path / "wh" / "versions").glob(".*"))


def test_the_documented_rollback_command(tmp_path):
    import os
    import subprocess
    import sys

    from dagster_project.settings import REPO_ROOT

    first, second = _publish(tmp_path, 1, 1), _publish(tmp_path, 2, 2)
    env = {**os.environ, "BOLIGSOCIAL_WAREHOUSE_DIR": str(tmp_path / "wh")}
    command = [sys.executable, "-m", "dagster_project"]
    listed = subprocess.run([*command, "versions"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
    assert f"* {second.version}" in listed.stdout and f"  {first.version}" in listed.stdout
    subprocess.run([*command, "rollback"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
    assert current_version(tmp_path / "wh") == first.version
    with duckdb.connect(str(tmp_path / "wh" / "marts.duckdb"), read_only=True) as con:
        assert con.sql("SELECT v FROM fct_x").fetchone()[0] == 1
    back = subprocess.run([*command, "rollback", "--to", second.version], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, check=True)
    assert second.version in back.stdout and current_version(tmp_path / "wh") == second.version


KILLED_PUBLISH = r"""
import datetime as dt, sys
from pathlib import Path
from dagster_project.core.published import PublishedTable
from dagster_project.publish.warehouse import publish
publish(build_db=Path(sys.argv[1]), warehouse_dir=Path(sys.argv[2]), run_id="killed00", code_revision="abc",
        tables=[PublishedTable("fct_big", "marts", "marts", not_count_columns=frozenset({"v"}))], sources=[], checks=[])
"""


def test_a_publish_killed_half_way_leaves_the_current_version_and_the_next_publish_cleans_up(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from dagster_project.settings import REPO_ROOT

    good = _publish(tmp_path, 1, 1)
    wh = tmp_path / "wh"
    before = {p: p.read_bytes() for p in (wh / "versions").rglob("*") if p.is_file()}
    big = tmp_path / "big.duckdb"
    with duckdb.connect(str(big)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.fct_big AS SELECT range AS v, md5(range::varchar) AS t FROM range(3000000)")
    killed = subprocess.Popen([sys.executable, "-c", KILLED_PUBLISH, str(big), str(wh)], cwd=REPO_ROOT)
    deadline = time.monotonic() + 120
    while not list((wh / "versions").glob(".*.partial")):  # the new version is being built
        assert killed.poll() is None and time.monotonic() < deadline, "the publish ended before it was caught"
        time.sleep(0.01)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()

    assert current_version(wh) == good.version and list_versions(wh) == [good.version]
    assert {p: p.read_bytes() for p in (wh / "versions").rglob("*") if p.is_file() and ".partial" not in str(p)} \
        == before
    with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
        assert con.sql("SELECT v FROM fct_x").fetchone()[0] == 1
    after = _publish(tmp_path, 2, 3)  # the publish lock died with the process; the leftover is removed
    assert current_version(wh) == after.version and not list((wh / "versions").glob(".*"))


def test_publish_log_columns_are_described_and_its_json_is_json(tmp_path):
    _publish(tmp_path, 1, 1)
    with duckdb.connect(str(tmp_path / "wh" / "marts.duckdb"), read_only=True) as con:
        columns = con.sql("SELECT column_name, data_type, comment FROM duckdb_columns() "
                          "WHERE table_name = 'publish_log' ORDER BY column_index").fetchall()
        assert [c[0] for c in columns] == [c[0] for c in PUBLISH_LOG_COLUMNS]
        assert all(comment for _, _, comment in columns), columns
        assert {name: data_type for name, data_type, _ in columns if data_type == "JSON"} == \
            {"checks": "JSON", "sources": "JSON", "tables": "JSON"}
        # JSON an analyst can query as such
        assert con.sql("SELECT tables->>'$.fct_x', sources->0->>'file' FROM publish_log").fetchone() == ("1", "f.csv")
