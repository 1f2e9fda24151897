"""The warehouse as a service: Dagster's storage on a real PostgreSQL server,
dagster-webserver and dagster-daemon started by `python -m dagster_project serve`, and a
full refresh of the small embedded default through the daemon's run queue.

The server comes from .ci/run (Debian's postgresql; .ci/postgres.sh exports
BOLIGSOCIAL_TEST_PG_URL); without it the test is skipped, saying so.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dagster_project.automation.lock import lock_holder
from dagster_project.publish.warehouse import current_version, read_log
from dagster_project.settings import REPO_ROOT
from tests.conftest import make_environment
from tests.integration.dagster_ui import free_port

pytestmark = pytest.mark.slow
PG_URL = os.environ.get("BOLIGSOCIAL_TEST_PG_URL")


@pytest.fixture()
def database():
    if not PG_URL:
        pytest.skip("no PostgreSQL server: BOLIGSOCIAL_TEST_PG_URL is unset (.ci/run starts one)")
    import psycopg2

    name = f"boligsocial_test_{secrets.token_hex(4)}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {name} with (force)")
        admin.close()


@contextmanager
def _service_instance(home: Path, database: str) -> Iterator:
    """The service's instance, opened by this process (its dagster.yaml reads the URL)."""
    import dagster as dg

    os.environ["BOLIGSOCIAL_DAGSTER_PG_URL"] = database
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance
    finally:
        os.environ.pop("BOLIGSOCIAL_DAGSTER_PG_URL", None)


def _wait_for_daemon(home: Path, database: str, timeout: float = 300) -> None:
    # Polled from this process: a probe process per poll would take CPU from the daemon starting.
    from dagster_project.automation.launch import daemon_serves_queue

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if (home / "dagster.yaml").is_file():
            with _service_instance(home, database) as instance:
                if daemon_serves_queue(instance):
                    return
        time.sleep(2)
    pytest.fail("dagster-daemon did not start serving the run queue")


def _wait_until_unlocked(work_dir: Path, timeout: float) -> None:
    """Until no refresh holds the lock (polled here, not by starting the command again)."""
    deadline = time.monotonic() + timeout
    while lock_holder(work_dir) is not None and time.monotonic() < deadline:
        time.sleep(2)


def test_a_full_refresh_through_the_daemons_run_queue_on_postgres(database, small_world, tmp_path):
    env_dirs = make_environment(tmp_path / "service")
    shutil.copytree(small_world[0], env_dirs.landing_dir)
    (env_dirs.dagster_home / "dagster.yaml").unlink()  # written by the command, with PostgreSQL storage
    env = {**os.environ, **env_dirs.variables(), "BOLIGSOCIAL_DAGSTER_PG_URL": database}
    port = free_port()
    log = open(tmp_path / "serve.log", "w", encoding="utf-8")  # noqa: SIM115
    serve = subprocess.Popen([sys.executable, "-m", "dagster_project", "serve", "--port", str(port)], env=env,
                             cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_daemon(env_dirs.dagster_home, database)
        assert "postgres" in (env_dirs.dagster_home / "dagster.yaml").read_text(encoding="utf-8")
        # The daemon's landing sensor sees the new landing files too and may start the refresh
        # first: the command is then refused as busy until that refresh's runs are done, and
        # afterwards finds either work left or nothing changed. Either way every run went
        # through the daemon's queue (checked below).
        deadline = time.monotonic() + 1800
        while True:
            refresh = subprocess.run([sys.executable, "-m", "dagster_project", "refresh"], env=env, cwd=REPO_ROOT,
                                     capture_output=True, text=True, timeout=1800)
            if refresh.returncode == 0 or "busy" not in refresh.stdout or time.monotonic() > deadline:
                break
            _wait_until_unlocked(env_dirs.work_dir, deadline - time.monotonic())
        assert refresh.returncode == 0, refresh.stdout + refresh.stderr
        assert "submitted to the instance's run queue" in refresh.stdout or "nothing was published" in refresh.stdout

        version = current_version(env_dirs.warehouse_dir)
        assert version and read_log(env_dirs.warehouse_dir)[-1]["version"] == version

        # The runs are in PostgreSQL, each queued before the daemon launched it.
        import dagster as dg

        with _service_instance(env_dirs.dagster_home, database) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            runs = instance.get_runs()
            assert 1 <= len(runs) <= 8
            assert {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
            for run in runs:
                queued = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED)
                assert queued, f"{run.job_name} was not queued"
                assert run.remote_job_origin.location_name == "boligsocial"

        # The UI served by the same command lists them.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=30) as answer:
            assert answer.status == 200
    finally:
        os.killpg(serve.pid, 15)
        serve.wait(timeout=120)
        log.close()
    assert serve.returncode == 0, Path(tmp_path / "serve.log").read_text(encoding="utf-8")[-4000:]
