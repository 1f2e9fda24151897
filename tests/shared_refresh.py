"""The session's full refresh, done once for all pytest-xdist workers of a run.

The first worker that needs it refreshes its own environment, as without workers, and
leaves a snapshot of the result in a directory the workers share: the environment's
files, its Dagster instance's databases (copied with SQLite's backup API, so a snapshot
never holds half a write) and the refresh's report. A worker that needs it after that
waits for the first one and starts from a copy of the snapshot instead of refreshing
again (a refresh takes 2-5 minutes of a test run on two cores).

What a copy must change: the absolute paths of the environment it came from, held by the
build database's views (the staging views read the raw Parquet files by path) and by
the Dagster instance's records (the metadata of materializations names files), and the
dbt docs site of the published version (its manifest.json). They are rewritten to the
copy's paths; nothing else in the environment holds one (the warehouse links are
relative, digests and fingerprints name files relative to their directories).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from tests.conftest import Environment, environment_at
from tests.reliability import copy_environment

REPORT = "report.json"
ORIGIN = "origin.txt"
# Rewritten by the next docs step, and dbt parses anew for another path anyway.
_NOT_COPIED = ("dbt_docs_target",)
_DIRS = ("landing_dir", "truth_dir", "work_dir", "warehouse_dir")


def shared_refresh(shared: Path, env: Environment, refresh: Callable[[], object]):
    """The report of the session's refresh, with ``env`` refreshed: by ``refresh()`` if no
    worker has done it yet (then snapshotted into ``shared``), else restored from the
    snapshot. The lock makes a second worker wait for the first one's refresh."""
    shared.mkdir(parents=True, exist_ok=True)
    snapshot = shared / "snapshot"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (snapshot / REPORT).is_file():
            return restore(snapshot, env)
        report = refresh()
        save(env, report, snapshot)
        return report


def save(env: Environment, report, snapshot: Path) -> None:
    """``env`` and the report of its refresh, into ``snapshot`` (complete or absent)."""
    partial = snapshot.with_name(f".{snapshot.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    copy = copy_environment(env, partial, ignore=_NOT_COPIED)
    _copy_instance(env.dagster_home, copy.dagster_home)
    (partial / ORIGIN).write_text(str(env.root), encoding="utf-8")
    (partial / REPORT).write_text(json.dumps(dataclasses.asdict(report)), encoding="utf-8")
    partial.rename(snapshot)


def restore(snapshot: Path, env: Environment):
    """``env`` replaced by the environment saved in ``snapshot``, its paths made ``env``'s;
    returns the saved report."""
    from dagster_project.automation.refresh import RefreshReport, RunSummary

    origin = (snapshot / ORIGIN).read_text(encoding="utf-8")
    for name in _DIRS:
        shutil.rmtree(getattr(env, name), ignore_errors=True)
    # The instance of this worker may be open already: its SQLite storages connect per
    # call (no pool), so files replaced between calls are what the next call reads.
    for part in ("history", "schedules", "storage"):
        shutil.rmtree(env.dagster_home / part, ignore_errors=True)
    saved = environment_at(snapshot)
    copy_environment(saved, env.root)
    _copy_instance(saved.dagster_home, env.dagster_home)
    relocate(env, origin)
    fields = json.loads((snapshot / REPORT).read_text(encoding="utf-8"))
    fields["runs"] = [RunSummary(**run) for run in fields["runs"]]
    return RefreshReport(**fields)


def relocate(env: Environment, origin: str) -> None:
    """The absolute paths under ``origin`` that ``env`` holds, made paths under ``env.root``."""
    new = str(env.root)
    for database in sorted(env.dagster_home.rglob("*.db")):
        _replace_in_sqlite(database, origin, new)
    _replace_in_views(env.work_dir / "build" / "warehouse.duckdb", origin, new)
    for manifest in sorted((env.warehouse_dir / "reports").glob("*/dbt_docs/manifest.json")):
        manifest.write_text(manifest.read_text(encoding="utf-8").replace(origin, new), encoding="utf-8")


def _copy_instance(source: Path, target: Path) -> None:
    """A Dagster home's files, its SQLite databases through the backup API (they are in
    WAL mode: a plain copy could miss what is still in the write-ahead log)."""
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.db", "*.db-wal", "*.db-shm", "*.lock"))
    for database in sorted(source.rglob("*.db")):
        copy = target / database.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        # sqlite3's context manager commits but doesn't close.
        with closing(sqlite3.connect(database)) as src, closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)


def _replace_in_sqlite(database: Path, old: str, new: str) -> None:
    with closing(sqlite3.connect(database)) as con, con:
        tables = [row[0] for row in con.execute("select name from sqlite_master where type = 'table' "
                                                "and name not like 'sqlite_%'")]
        for table in tables:
            for column in [row[1] for row in con.execute(f'pragma table_info("{table}")')]:
                con.execute(f'update "{table}" set "{column}" = replace("{column}", ?, ?) '
                            f'where typeof("{column}") = \'text\' and instr("{column}", ?) > 0', (old, new, old))


def _replace_in_views(build_db: Path, old: str, new: str) -> None:
    import duckdb

    if not build_db.is_file():
        return
    with duckdb.connect(str(build_db)) as con:
        views = con.sql("select sql from duckdb_views() where not internal and not temporary").fetchall()
        for (sql,) in views:
            if old in sql:
                con.execute(sql.replace(old, new).replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
