"""Every dbt model, seed and test, as Dagster assets and asset checks."""

import os
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.dbt.build_metadata import with_build_metadata
from dagster_project.dbt.project import dbt_project
from dagster_project.dbt.translator import TRANSLATOR
from dagster_project.resources import WarehouseResource


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR,
            name="dbt_models")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` of the selected models: seeds, models and their tests, in dependency order.
    A failing test stops the models downstream of it, and the step fails. Each model's
    materialization records its rows, columns, column lineage, the landing files it was
    built from and the code revision (build_metadata.py)."""
    settings = warehouse.settings()
    # profiles.yml and the sources read their paths from these variables.
    os.environ.update(settings.dbt_env())
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    invocation = dbt.cli(["build"], context=context)
    # A raw asset gated against another (estates against the area register) was built
    # from that one's landing file too: its parents name it in each model's source_files.
    from dagster_project.definitions import RAW_ASSETS  # at run time: definitions import this module

    raw_parents = {key.to_user_string(): {dep.to_user_string() for dep in deps}
                   for asset in RAW_ASSETS for key, deps in asset.asset_deps.items()}
    yield from with_build_metadata(
        invocation.stream(),
        manifest=invocation.manifest,
        target_path=Path(dbt_project.project_dir, invocation.target_path),
        build_db=settings.build_db,
        raw_dir=settings.raw_dir,
        asset_key_of=TRANSLATOR.get_asset_key,
        raw_parents=raw_parents,
    )
