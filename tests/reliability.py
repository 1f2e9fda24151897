"""Helpers of the reliability tests: a private copy of the session's refreshed
environment per test, and a fingerprint of everything published."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import Environment, make_environment


def copy_environment(source: Environment, root: Path, *, ignore: tuple[str, ...] = ()) -> Environment:
    """Landing files, work directory (raw layer, build database) and published warehouse
    (versions, links, Data Docs) of ``source``, copied under ``root`` (a new Dagster home
    beside them); ``ignore``: more name patterns of the work directory not to copy."""
    env = make_environment(root)
    shutil.copytree(source.landing_dir, env.landing_dir)
    shutil.copytree(source.truth_dir, env.truth_dir)
    shutil.copytree(source.work_dir, env.work_dir, ignore=shutil.ignore_patterns("logs", ".*.lock", *ignore))
    # The warehouse's links are relative (current -> versions/<v>): copied as links, they
    # point into the copy.
    shutil.copytree(source.warehouse_dir, env.warehouse_dir, symlinks=True, ignore=shutil.ignore_patterns(".*.lock"))
    return env


def use_environment(monkeypatch: pytest.MonkeyPatch, env: Environment) -> None:
    """Point this process's settings (and dbt's variables) at ``env``."""
    from dagster_project.settings import get_settings

    for key, value in env.variables().items():
        monkeypatch.setenv(key, value)
    for key, value in get_settings().dbt_env().items():
        monkeypatch.setenv(key, value)


def published_fingerprint(warehouse_dir: Path) -> dict[str, str]:
    """SHA-256 of every file of every published version, and where every link points:
    equal fingerprints mean analysts see byte-identical files."""
    fingerprint: dict[str, str] = {}
    for path in sorted((warehouse_dir / "versions").rglob("*")):
        if path.is_file():
            fingerprint[path.relative_to(warehouse_dir).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    for link in ("current", "marts.duckdb", "restricted.duckdb", "parquet"):
        fingerprint[f"link {link}"] = os.readlink(warehouse_dir / link)
    for name in ("marts.duckdb", "restricted.duckdb"):
        fingerprint[f"via link {name}"] = hashlib.sha256((warehouse_dir / name).read_bytes()).hexdigest()
    for path in sorted((warehouse_dir / "parquet").glob("*.parquet")):
        fingerprint[f"via link parquet/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return fingerprint


def private_environment(session_env: Environment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Environment:
    """A copy of the session's refreshed environment, for one test alone, made current."""
    env = copy_environment(session_env, tmp_path / "env")
    use_environment(monkeypatch, env)
    return env


@contextmanager
def private_instance(env: Environment) -> Iterator:
    """A Dagster instance of ``env``'s own (in its Dagster home), so that no other test's
    partitions or failed runs bear on it."""
    import dagster as dg

    with dg.DagsterInstance.local_temp(tempdir=str(env.dagster_home)) as instance:
        yield instance
