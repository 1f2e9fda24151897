"""The dbt manifest is parsed again exactly when what `dbt parse` reads has changed
(dagster_project/dbt/project.py: manifest_inputs, manifest_is_current)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dagster_project.dbt.project import MANIFEST_INPUTS, manifest_inputs, manifest_is_current
from dagster_project.settings import DBT_PROJECT_DIR

ENV = {"BOLIGSOCIAL_RAW_DIR": "/data/work/raw", "DBT_TARGET_PATH": "", "HOME": "/root",
       "BOLIGSOCIAL_PSEUDONYM_KEY": "a secret of sixteen+", "DBT_ENV_SECRET_TOKEN": "x"}


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    return project


def test_the_inputs_are_the_project_files_the_variables_dbt_reads_and_the_versions(tmp_path):
    project = _project(tmp_path)
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}", encoding="utf-8")
    inputs = manifest_inputs(project, ENV)
    assert "dbt_project.yml" in inputs["files"] and "profiles.yml" in inputs["files"]
    assert any(name.startswith("models/") for name in inputs["files"])
    assert not any(name.startswith(("target/", "logs/")) for name in inputs["files"])
    # The variables the project's env_var() calls name, and dbt's flags; never a secret, and
    # values only as digests.
    assert set(inputs["environment"]) == {"BOLIGSOCIAL_RAW_DIR", "DBT_TARGET_PATH"}
    assert "/data/work/raw" not in json.dumps(inputs) and "sixteen" not in json.dumps(inputs)
    assert set(inputs["versions"]) == {"dbt-core", "dbt-duckdb"}
    # Same project, same variables: the same inputs; an unrelated variable changes nothing.
    assert manifest_inputs(project, {**ENV, "HOME": "/elsewhere"}) == inputs


def test_a_changed_model_a_new_macro_or_another_data_directory_changes_the_inputs(tmp_path):
    project = _project(tmp_path)
    before = manifest_inputs(project, ENV)
    model = next(project.glob("models/marts/**/*.sql"))
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    assert manifest_inputs(project, ENV) != before
    model.write_text(model.read_text(encoding="utf-8").removesuffix("\n-- changed\n"), encoding="utf-8")
    assert manifest_inputs(project, ENV) == before
    (project / "macros" / "new_macro.sql").write_text("{% macro m() %}1{% endmacro %}", encoding="utf-8")
    assert manifest_inputs(project, ENV) != before
    (project / "macros" / "new_macro.sql").unlink()
    assert manifest_inputs(project, {**ENV, "BOLIGSOCIAL_RAW_DIR": "/other/raw"}) != before


def test_the_manifest_is_current_only_for_its_recorded_inputs_and_its_own_bytes(tmp_path):
    import hashlib

    target = tmp_path / "target"
    target.mkdir()
    manifest = target / "manifest.json"
    manifest.write_text('{"nodes": {}}', encoding="utf-8")
    inputs = {"files": {"models/a.sql": "1"}, "environment": {}, "versions": {"dbt-core": "1"}}
    assert not manifest_is_current(target, inputs), "nothing recorded: parse"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    (target / MANIFEST_INPUTS).write_text(json.dumps({"inputs": inputs, "manifest_sha256": digest}), encoding="utf-8")
    assert manifest_is_current(target, inputs)
    assert not manifest_is_current(target, {**inputs, "environment": {"BOLIGSOCIAL_RAW_DIR": "/x"}})
    manifest.write_text('{"nodes": {"x": 1}}', encoding="utf-8")  # a `dbt parse` by hand rewrote it
    assert not manifest_is_current(target, inputs)
    (target / MANIFEST_INPUTS).write_text("{not json", encoding="utf-8")
    assert not manifest_is_current(target, inputs)


def test_prepare_manifest_parses_once_for_the_same_inputs():
    from dagster_project.dbt.project import dbt_project, prepare_manifest

    manifest = Path(prepare_manifest())
    parsed = manifest.stat().st_mtime_ns
    assert Path(prepare_manifest()).stat().st_mtime_ns == parsed, "nothing changed: no second parse"
    assert (manifest.parent / MANIFEST_INPUTS).is_file() and manifest == Path(dbt_project.manifest_path)


def test_old_build_targets_beyond_the_newest_ten_are_stale(tmp_path):
    import os

    from dagster_project.dbt.project import BUILD_TARGETS_KEPT, stale_build_targets

    now = 1_000_000.0
    for age in range(14):  # dbt_models-00 is the newest
        folder = tmp_path / f"dbt_models-{age:02d}"
        folder.mkdir()
        os.utime(folder, (now - 7200 - age * 60, now - 7200 - age * 60))
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    stale = stale_build_targets(tmp_path, now=now)
    assert [p.name for p in stale] == [f"dbt_models-{age:02d}" for age in range(BUILD_TARGETS_KEPT, 14)]
    # One written in the last hour is never removed, even when none is to be kept.
    os.utime(tmp_path / "dbt_models-13", (now - 10, now - 10))
    stale = [p.name for p in stale_build_targets(tmp_path, keep=0, now=now)]
    assert "dbt_models-13" not in stale and len(stale) == 13
