"""Shared fixtures: a small-scale embedded default, and one full refresh per session
(real files, a real dbt build on DuckDB, real Dagster runs in a real instance)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TEST_SCALE = 0.05
TEST_SEED = 2011


@dataclass(frozen=True)
class Environment:
    root: Path
    landing_dir: Path
    work_dir: Path
    warehouse_dir: Path
    truth_dir: Path
    dagster_home: Path

    def variables(self) -> dict[str, str]:
        return {
            "BOLIGSOCIAL_LANDING_DIR": str(self.landing_dir),
            "BOLIGSOCIAL_WORK_DIR": str(self.work_dir),
            "BOLIGSOCIAL_WAREHOUSE_DIR": str(self.warehouse_dir),
            "BOLIGSOCIAL_TRUTH_DIR": str(self.truth_dir),
            "DAGSTER_HOME": str(self.dagster_home),
        }


def environment_at(root: Path) -> Environment:
    """The environment whose directories are under ``root``, creating nothing."""
    return Environment(root, root / "landing", root / "work", root / "warehouse", root / "truth",
                       root / "dagster_home")


def make_environment(root: Path) -> Environment:
    env = environment_at(root)
    env.dagster_home.mkdir(parents=True, exist_ok=True)
    (env.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return env


@pytest.fixture(scope="session")
def small_world(tmp_path_factory) -> tuple[Path, Path, dict]:
    """Landing files and truth manifest of the embedded default at test scale."""
    from dagster_project.generator import generate

    root = tmp_path_factory.mktemp("small_world")
    manifest = generate(root / "landing", root / "truth", scale=TEST_SCALE, seed=TEST_SEED)
    return root / "landing", root / "truth", manifest


@pytest.fixture(scope="session")
def session_env(tmp_path_factory, small_world) -> Iterator[Environment]:
    """Process environment pointing every setting at a session directory."""
    env = make_environment(tmp_path_factory.mktemp("warehouse_env"))
    shutil.copytree(small_world[0], env.landing_dir)
    shutil.copytree(small_world[1], env.truth_dir)
    saved = {k: os.environ.get(k) for k in env.variables()}
    os.environ.update(env.variables())
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def defs(session_env):
    """The code location, loaded after the dbt manifest is prepared (docs/constraints.md)."""
    from dagster_project.dbt.project import prepare_manifest

    prepare_manifest()
    from dagster_project.definitions import defs as definitions

    return definitions


@pytest.fixture(scope="session")
def instance(session_env):
    import dagster as dg

    with dg.DagsterInstance.local_temp(tempdir=str(session_env.dagster_home)) as inst:
        yield inst


@pytest.fixture(scope="session")
def refreshed(defs, instance, session_env, tmp_path_factory):
    """One successful full refresh of the small world, as the refresh command runs it (its
    runs launched through the code location of workspace.yaml); returns its report. Under
    pytest-xdist the first worker that needs it refreshes, and the others start from a
    copy of its result (tests/shared_refresh.py)."""
    from dagster_project.automation.refresh import run_refresh
    from dagster_project.settings import get_settings

    def refresh():
        return run_refresh(get_settings(), instance, progress=lambda _m: None)

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return refresh()
    from tests.shared_refresh import shared_refresh

    # The workers' base temporary directories share their parent (pytest-N/popen-gwK).
    return shared_refresh(tmp_path_factory.getbasetemp().parent / "shared_refresh", session_env, refresh)


def in_process(defs):
    """A launcher for run_refresh that executes each run in the test process: the same
    runs, gates and publish, without a run worker process per run (for tests that run
    many short refreshes)."""
    from dagster_project.automation.launch import InProcessLauncher

    return lambda instance: InProcessLauncher(defs, instance)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# make test runs two pytest-xdist workers, each taking one test file at a time in
# collection order (--no-loadscope-reorder: xdist would start with the files of most
# tests). Many files share a worker's session refresh, and some leave runs in its instance
# (a failed check, a raw partition from another landing copy) that the files before them
# in name order do not expect: so each worker keeps that order, a part of the order in
# which the whole suite runs in one process. Only the two longest files, which use
# environments of their own, start first (746 s and 420 s in a run of the suite on two
# workers, 2026-12-03), so that neither is left to the end of one worker.
FIRST = ("tests/integration/test_spark.py", "tests/integration/test_service.py")


def pytest_collection_modifyitems(items):
    rank = {path: i for i, path in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
