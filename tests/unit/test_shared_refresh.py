"""The session refresh shared by pytest-xdist workers (tests/shared_refresh.py): the second
worker's copy must hold no path of the first worker's environment."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.automation.refresh import RefreshReport, RunSummary
from tests.conftest import Environment, make_environment
from tests.shared_refresh import shared_refresh


def _refreshed_like(env: Environment) -> RefreshReport:
    """What a refresh leaves that holds absolute paths, in miniature and with the real
    parts: a Parquet file read by a view of the build database, a Dagster instance's
    materialization naming a file, a dbt docs manifest, relative warehouse links."""
    (env.landing_dir).mkdir(parents=True)
    (env.landing_dir / "file.csv").write_text("a\n1\n", encoding="utf-8")
    env.truth_dir.mkdir(parents=True)
    raw = env.work_dir / "raw" / "source" / "part.parquet"
    raw.parent.mkdir(parents=True)
    (env.work_dir / "build").mkdir()
    with duckdb.connect(str(env.work_dir / "build" / "warehouse.duckdb")) as con:
        con.execute(f"copy (select 7 as n) to '{raw}' (format parquet)")
        con.execute(f"create view stg as select * from read_parquet('{raw}')")
    version = env.warehouse_dir / "versions" / "v1"
    version.mkdir(parents=True)
    (version / "marts.duckdb").write_bytes(b"published")
    (env.warehouse_dir / "current").symlink_to(Path("versions") / "v1")
    docs = env.warehouse_dir / "reports" / "v1" / "dbt_docs"
    docs.mkdir(parents=True)
    (docs / "manifest.json").write_text(f'{{"root_path": "{env.root}/dbt"}}', encoding="utf-8")
    with dg.DagsterInstance.from_config(str(env.dagster_home)) as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(
            "raw_source", metadata={"file": dg.MetadataValue.path(str(raw))}))
    return RefreshReport("refresh-1", runs=[RunSummary("raw", "ingest_job", "run-1", 1.5, "success")])


def _texts(database: Path) -> str:
    with closing(sqlite3.connect(database)) as con:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        return "\n".join(str(value) for table in tables for row in con.execute(f'select * from "{table}"')
                         for value in row if isinstance(value, str))


def test_second_worker_starts_from_a_copy_with_its_own_paths(tmp_path):
    first, second = make_environment(tmp_path / "gw0"), make_environment(tmp_path / "gw1")
    calls = []

    def refresh_first():
        calls.append("gw0")
        return _refreshed_like(first)

    def refresh_second():
        calls.append("gw1")
        raise AssertionError("the second worker refreshed again")

    report = shared_refresh(tmp_path / "shared", first, refresh_first)
    restored = shared_refresh(tmp_path / "shared", second, refresh_second)
    assert calls == ["gw0"]
    assert restored == report
    # Nothing of the first worker's environment may be read through the copy.
    shutil.rmtree(first.root)

    with duckdb.connect(str(second.work_dir / "build" / "warehouse.duckdb"), read_only=True) as con:
        assert con.sql("select n from stg").fetchall() == [(7,)]
        (view_sql,) = con.sql("select sql from duckdb_views() where view_name = 'stg'").fetchone()
    assert str(second.work_dir / "raw") in view_sql
    databases = sorted(second.dagster_home.rglob("*.db"))
    assert databases, "the instance's databases were not copied"
    for database in databases:
        assert str(first.root) not in _texts(database), database
    with dg.DagsterInstance.from_config(str(second.dagster_home)) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("raw_source"))
    assert event.asset_materialization.metadata["file"].path == str(second.work_dir / "raw" / "source" / "part.parquet")
    manifest = second.warehouse_dir / "reports" / "v1" / "dbt_docs" / "manifest.json"
    assert manifest.read_text(encoding="utf-8") == f'{{"root_path": "{second.root}/dbt"}}'
    assert (second.warehouse_dir / "current" / "marts.duckdb").read_bytes() == b"published"
    assert (second.landing_dir / "file.csv").is_file()
