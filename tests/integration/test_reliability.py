"""A refresh killed in the middle of the dbt build, and an analyst reading during a refresh.

Both run real processes on a private copy of the session's refreshed environment: the
refresh command (`python -m dagster_project refresh`) killed with SIGKILL, and an analyst
process holding a read-only DuckDB connection to the published marts.duckdb."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project.automation.refresh import run_refresh
from dagster_project.publish.warehouse import current_version, list_versions, read_log
from dagster_project.settings import REPO_ROOT, get_settings
from tests.reliability import private_environment, private_instance, published_fingerprint

pytestmark = pytest.mark.slow


@pytest.fixture()
def private_env(refreshed, session_env, tmp_path, monkeypatch):
    return private_environment(session_env, tmp_path, monkeypatch)

REFRESH = [sys.executable, "-m", "dagster_project", "refresh"]


def _children(pid: int) -> dict[int, list[str]]:
    """Every live descendant of ``pid``, with its command line (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                try:
                    argv = (Path("/proc") / str(child) / "cmdline").read_bytes().decode().split("\0")
                except OSError:
                    continue
                found[child] = argv
                frontier.append(child)
    return found


def _is_dbt_build(argv: list[str]) -> bool:
    return any(Path(arg).name == "dbt" for arg in argv) and "build" in argv


def _wait_for_dbt_writing(process: subprocess.Popen, build_db: Path, timeout: float = 300) -> float:
    """Block until a `dbt build` child of the refresh runs and the build database is being
    written (its write-ahead log exists or the file changed); returns the seconds waited."""
    started = time.monotonic()
    stamp = build_db.stat().st_mtime_ns
    wal = build_db.with_name(build_db.name + ".wal")
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            pytest.fail(f"the refresh ended (code {process.returncode}) before dbt wrote the build database:\n"
                        + process.stdout.read())
        dbt_running = any(_is_dbt_build(argv) for argv in _children(process.pid).values())
        if dbt_running and (wal.exists() or build_db.stat().st_mtime_ns != stamp):
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail("dbt did not start building within the timeout")


def _one_more_krone(env) -> None:
    """New data, so that a refresh has something to build: one more krone granted in 2019-26."""
    s1c = env.landing_dir / "lbf/bevillinger_2019-26.json"
    document = json.loads(s1c.read_text(encoding="utf-8"))
    document["helhedsplaner"][0]["indsatsomraader"][0]["budget"]["lbf"] += 1
    s1c.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def test_refresh_killed_during_the_dbt_build_changes_nothing_and_the_next_refresh_succeeds(private_env, tmp_path):
    warehouse = private_env.warehouse_dir
    build_db = private_env.work_dir / "build" / "warehouse.duckdb"
    before, version = published_fingerprint(warehouse), current_version(warehouse)
    _one_more_krone(private_env)
    env = {**os.environ, **private_env.variables(), "DAGSTER_HOME": str(tmp_path / "dagster_home")}

    refresh = subprocess.Popen(REFRESH, cwd=REPO_ROOT, env=env, start_new_session=True, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _wait_for_dbt_writing(refresh, build_db)
    # The whole refresh, dbt included, dies at once: what a crash or the OOM killer does.
    os.killpg(refresh.pid, signal.SIGKILL)
    assert refresh.wait(timeout=30) == -signal.SIGKILL
    time.sleep(0.2)
    assert not _children(refresh.pid), "a process of the killed refresh survived"

    assert published_fingerprint(warehouse) == before
    assert current_version(warehouse) == version and list_versions(warehouse) == [version]
    assert not list((warehouse / "versions").glob(".*"))  # the kill came before publishing began

    # The next refresh (same work directory, same Dagster home) is not blocked by the
    # refresh lock, the half-written build database or the runs its killed command left
    # STARTED (they are marked failed: their worker is gone).
    again = subprocess.run(REFRESH, cwd=REPO_ROOT, env=env, text=True, capture_output=True, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert current_version(warehouse) not in (None, version)
    assert read_log(warehouse)[-1]["version"] == current_version(warehouse)
    # the version that was current is still kept, byte for byte
    assert {k: v for k, v in published_fingerprint(warehouse).items() if version in k} == \
        {k: v for k, v in before.items() if version in k}


ANALYST = r"""
import duckdb, json, os, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
queries, versions, totals, errors = 0, set(), set(), []
while not os.path.exists(sys.argv[2]):
    try:
        versions.add(con.sql("select version from publish_log order by published_at desc limit 1").fetchone()[0])
        totals.add(con.sql("select sum(grant_lbf_dkk)::varchar from fct_bevilling").fetchone()[0])
        queries += 1
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.01)
print(json.dumps({"queries": queries, "versions": sorted(versions), "totals": sorted(totals), "errors": errors[:5]}))
"""


def _grant_total(marts: Path) -> tuple[str, str]:
    with duckdb.connect(str(marts), read_only=True) as con:
        version = con.sql("select version from publish_log order by published_at desc limit 1").fetchone()[0]
        return version, con.sql("select sum(grant_lbf_dkk)::varchar from fct_bevilling").fetchone()[0]


def test_an_analyst_reading_during_a_full_refresh_keeps_the_old_version_and_a_new_connection_sees_the_new(
        private_env, defs, tmp_path, monkeypatch):
    from tests.conftest import in_process

    warehouse = private_env.warehouse_dir
    marts = warehouse / "marts.duckdb"
    old_version, old_total = _grant_total(marts)
    # New data, so the versions differ in content.
    _one_more_krone(private_env)
    # Keep one version only: the analyst's version is pruned under the open connection.
    monkeypatch.setenv("BOLIGSOCIAL_KEEP_VERSIONS", "1")

    stop = tmp_path / "stop"
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(marts), str(stop)], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert analyst.stdout.readline().strip() == "ready", analyst.stderr.read()
        with private_instance(private_env) as instance:
            report = run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
        new_version, new_total = _grant_total(marts)  # a new connection
        time.sleep(0.5)  # the analyst queries on after the switch and the pruning
    finally:
        stop.touch()
        out, err = analyst.communicate(timeout=60)
    seen = json.loads(out)

    assert report.runs and new_version == current_version(warehouse) != old_version
    assert float(new_total) == float(old_total) + 1
    assert list_versions(warehouse) == [new_version]  # the analyst's version is gone from disk
    assert seen["errors"] == [], err
    assert seen["versions"] == [old_version] and seen["totals"] == [old_total]
    assert seen["queries"] >= 20
