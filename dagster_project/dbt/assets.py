"""Every dbt model, seed and test, as Dagster assets and asset checks."""

import json
import os
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.dbt.build_metadata import landing_files_of, with_build_metadata
from dagster_project.dbt.failures import failed_nodes, failure_message
from dagster_project.dbt.project import dbt_project, prune_build_targets
from dagster_project.dbt.spark import SPARK_TARGET, catalog_spark_build, spark_dbt_executable, tables_dir, to_duckdb
from dagster_project.dbt.translator import TRANSLATOR
from dagster_project.resources import BUILD_DB_POOL, WarehouseResource
from dagster_project.sources.registry import SOURCES

# A raw asset gated against another (estates against the area register) was built from
# that one's landing file too: its parents name it in each model's source_files.
RAW_PARENTS = {source.asset: set(source.gated_against) for source in SOURCES}


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR,
            name="dbt_models", pool=BUILD_DB_POOL)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` of the selected models: seeds, models and their tests, in dependency order.
    A failing test stops the models downstream of it, and the step fails naming the test,
    the model, the rule, the landing files and example rows (dbt/failures.py). Each model's
    materialization records its rows, columns, column lineage, the landing files it was
    built from and the code revision (build_metadata.py). dbt's own 'N of M' line for
    every node goes to the step's output (the compute log, which the refresh command
    follows to show progress)."""
    settings = warehouse.settings()
    # profiles.yml and the sources read their paths from these variables.
    os.environ.update(settings.dbt_env())
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    if pruned := prune_build_targets(Path(dbt_project.manifest_path).parent):
        context.log.info(f"removed {pruned} old dbt build target director{'y' if pruned == 1 else 'ies'}")
    on_spark = settings.engine == "spark"
    if on_spark:
        # The same project and selection, built by the spark target's dbt (dbt/spark.py).
        dbt = DbtCliResource(project_dir=dbt_project, dbt_executable=str(spark_dbt_executable()), target=SPARK_TARGET)
        context.log.info(f"BOLIGSOCIAL_ENGINE=spark: dbt builds on Apache Spark; tables in {tables_dir(settings)}")
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
    target_path = Path(dbt_project.project_dir, invocation.target_path)
    # The manifest the code location was defined from (DuckDB's relations): on Spark too it
    # names what reads the build, the catalog of Spark's tables.
    manifest = invocation.manifest

    def catalog() -> None:
        # The build's own manifest holds Spark's compiled SQL (invocation.manifest is the
        # code location's, which dagster-dbt was given).
        built = target_path / "manifest.json"
        spark_manifest = json.loads(built.read_text(encoding="utf-8")) if built.is_file() else None
        made = catalog_spark_build(settings, manifest, spark_manifest)
        context.log.info(f"build database {settings.build_db}: a catalog of the {len(made.relations)} relations "
                         "Spark built")
        for view, why in made.left_out.items():
            # Only a failed test's example rows read a staging view: the build itself is Spark's.
            context.log.warning(f"view {view} is not in the catalog (its example rows would be missing): {why}")

    yield from with_build_metadata(
        invocation.stream(),
        manifest=manifest,
        target_path=target_path,
        build_db=settings.build_db,
        raw_dir=settings.raw_dir,
        asset_key_of=TRANSLATOR.get_asset_key,
        raw_parents=RAW_PARENTS,
        lineage_cache=settings.work_dir / "cache" / "column_lineage",
        with_lineage=not on_spark,
        after_build=catalog if on_spark else None,
    )
    if not invocation.is_successful():
        results_path = target_path / "run_results.json"
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.is_file() else {}
        files = landing_files_of(manifest, settings.raw_dir, TRANSLATOR.get_asset_key, RAW_PARENTS)
        nodes = failed_nodes(results, manifest, settings.build_db, files, translate=to_duckdb if on_spark else None)
        message = failure_message(nodes, error_messages=getattr(invocation, "_error_messages", []))
        context.log.error(message)
        raise dg.Failure(
            description=message,
            metadata={"failed_nodes": dg.MetadataValue.json([n.unique_id for n in nodes]),
                      "landing_files": dg.MetadataValue.json(sorted({f for n in nodes for f in n.files}))},
        )
