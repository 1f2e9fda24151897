"""What a published version is a function of, as one digest: the gated raw layer (each
partition's input fingerprint: its landing files, suite, parameters, reading code and
key), the dbt project, the expectation suites, the code that builds, gates and
publishes, the locked dependencies, the group that may read restricted.duckdb
(BOLIGSOCIAL_RESTRICTED_GROUP) and the engine of the dbt build (BOLIGSOCIAL_ENGINE).

A refresh whose digest equals the current version's publishes nothing: the same inputs
and code give the same tables, so a second version would only repeat the first
(``make demo`` twice publishes once). Each version records its digest in version.json
and in publish_log.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from dagster_project.core.raw_store import RawStore
from dagster_project.publish.warehouse import current_version
from dagster_project.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, REPO_ROOT, Settings

VERSION_FILE = "version.json"
_DBT_PARTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses", "dbt_project.yml", "profiles.yml")
_CODE_PARTS = ("core", "dbt", "publish", "quality", "reports", "catalog.py", "reference.py", "settings.py",
               "resources.py")


def _files(root: Path, parts: tuple[str, ...], pattern: str = "*") -> list[Path]:
    found: list[Path] = []
    for part in parts:
        target = root / part
        if target.is_dir():
            found += [p for p in target.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts]
        elif target.is_file():
            found.append(target)
    return sorted(found)


def _digest_files(digest, paths: list[Path]) -> None:
    for path in paths:
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")


def warehouse_inputs_digest(settings: Settings) -> str:
    digest = hashlib.sha256(b"boligsocial warehouse inputs v1\0")
    for sidecar in RawStore(settings.raw_dir).sidecars():
        identity = sidecar.get("fingerprint") or [s["sha256"] for s in sidecar["sources"]]
        digest.update(json.dumps([sidecar["asset"], sidecar["partition"], identity], sort_keys=True).encode())
    _digest_files(digest, _files(DBT_PROJECT_DIR, _DBT_PARTS))
    _digest_files(digest, _files(EXPECTATIONS_DIR, ("",), "*.json"))
    _digest_files(digest, _files(REPO_ROOT / "dagster_project", _CODE_PARTS, "*.py"))
    _digest_files(digest, [p for p in (REPO_ROOT / "uv.lock",) if p.is_file()])
    # Who may read restricted.duckdb is part of what a version is (its group and mode).
    digest.update(b"restricted_group\0" + (settings.restricted_group or "").encode() + b"\0")
    # A build on another engine is another version (its floats may differ in the last bits);
    # DuckDB's digests stay what they were before there was a choice.
    if settings.engine != "duckdb":
        digest.update(b"engine\0" + settings.engine.encode() + b"\0")
    return digest.hexdigest()


def version_digest(warehouse_dir: Path, version: str) -> str | None:
    path = warehouse_dir / "versions" / version / VERSION_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("inputs_digest")


def unchanged_version(settings: Settings, _instance: dg.DagsterInstance | None = None) -> str | None:
    """The current published version if it was built from exactly these inputs and code."""
    version = current_version(settings.warehouse_dir)
    if version and version_digest(settings.warehouse_dir, version) == warehouse_inputs_digest(settings):
        return version
    return None
