"""Every dbt model, seed and test, as Dagster assets and asset checks."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.dbt.project import dbt_project
from dagster_project.dbt.translator import TRANSLATOR
from dagster_project.resources import WarehouseResource


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR,
            name="dbt_models")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` of the selected models: seeds, models and their tests, in dependency order.
    A failing test stops the models downstream of it, and the step fails."""
    settings = warehouse.settings()
    # profiles.yml and the sources read their paths from these variables.
    os.environ.update(settings.dbt_env())
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    yield from dbt.cli(["build"], context=context).stream()
