"""How dbt resources appear in Dagster: keys, groups per layer, owners, tags.

A model's yml ``meta`` (or ``config.meta``) may set ``owner`` (a 'team:<name>' or an
e-mail address), ``publish`` ('marts' or 'restricted') and ``pii`` (true or false:
whether the model holds person-level data; see dagster_project/catalog.py for when it
must be set)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from dagster_project.catalog import OWNERS, PUBLISH_TAG, pii_tags

# Folders under dbt/models/, each a layer; gates/ holds the frames of the mart suites.
LAYERS = ("staging", "intermediate", "marts", "reports", "gates")


class BoligsocialDbtTranslator(DagsterDbtTranslator):
    """dbt sources map onto the raw assets of the same name; models keep their names and
    are grouped by layer (the folder under models/); seeds form the group 'reference'."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_of(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        owner = meta_of(dbt_resource_props).get("owner")
        return [owner] if owner else OWNERS

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))
        meta = meta_of(dbt_resource_props)
        if meta.get("pii") is not None:
            tags.update(pii_tags(_truthy(meta["pii"])))
        if meta.get("publish"):
            tags[PUBLISH_TAG] = str(meta["publish"])
        return tags

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """dbt tests as checks, each saying what it vouches for (the UI shows the description)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return dg.AssetCheckSpec(name=spec.name, asset=spec.asset_key, additional_deps=spec.additional_deps,
                                 metadata=spec.metadata, blocking=spec.blocking,
                                 description=describe_test(manifest["nodes"][unique_id], spec.blocking))

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = dict(super().get_metadata(dbt_resource_props))
        if meta_of(dbt_resource_props).get("publish"):
            metadata["published_to"] = f"{meta_of(dbt_resource_props)['publish']}.duckdb"
        return metadata


def meta_of(dbt_resource_props: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's meta, whether the yml puts it under ``meta`` or ``config.meta``."""
    return {**(dbt_resource_props.get("config", {}).get("meta") or {}), **(dbt_resource_props.get("meta") or {})}


def describe_test(test: Mapping[str, Any], blocking: bool) -> str:
    """'dbt test unique on column plan_id (models/marts/area/_marts_area__models.yml)', and what failing does."""
    metadata = test.get("test_metadata") or {}
    kwargs = {k: v for k, v in (metadata.get("kwargs") or {}).items() if k not in ("model", "column_name")}
    subject = f"on column {test['column_name']}" if test.get("column_name") else "on the model"
    arguments = "".join(f"; {k}: {v}" for k, v in kwargs.items())
    effect = "a failure stops everything downstream in the run" if blocking else "a failure only warns"
    return (f"dbt test {metadata.get('name') or test['name']} {subject}{arguments} "
            f"({test['original_file_path']}); {effect}.")


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "yes", "1")


def layer_of(dbt_resource_props: Mapping[str, Any]) -> str:
    if dbt_resource_props["resource_type"] == "seed":
        return "reference"
    fqn = dbt_resource_props.get("fqn", [])
    return next((part for part in fqn if part in LAYERS), "staging")


TRANSLATOR = BoligsocialDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))
