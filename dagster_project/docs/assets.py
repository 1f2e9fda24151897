"""The published version's documentation: its data dictionary and dbt's docs site."""

import json

import dagster as dg

from dagster_project.catalog import after_publish
from dagster_project.dbt.project import dbt_project
from dagster_project.docs.dictionary import in_version, published_tables, render_html
from dagster_project.docs.site import DBT_DOCS, DICTIONARY, REPORTS, generate_dbt_docs, prune, version_dir
from dagster_project.publish.warehouse import VERSIONS, current_version, list_versions, read_log
from dagster_project.resources import BUILD_DB_POOL, WarehouseResource


@after_publish(
    kinds={"dbt", "html"},
    description=(
        "The documentation of the version just published, beside it in reports/<version>/ under the "
        "warehouse directory: the data dictionary (every published table and column, described from the dbt "
        "docs, typed and counted from the version's files; data_dictionary.html) and dbt's docs site "
        "(`dbt docs generate`; dbt_docs/). `make docs` serves both, with Data Docs, on 127.0.0.1; the "
        "repository's docs/data_dictionary.md is the same dictionary without the counts."
    ),
    pool=BUILD_DB_POOL,  # dbt docs generate opens the build database
)
def published_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    version = current_version(settings.warehouse_dir)
    if version is None:
        raise dg.Failure(description=f"no published version in {settings.warehouse_dir}: nothing to document")
    target = version_dir(settings.warehouse_dir, version)
    target.mkdir(parents=True, exist_ok=True)
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    tables = in_version(published_tables(manifest), settings.warehouse_dir / VERSIONS / version)
    published_at = next((r.get("published_at") for r in read_log(settings.warehouse_dir)
                         if r.get("version") == version and r.get("action", "publish") == "publish"), None)
    dictionary = target / DICTIONARY
    partial = dictionary.with_name(f".{DICTIONARY}.partial")
    partial.write_text(render_html(tables, version=version, published_at=published_at), encoding="utf-8")
    partial.replace(dictionary)
    generate_dbt_docs(settings, target / DBT_DOCS)
    prune(settings.warehouse_dir, list_versions(settings.warehouse_dir))
    context.log.info(f"data dictionary of {len(tables)} tables and dbt docs of version {version} in {target}")
    return dg.MaterializeResult(metadata={
        "published_version": version,
        "tables": len(tables),
        "columns": sum(len(t.columns) for t in tables),
        "data_dictionary": dg.MetadataValue.url(settings.docs_url(f"{REPORTS}/{version}/{DICTIONARY}")),
        "dbt_docs": dg.MetadataValue.url(settings.docs_url(f"{REPORTS}/{version}/{DBT_DOCS}/index.html")),
        "path": dg.MetadataValue.path(str(target)),
    })
