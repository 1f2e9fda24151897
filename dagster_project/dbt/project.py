"""The dbt project as Dagster sees it.

The manifest must exist before definitions load (docs/constraints.md): `make manifest`
(run by `make demo`, `make dev` and `make test`) and the refresh command call
``prepare_manifest``; under `dagster dev`, ``prepare_if_dev`` parses on load.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

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


def prepare_manifest() -> Path:
    """Parse the dbt project so target/manifest.json matches the code. dbt parses into a
    directory of its own and the files are renamed into target/: a run worker that loads
    the code location meanwhile reads the old manifest or the new one, never half of one."""
    env = {**os.environ, **get_settings().dbt_env()}
    target = dbt_project.manifest_path.parent
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
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dbt_project.manifest_path


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
