"""How dbt resources appear in Dagster: keys, groups per layer, owners, tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

LAYERS = ("staging", "intermediate", "marts", "reports")


class BoligsocialDbtTranslator(DagsterDbtTranslator):
    """dbt sources map onto the raw assets of the same name; models keep their names and
    are grouped by layer (the folder under models/); seeds form the group 'reference'."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_of(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        owner = dbt_resource_props.get("meta", {}).get("owner")
        return [owner] if owner else ["team:data-engineering"]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))
        meta = dbt_resource_props.get("meta", {})
        if meta.get("pii"):
            tags["pii"] = "true"
        if meta.get("publish"):
            tags["publish"] = str(meta["publish"])
        return tags

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = dict(super().get_metadata(dbt_resource_props))
        if dbt_resource_props.get("meta", {}).get("publish"):
            metadata["published_to"] = f"{dbt_resource_props['meta']['publish']}.duckdb"
        return metadata


def layer_of(dbt_resource_props: Mapping[str, Any]) -> str:
    if dbt_resource_props["resource_type"] == "seed":
        return "reference"
    fqn = dbt_resource_props.get("fqn", [])
    return next((part for part in fqn if part in LAYERS), "staging")


TRANSLATOR = BoligsocialDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))
