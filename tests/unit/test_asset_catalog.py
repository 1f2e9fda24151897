"""Every asset tells an auditor what it is, who owns it, its layer, kinds, code and
whether it holds person-level data (dagster_project/catalog.py); new assets cannot forget."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.catalog import catalog_problems
from dagster_project.dbt.translator import TRANSLATOR
from dagster_project.quality.checks import mart_suites


def test_every_asset_of_the_code_location_follows_the_catalog_rules(defs):
    assert catalog_problems(defs) == []


def test_every_layer_has_assets_and_dbt_models_carry_their_sql_and_column_docs(defs):
    graph = defs.resolve_asset_graph()
    nodes = {k.to_user_string(): graph.get(k) for k in graph.get_all_asset_keys()}
    assert {"sources", "staging", "intermediate", "marts", "reports", "gates", "publish"} <= {
        n.group_name for n in nodes.values()}
    fct = nodes["fct_bevilling"]
    files = [r.file_path for r in fct.metadata["dagster/code_references"].code_references]
    assert any(f.endswith("dbt/models/marts/area/fct_bevilling.sql") for f in files)
    columns = {c.name: c for c in fct.metadata["dagster/column_schema"].columns}
    assert columns["grant_lbf_dkk"].type == "decimal(18,2)" and "grant" in columns["grant_lbf_dkk"].description
    assert nodes["raw_lbf_grants"].tags["pii"] == "false"


def test_every_mart_check_depends_on_its_gate_model_an_unpublished_view_of_the_gates_group(defs):
    graph = defs.resolve_asset_graph()
    suites = mart_suites()
    assert suites
    for spec in suites:
        dagster = spec["meta"]["dagster"]
        check = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(dagster["asset"]), dagster["check"]))
        gate = dg.AssetKey(spec["meta"]["batch"]["model"])
        assert check.blocking and {dep.asset_key for dep in check.additional_deps} == {gate}, spec["name"]
        node = graph.get(gate)
        assert node.group_name == "gates" and "publish" not in node.tags, spec["name"]
        # It reads the asset it vouches for, or (a coverage check) what that asset is built from.
        checked = dg.AssetKey(dagster["asset"])
        assert checked in node.parent_keys or node.parent_keys & graph.get(checked).parent_keys, spec["name"]


def _asset(name, *, deps=(), **kwargs):
    @dg.asset(name=name, deps=list(deps), **kwargs)
    def _fn():
        return None

    return _fn


GOOD = {"description": "A described asset.", "owners": ["team:data-engineering"], "kinds": {"python"}}


def _problems(*assets, code_references=True):
    return catalog_problems(dg.Definitions(
        assets=dg.with_source_code_references(list(assets)) if code_references else list(assets)))


def test_a_well_described_asset_passes():
    assert _problems(_asset("raw_x", group_name="sources", tags={"pii": "false"}, **GOOD)) == []


def test_an_asset_missing_every_attribute_is_named_for_each():
    problems = _problems(_asset("bare"), code_references=False)
    text = "\n".join(problems)
    for expected in ("bare: no description", "bare: no owner", "group 'default' is not a layer", "no kinds",
                     "no code reference"):
        assert expected in text


def test_a_raw_source_must_declare_pii_and_readers_of_person_data_must_too():
    problems = _problems(
        _asset("raw_people", group_name="sources", **GOOD),
        _asset("raw_persons", group_name="sources", tags={"pii": "true"}, **GOOD),
        _asset("stg_persons", group_name="staging", deps=["raw_persons"], **GOOD),
        _asset("stg_counts", group_name="staging", deps=["raw_persons"], tags={"pii": "false"}, **GOOD),
    )
    assert problems == [
        "raw_people: a raw source must say whether it holds person-level data (tag pii)",
        "stg_persons: reads person-level data from raw_persons, so it must say whether it holds such data "
        "(tag pii: true or false; dbt: meta.pii)",
    ]


def test_person_columns_and_publishing_must_agree_with_pii():
    schema = dg.TableSchema(columns=[dg.TableColumn("person_key", "varchar", description="Pseudonym.")])
    problems = _problems(
        _asset("fct_x", group_name="marts", metadata={"dagster/column_schema": schema}, tags={"publish": "marts"},
               **GOOD),
        _asset("fct_y", group_name="marts", metadata={"dagster/column_schema": schema},
               tags={"publish": "restricted", "pii": "true"}, **GOOD),
        _asset("fct_z", group_name="marts", metadata={"dagster/column_schema": schema},
               tags={"publish": "marts", "pii": "true"}, **GOOD),
    )
    assert problems == [
        "fct_x: person-level column(s) person_key but tag pii is not 'true'",
        "fct_z: person-level data must not be published to marts.duckdb (publish: restricted)",
    ]


def test_marts_document_every_column_and_layers_only_look_back():
    schema = dg.TableSchema(columns=[dg.TableColumn("n", "bigint")])
    problems = _problems(
        _asset("fct_x", group_name="marts", metadata={"dagster/column_schema": schema}, **GOOD),
        _asset("stg_x", group_name="staging", deps=["fct_x"], **GOOD),
    )
    assert problems == ["fct_x: column n has no description",
                        "stg_x: layer 'staging' depends on the later layer 'marts' (fct_x)"]


def test_dbt_placeholder_descriptions_do_not_count():
    problems = _problems(_asset("stg_x", group_name="staging", **(GOOD | {"description": "dbt model stg_x"})))
    assert problems == ["stg_x: no description"]


def test_checks_must_say_what_they_vouch_for():
    @dg.asset_check(asset="stg_x")
    def undescribed():
        return dg.AssetCheckResult(passed=True)

    problems = catalog_problems(dg.Definitions(
        assets=dg.with_source_code_references([_asset("stg_x", group_name="staging", **GOOD)]),
        asset_checks=[undescribed]))
    assert problems == ["stg_x:undescribed: check has no description (what does it vouch for?)"]


@pytest.mark.parametrize(("meta", "config_meta", "expected"), [
    ({"pii": True}, {}, "true"),
    ({}, {"pii": False}, "false"),
    ({"pii": "yes"}, {}, "true"),
    ({}, {}, None),
])
def test_the_dbt_translator_turns_meta_pii_into_the_tag(meta, config_meta, expected):
    props = {"name": "m", "resource_type": "model", "meta": meta, "config": {"meta": config_meta}, "tags": []}
    assert TRANSLATOR.get_tags(props).get("pii") == expected
