"""The dbt project as Dagster sees it.

The manifest must exist before definitions load (docs/constraints.md): `make manifest`
(run by `make demo`, `make dev` and `make test`) and the refresh command call
``prepare_manifest``; under `dagster dev`, ``prepare_if_dev`` parses on load.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from dagster_project.core.files import sha256_file
from dagster_project.settings import DBT_PROJECT_DIR, get_settings

PARTIAL_PARSE = "partial_parse.msgpack"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def dbt_executable() -> str:
    """`dbt` from this environment: DbtCliResource needs it, and it must be on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def load_manifest() -> dict:
    """The manifest ``prepare_manifest`` (`dbt parse`) wrote."""
    return json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))


# Beside the manifest: what it was parsed from (manifest_inputs) and its own digest.
MANIFEST_INPUTS = "manifest_inputs.json"
# dbt's own output and scratch space in the project, not inputs of a parse.
NOT_INPUTS = {"target", "logs"}
ADAPTER_PACKAGES = ("dbt-core", "dbt-duckdb")
# The variables a dbt project reads are the ones its files name in env_var().
ENV_VAR_CALL = re.compile(rb"""env_var\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")


def manifest_inputs(project_dir: Path, env: Mapping[str, str]) -> dict:
    """Everything `dbt parse` reads, as digests: every file of the dbt project (models,
    macros, seeds, tests, yml, profiles.yml) outside target/ and logs/, the variables those
    files read with env_var() and dbt's own DBT_* flags (values as digests: no path or
    secret is written down), and the dbt versions. Equal inputs give an equal manifest.
    Pure but for reading the files."""
    files, read = {}, set()
    for folder, subfolders, names in os.walk(project_dir):
        if Path(folder) == project_dir:
            subfolders[:] = [s for s in subfolders if s not in NOT_INPUTS]
        for name in names:
            content = Path(folder, name).read_bytes()
            files[Path(folder, name).relative_to(project_dir).as_posix()] = hashlib.sha256(content).hexdigest()
            read.update(m.decode() for m in ENV_VAR_CALL.findall(content))
    names = sorted(k for k in env if k in read or (k.startswith("DBT_") and not k.startswith("DBT_ENV_SECRET")))
    return {"files": dict(sorted(files.items())),
            "environment": {k: hashlib.sha256(env[k].encode()).hexdigest() for k in names},
            "versions": {package: version(package) for package in ADAPTER_PACKAGES}}


def _digest(path: Path) -> str | None:
    return sha256_file(path) if path.is_file() else None


def manifest_is_current(target: Path, inputs: Mapping) -> bool:
    """Whether target/manifest.json was parsed by ``prepare_manifest`` from ``inputs`` and
    is unchanged since (a `dbt parse` by hand, or `dagster dev`'s, rewrites it)."""
    recorded = target / MANIFEST_INPUTS
    if not recorded.is_file():
        return False
    try:
        record = json.loads(recorded.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return record.get("inputs") == inputs and record.get("manifest_sha256") == _digest(target / "manifest.json")


def prepare_manifest() -> Path:
    """Parse the dbt project so target/manifest.json matches the code, unless it already
    does: the manifest records its inputs (``manifest_inputs``), and a refresh whose dbt
    project, settings and dbt versions are those of the last parse starts without one.
    dbt parses into a directory of its own and the files are renamed into target/: a run
    worker that loads the code location meanwhile reads the old manifest or the new one,
    never half of one."""
    env = {**os.environ, **get_settings().dbt_env()}
    target = dbt_project.manifest_path.parent
    inputs = manifest_inputs(Path(DBT_PROJECT_DIR), env)
    if manifest_is_current(target, inputs):
        return dbt_project.manifest_path
    target.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
    try:
        if (target / PARTIAL_PARSE).exists():  # dbt reparses only what changed
            shutil.copy2(target / PARTIAL_PARSE, scratch / PARTIAL_PARSE)
        subprocess.run([dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                        "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(scratch)],
                       check=True, env=env, cwd=DBT_PROJECT_DIR)
        for written in sorted(scratch.iterdir()):
            if written.is_file():
                os.replace(written, target / written.name)
        record = scratch / MANIFEST_INPUTS
        record.write_text(json.dumps({"inputs": inputs, "manifest_sha256": _digest(target / "manifest.json")},
                                     indent=1, sort_keys=True), encoding="utf-8")
        os.replace(record, target / MANIFEST_INPUTS)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dbt_project.manifest_path


# Each `dbt build` writes its compiled SQL and results into a target directory of its own
# (dagster-dbt's dbt_models-<run>-<hash>, about 10 MB). The newest are kept for auditing a
# recent run; older ones go, so years of monthly refreshes do not fill the disk.
BUILD_TARGETS_KEPT = 10
BUILD_TARGET_PATTERN = "dbt_models-*"


def stale_build_targets(target: Path, *, keep: int = BUILD_TARGETS_KEPT, older_than_seconds: float = 3600,
                        now: float | None = None) -> list[Path]:
    """The build target directories under ``target`` beyond the newest ``keep``, and none
    touched in the last ``older_than_seconds`` (a build of another instance may be writing it)."""
    now = time.time() if now is None else now
    found = sorted(((p.stat().st_mtime, p.name, p) for p in target.glob(BUILD_TARGET_PATTERN) if p.is_dir()),
                   reverse=True)
    return [p for mtime, _, p in found[keep:] if now - mtime > older_than_seconds]


def prune_build_targets(target: Path) -> int:
    """Remove ``stale_build_targets``; returns how many went."""
    stale = stale_build_targets(target)
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return len(stale)


class ProjectDbtCliResource(DbtCliResource):
    """DbtCliResource for the `dbt` of this environment (``dbt_executable``).

    dagster-dbt asks the executable its version (`dbt --version`, a new Python process
    that imports dbt: 2-4 s on the 2-core machine) once per resource, which is once per
    warehouse refresh. The executable is dbt-core from this environment, so its version is
    the installed package's: no process needed (bench/benchmark_notes.md)."""

    @cached_property
    def _cli_version(self) -> Version:
        if Path(self.dbt_executable).resolve() != (Path(sys.executable).parent / "dbt").resolve():
            return super()._cli_version
        return Version(version("dbt-core"))
