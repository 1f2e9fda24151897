"""The published warehouse: immutable versions and one atomic switch between them.

    <warehouse_dir>/
      versions/<version>/marts.duckdb        aggregated, suppressed: for every analyst
      versions/<version>/restricted.duckdb   pseudonymised person-level facts
      versions/<version>/parquet/<mart>.parquet
      versions/<version>/version.json
      current -> versions/<version>          the one switch (a symlink, replaced atomically)
      marts.duckdb -> current/marts.duckdb   the stable paths analysts open
      restricted.duckdb -> current/restricted.duckdb
      parquet -> current/parquet
      publish_log.jsonl                      every publish and rollback, append-only

A new version is built completely in a hidden directory beside the others, checked by
the privacy gates (``privacy_gates.py``), flushed to disk, renamed into place and only
then made current by replacing the ``current`` symlink in one rename. A refresh that
fails or is killed at any point leaves ``current`` and the files it points to untouched.
Analysts holding a connection keep reading the version they opened; a new connection
sees the new version. Versions are never modified after they are built.

File modes: a version is built in a directory only its owner can enter; before it is
renamed into place, its files are made readable to analysts (0644, directories 0755),
except the person-level ``restricted.duckdb``: its owner and the group
``BOLIGSOCIAL_RESTRICTED_GROUP`` (0640), or its owner alone when no group is set (0600).
Rollback only moves the link, so the modes of every kept version stay as published.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import grp
import json
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.core.published import PublishedTable
from dagster_project.core.sql import literal
from dagster_project.publish.privacy_gates import GateReport, check_database

MARTS_DB = "marts.duckdb"
RESTRICTED_DB = "restricted.duckdb"
PARQUET_DIR = "parquet"
LOG_FILE = "publish_log.jsonl"
CURRENT = "current"
VERSIONS = "versions"
# Analysts read everything published but the person-level file, which its owner and the
# restricted group read (or its owner alone without a group).
ANALYST_FILE_MODE = 0o644
ANALYST_DIR_MODE = 0o755
RESTRICTED_MODE = 0o640
RESTRICTED_OWNER_ONLY_MODE = 0o600
RESTRICTED_FILES = (RESTRICTED_DB,)


class PublishError(RuntimeError):
    pass


class PrivacyGateFailed(PublishError):
    """A privacy gate failed on the new version: nothing was switched."""

    def __init__(self, report: GateReport):
        self.report = report
        super().__init__(report.message())


@dataclass(frozen=True)
class PublishResult:
    version: str
    path: Path
    tables: dict[str, int]
    marts_db: Path
    privacy: GateReport


def current_version(warehouse_dir: Path) -> str | None:
    link = warehouse_dir / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


def list_versions(warehouse_dir: Path) -> list[str]:
    root = warehouse_dir / VERSIONS
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def read_log(warehouse_dir: Path) -> list[dict[str, Any]]:
    path = warehouse_dir / LOG_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@contextmanager
def _lock(warehouse_dir: Path) -> Iterator[None]:
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with open(warehouse_dir / ".publish.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(
    *,
    build_db: Path,
    warehouse_dir: Path,
    tables: Sequence[PublishedTable],
    run_id: str,
    code_revision: str,
    sources: Sequence[dict[str, Any]],
    checks: Sequence[dict[str, Any]],
    keep_versions: int = 5,
    now: dt.datetime | None = None,
    inputs_digest: str | None = None,
    restricted_group: str | None = None,
) -> PublishResult:
    """Build a new version from the dbt build database and make it current.
    ``restricted_group``: the group (name or gid) that may read restricted.duckdb."""
    if not build_db.exists():
        raise PublishError(f"build database {build_db} does not exist: run dbt first")
    group_id = restricted_group_id(restricted_group)
    published_at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    version = f"{published_at:%Y%m%dT%H%M%SZ}-{run_id[:8]}"
    with _lock(warehouse_dir):
        versions_root = warehouse_dir / VERSIONS
        versions_root.mkdir(parents=True, exist_ok=True)
        staging = versions_root / f".{version}.partial"
        if staging.exists():
            shutil.rmtree(staging)
        # Nobody but the owner enters it until its modes are set (_set_modes).
        staging.mkdir(mode=0o700)
        try:
            log_row = {
                "version": version,
                "action": "publish",
                "published_at": published_at.isoformat(),
                "run_id": run_id,
                "code_revision": code_revision,
                "sources": list(sources),
                "checks": list(checks),
                "checks_passed": sum(1 for c in checks if c.get("passed")),
                # What the version is a function of (publish/inputs.py): a refresh with the
                # same digest publishes nothing.
                "inputs_digest": inputs_digest,
            }
            counts, privacy = _build_version(staging, build_db, tables, log_row, _previous_log(warehouse_dir))
            log_row["tables"] = counts
            (staging / "version.json").write_text(json.dumps(log_row, indent=2), encoding="utf-8")
            _set_modes(staging, group_id)
            _fsync_tree(staging)
            final = versions_root / version
            os.rename(staging, final)
            _fsync_dir(versions_root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _switch(warehouse_dir, version)
        _append_log(warehouse_dir, log_row)
        _prune(warehouse_dir, keep_versions)
    return PublishResult(version=version, path=final, tables=counts, marts_db=warehouse_dir / MARTS_DB,
                         privacy=privacy)


def rollback(warehouse_dir: Path, to_version: str | None = None) -> str:
    """Make an earlier version current again (by default the one before the current)."""
    with _lock(warehouse_dir):
        versions = list_versions(warehouse_dir)
        current = current_version(warehouse_dir)
        if to_version is None:
            older = [v for v in versions if current is None or v < current]
            if not older:
                raise PublishError(f"no version older than {current} to roll back to; kept: {versions}")
            to_version = older[-1]
        if to_version not in versions:
            raise PublishError(f"version {to_version!r} is not kept in {warehouse_dir / VERSIONS}; kept: {versions}")
        _switch(warehouse_dir, to_version)
        _append_log(warehouse_dir, {"version": to_version, "action": "rollback", "from_version": current,
                                    "published_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()})
    return to_version


PRIVACY_CHECK = "published_warehouse:privacy_gates"


def restricted_group_id(group: str | None) -> int | None:
    """The gid of ``BOLIGSOCIAL_RESTRICTED_GROUP`` (a name or a number), None when unset."""
    if group is None or not str(group).strip():
        return None
    group = str(group).strip()
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise PublishError(f"BOLIGSOCIAL_RESTRICTED_GROUP={group!r} is not a group on this machine") from None


def _set_modes(version: Path, group_id: int | None) -> None:
    """Analysts' files readable to all (whatever the umask), the person-level files to
    their owner and the restricted group only. Run before the version is renamed into place."""
    for path in sorted(version.rglob("*")):
        if path.is_symlink():
            continue
        os.chmod(path, ANALYST_DIR_MODE if path.is_dir() else ANALYST_FILE_MODE)
    for name in RESTRICTED_FILES:
        path = version / name
        if not path.exists():
            continue
        if group_id is not None:
            try:
                os.chown(path, -1, group_id)
            except PermissionError:
                raise PublishError(f"cannot give {name} to group {group_id}: this user is not a member of it") from None
        os.chmod(path, RESTRICTED_MODE if group_id is not None else RESTRICTED_OWNER_ONLY_MODE)
    os.chmod(version, ANALYST_DIR_MODE)


def file_modes(version: Path) -> dict[str, tuple[str, int]]:
    """Every file and directory of a version with its permissions ('-rw-r-----') and gid."""
    return {path.relative_to(version).as_posix() or ".": (stat.filemode(path.stat().st_mode), path.stat().st_gid)
            for path in [version, *sorted(version.rglob("*"))]}


def _build_version(target: Path, build_db: Path, tables: Sequence[PublishedTable], log_row: dict[str, Any],
                   previous_log: list[dict[str, Any]]) -> tuple[dict[str, int], GateReport]:
    counts: dict[str, int] = {}
    privacy = GateReport()
    (target / PARQUET_DIR).mkdir()
    databases = {database: [t for t in tables if t.database == database] for database in ("marts", "restricted")}
    for database, selected in databases.items():
        with duckdb.connect(str(target / f"{database}.duckdb")) as con:
            con.execute(f"ATTACH {literal(str(build_db))} AS build (READ_ONLY)")
            for table in selected:
                source = f'build."{table.schema}"."{table.name}"'
                # In a deterministic order: the same contents give the same bytes.
                con.execute(f'CREATE TABLE main."{table.name}" AS SELECT * FROM {source} ORDER BY ALL')
                _copy_comments(con, table)
                counts[table.name] = con.execute(f'SELECT count(*) FROM main."{table.name}"').fetchone()[0]
            con.execute("DETACH build")
            # Gate what is in the file, as analysts will read it, before anything is exported.
            privacy.merge(check_database(con, database, selected))
    if not privacy.passed:
        raise PrivacyGateFailed(privacy)
    log_row["checks"] = [*log_row["checks"], {"check": PRIVACY_CHECK, "passed": True, "severity": "ERROR",
                                              **privacy.summary()}]
    log_row["checks_passed"] += 1
    for database, selected in databases.items():
        with duckdb.connect(str(target / f"{database}.duckdb")) as con:
            _write_log_table(con, previous_log + [log_row | {"tables": counts}])
            privacy.merge(check_database(con, database, [], extra_tables=["publish_log"]))
            if database == "marts":
                for table in selected:
                    parquet = target / PARQUET_DIR / f"{table.name}.parquet"
                    con.execute(f'COPY (SELECT * FROM main."{table.name}" ORDER BY ALL) TO {literal(str(parquet))} '
                                "(FORMAT parquet)")
            con.execute("CHECKPOINT")
    if not privacy.passed:
        raise PrivacyGateFailed(privacy)
    return counts, privacy


def _copy_comments(con: duckdb.DuckDBPyConnection, table: PublishedTable) -> None:
    """dbt's persisted docs travel with the table, so analysts see them in the file."""
    row = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = 'build' AND schema_name = ? AND table_name = ?",
        [table.schema, table.name]).fetchone()
    if row and row[0]:
        con.execute(f'COMMENT ON TABLE main."{table.name}" IS {literal(row[0])}')
    for column, comment in con.execute(
            "SELECT column_name, comment FROM duckdb_columns() "
            "WHERE database_name = 'build' AND schema_name = ? AND table_name = ? AND comment IS NOT NULL",
            [table.schema, table.name]).fetchall():
        con.execute(f'COMMENT ON COLUMN main."{table.name}"."{column}" IS {literal(comment)}')


# publish_log in every version's databases: name, type, what (the column comments analysts
# read with duckdb_columns(); docs/data_dictionary.md lists them too).
PUBLISH_LOG_COLUMNS = (
    ("version", "VARCHAR", "The published version, <UTC time>-<run id prefix>, as in versions/ and `make versions`."),
    ("action", "VARCHAR", "'publish' (every row: the history of the versions published up to this one)."),
    ("published_at", "TIMESTAMP", "When the version was published (UTC)."),
    ("run_id", "VARCHAR", "The Dagster run that published it (the run in the Dagster UI)."),
    ("code_revision", "VARCHAR", "The git commit of the code that built it, '-dirty' if the checkout had changes."),
    ("checks_passed", "INTEGER", "How many asset checks passed in the run, the privacy gates included."),
    ("checks", "JSON", "Every check of the run: [{check, passed, severity}], the privacy gates' counts included."),
    ("sources", "JSON", "Every landing file the version was built from: [{asset, partition, file, sha256, gated_in_run}]."),
    ("tables", "JSON", "Rows per published table: {table: rows}."),
)
PUBLISH_LOG_COMMENT = ("Every version published up to and including this one: run, code revision, source file "
                       "checksums, checks passed and table row counts (checks, sources and tables are JSON).")


def _write_log_table(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    con.execute("CREATE TABLE publish_log ("
                + ", ".join(f"{name} {data_type}" for name, data_type, _ in PUBLISH_LOG_COLUMNS) + ")")
    con.execute(f"COMMENT ON TABLE publish_log IS {literal(PUBLISH_LOG_COMMENT)}")
    for name, _, comment in PUBLISH_LOG_COLUMNS:
        con.execute(f"COMMENT ON COLUMN publish_log.{name} IS {literal(comment)}")
    for row in rows:
        con.execute("INSERT INTO publish_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            row["version"], row.get("action", "publish"), row["published_at"].replace("+00:00", ""),
            row.get("run_id"), row.get("code_revision"), row.get("checks_passed"),
            json.dumps(row.get("checks", [])), json.dumps(row.get("sources", [])), json.dumps(row.get("tables", {})),
        ])


def _previous_log(warehouse_dir: Path) -> list[dict[str, Any]]:
    return [row for row in read_log(warehouse_dir) if row.get("action", "publish") == "publish"]


def _switch(warehouse_dir: Path, version: str) -> None:
    """Point ``current`` at a version with one atomic rename, then ensure stable links."""
    tmp = warehouse_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(Path(VERSIONS) / version, tmp)
    os.replace(tmp, warehouse_dir / CURRENT)
    for name in (MARTS_DB, RESTRICTED_DB, PARQUET_DIR):
        link = warehouse_dir / name
        if not link.is_symlink():
            if link.exists():
                raise PublishError(f"{link} exists and is not the link this warehouse manages")
            os.symlink(Path(CURRENT) / name, link)
    _fsync_dir(warehouse_dir)


def _append_log(warehouse_dir: Path, row: dict[str, Any]) -> None:
    with open(warehouse_dir / LOG_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _prune(warehouse_dir: Path, keep: int) -> None:
    current = current_version(warehouse_dir)
    versions = list_versions(warehouse_dir)
    for old in versions[: max(0, len(versions) - max(keep, 1))]:
        if old != current:
            shutil.rmtree(warehouse_dir / VERSIONS / old, ignore_errors=True)
    for leftover in (warehouse_dir / VERSIONS).glob(".*.partial"):
        shutil.rmtree(leftover, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
    for directory in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        _fsync_dir(directory)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
