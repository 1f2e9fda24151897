"""Rules about the gates themselves, so that a new source or mart cannot skip one."""

from __future__ import annotations

import json
import re

import pytest

from dagster_project.core.cpr import CPR_REGEX
from dagster_project.publish.privacy_gates import COUNT_NAME, INTEGER_TYPES
from dagster_project.quality.checks import mart_suites
from dagster_project.quality.parameters import SHARED_PARAMETERS
from dagster_project.settings import EXPECTATIONS_DIR


def _suites() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXPECTATIONS_DIR.glob("*.json"))]


def _parameters_used(spec: dict) -> set[str]:
    text = json.dumps(spec["expectations"])
    return set(re.findall(r'"\$PARAMETER": "([^"]+)"', text))


@pytest.fixture(scope="module")
def manifest(defs):
    from dagster_project.dbt.project import dbt_project

    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


def _published_models(manifest) -> list[dict]:
    return [n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and {**n.get("meta", {}), **n["config"].get("meta", {})}.get("publish")]


def test_every_published_model_has_a_mart_suite(manifest):
    gated = {spec["meta"]["dagster"]["asset"] for spec in mart_suites()}
    published = {n["name"] for n in _published_models(manifest)}
    assert published, "no model has meta.publish"
    assert published <= gated, f"published models without a suite in expectations/: {sorted(published - gated)}"


def test_every_raw_asset_has_its_suite(defs):
    graph = defs.resolve_asset_graph()
    raw = {key.asset_key.to_user_string() for key in graph.asset_check_keys if key.name == "expectation_suite"}
    assert raw
    for asset in raw:
        spec = json.loads((EXPECTATIONS_DIR / f"{asset}.json").read_text(encoding="utf-8"))
        assert spec["meta"]["dagster"] == {"asset": asset, "layer": "raw"}


def test_every_mart_suite_names_its_frame_its_key_and_its_parameters():
    for spec in mart_suites():
        meta = spec["meta"]
        assert meta["batch"]["sql"].strip().lower().startswith(("select", "with")), spec["name"]
        assert meta["batch"].get("key"), f"{spec['name']}: meta.batch.key names no column for failing rows"
        declared = set(meta.get("parameters", {}))
        assert _parameters_used(spec) <= declared, spec["name"]
        assert declared <= set(SHARED_PARAMETERS), spec["name"]


def test_raw_suites_document_their_parameters():
    for spec in _suites():
        if spec["meta"]["dagster"].get("layer") == "raw":
            assert _parameters_used(spec) <= set(spec["meta"].get("parameters", {})), spec["name"]


def test_the_free_text_cpr_rules_use_the_one_pattern():
    found = 0
    for spec in _suites():
        for expectation in spec["expectations"]:
            if "CPR" in expectation["meta"]["rule"]:
                found += 1
                assert expectation["type"] == "expect_column_values_to_not_match_regex"
                assert expectation["kwargs"]["regex"] == CPR_REGEX, spec["name"]
    assert found >= 4


def test_every_integer_or_count_named_column_of_a_published_mart_declares_meta_count(manifest):
    """The small-count gate cannot be bypassed by forgetting to declare a count column:
    the same rule fails the publish (publish/privacy_gates.py); here it fails at once."""
    undeclared = []
    for node in _published_models(manifest):
        target = {**node.get("meta", {}), **node["config"].get("meta", {})}["publish"]
        if target != "marts":
            continue
        for name, column in node["columns"].items():
            meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
            data_type = (column.get("data_type") or "").upper()
            if (INTEGER_TYPES.match(data_type) or COUNT_NAME.search(name)) and "count" not in meta:
                undeclared.append(f"{node['name']}.{name} ({data_type})")
    assert undeclared == []


def test_pii_models_are_published_only_to_restricted(manifest):
    for node in _published_models(manifest):
        meta = {**node.get("meta", {}), **node["config"].get("meta", {})}
        if meta.get("pii"):
            assert meta["publish"] == "restricted", node["name"]
