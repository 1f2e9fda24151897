"""Where the documentation of the warehouse directory lives, for the docs asset and the
server alike.

    <warehouse_dir>/data_docs/                      Great Expectations Data Docs (quality/data_docs.py)
    <warehouse_dir>/reports/<version>/
        data_dictionary.html                        the data dictionary of the version (docs/dictionary.py)
        dbt_docs/index.html, manifest.json, catalog.json
                                                    dbt's docs site, generated for the version
        evaluation.html                             the evaluation report (reports/), where written
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, Settings

REPORTS = "reports"
DBT_DOCS = "dbt_docs"
DICTIONARY = "data_dictionary.html"
EVALUATION = "evaluation.html"
# What dbt docs generate writes that its site reads (index.html fetches the two JSON files).
DBT_DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


class DocsError(RuntimeError):
    pass


def version_dir(warehouse_dir: Path, version: str) -> Path:
    return warehouse_dir / REPORTS / version


def generate_dbt_docs(settings: Settings, destination: Path) -> Path:
    """`dbt docs generate` against the build database, its site copied to ``destination``.

    dbt's docs site is one self-contained index.html that loads only manifest.json and
    catalog.json beside it; its tracking script loads only when the project sends usage
    statistics, which dbt_project.yml turns off. Nothing needs the internet."""
    from dagster_project.dbt.project import dbt_executable  # dagster-dbt: not for the docs server

    target = settings.work_dir / "dbt_docs_target"  # kept: dbt parses partially the next time
    env = {**os.environ, **settings.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [dbt_executable(), "docs", "generate", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(target), "--quiet"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DocsError(f"dbt docs generate failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    staging = destination.with_name(f".{destination.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in DBT_DOCS_FILES:
        shutil.copyfile(target / name, staging / name)
    shutil.rmtree(destination, ignore_errors=True)
    os.rename(staging, destination)
    return destination / "index.html"


def prune(warehouse_dir: Path, kept: list[str]) -> None:
    """Remove what this module wrote for versions no longer kept (other reports stay)."""
    root = warehouse_dir / REPORTS
    if not root.is_dir():
        return
    for directory in root.iterdir():
        if directory.is_dir() and directory.name not in kept and not directory.name.startswith("."):
            shutil.rmtree(directory / DBT_DOCS, ignore_errors=True)
            (directory / DICTIONARY).unlink(missing_ok=True)
            if not any(directory.iterdir()):
                directory.rmdir()
