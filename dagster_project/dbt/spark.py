"""The dbt build on Apache Spark (BOLIGSOCIAL_ENGINE=spark; docs/architecture.md, "Spark").

dbt builds with the `spark` target of dbt/profiles.yml, run by the dbt of `.venv-spark`
(`make spark-env`: dbt-spark and pyspark stay out of the main environment). Spark writes
every table as Parquet under ``work/spark/warehouse/<schema>.db/<table>/``. What reads the
build afterwards (build metadata, example rows of a failed dbt test, the mart gates, the
list check, publish, dbt docs) reads a DuckDB database, so the build database is then
made anew as a catalog of Spark's tables: one view per table over its Parquet files. The
figures the gates check and publish writes are Spark's; nothing is computed again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
import sqlglot.errors

from dagster_project.core.sql import identifier, literal
from dagster_project.settings import REPO_ROOT, Settings

# dbt with dbt-spark and pyspark, in an environment of its own (make spark-env).
SPARK_DBT = REPO_ROOT / ".venv-spark" / "bin" / "dbt"
SPARK_TARGET = "spark"


class SparkBuildError(RuntimeError):
    pass


def spark_dbt_executable() -> Path:
    if not SPARK_DBT.exists():
        raise SparkBuildError(f"BOLIGSOCIAL_ENGINE=spark, but {SPARK_DBT} is missing: `make spark-env` installs "
                              "the dbt of the spark target (dbt-spark and pyspark); Spark also needs Java 17")
    return SPARK_DBT


def tables_dir(settings: Settings) -> Path:
    """Where Spark's tables are (spark.sql.warehouse.dir of the spark target)."""
    return settings.work_dir / "spark" / "warehouse"


@dataclass
class SparkCatalog:
    """What ``catalog_spark_build`` made: relations (schema.name), and the views it left out
    with why (a view that does not transpile, or reads one that was left out)."""

    relations: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)


def catalog_spark_build(settings: Settings, manifest: Mapping[str, Any],
                        spark_manifest: Mapping[str, Any] | None = None) -> SparkCatalog:
    """Make the build database a catalog of what Spark built, for DuckDB to read: a view
    per table (model or seed) over its Parquet files, named as in ``manifest`` (the DuckDB
    manifest, whose schemas are the build database's). What is a view on Spark (the
    staging models) is a view here too: the raw layer's sources over their Parquet files,
    and the view's SQL as Spark compiled it (``spark_manifest``, the build's), transpiled,
    created after the views it reads. Written beside and renamed into place, so a reader
    sees the old catalog or the new one."""
    root = tables_dir(settings)
    build_db = settings.build_db
    build_db.parent.mkdir(parents=True, exist_ok=True)
    partial = build_db.with_name(f".{build_db.name}.spark.partial")
    partial.unlink(missing_ok=True)
    compiled = {uid: node.get("compiled_code") for uid, node in (spark_manifest or {}).get("nodes", {}).items()}
    made = SparkCatalog()
    views: dict[str, Mapping[str, Any]] = {}
    with duckdb.connect(str(partial)) as con:
        def create(schema: str, name: str, query: str) -> None:
            con.execute(f"create schema if not exists {identifier(schema)}")
            con.execute(f"create view {identifier(schema)}.{identifier(name)} as {query}")
            made.relations.append(f"{schema}.{name}")

        for source in sorted(manifest.get("sources", {}).values(), key=lambda n: n["unique_id"]):
            folder = settings.raw_dir / source["identifier"]
            if any(folder.glob("*.parquet")):
                create(source["schema"], source["identifier"],
                       f"select * from read_parquet({literal((folder / '*.parquet').as_posix())}, union_by_name = true)")
        for uid, node in sorted(manifest["nodes"].items()):
            if node["resource_type"] not in ("model", "seed"):
                continue
            folder = root / f"{node['schema']}.db" / (node.get("alias") or node["name"])
            if any(folder.glob("*.parquet")):
                create(node["schema"], node.get("alias") or node["name"],
                       f"select * from read_parquet({literal((folder / '*.parquet').as_posix())})")
            elif compiled.get(uid) and node["config"].get("materialized") == "view":
                views[uid] = node

        def create_view(uid: str) -> bool:
            """The view of ``uid``, after the views it reads; False if it was left out."""
            node = views[uid]
            name = f"{node['schema']}.{node.get('alias') or node['name']}"
            if name in made.relations or name in made.left_out:
                return name in made.relations
            for parent in node["depends_on"]["nodes"]:
                if parent in views and not create_view(parent):
                    made.left_out[name] = f"it reads {views[parent]['name']}, which was left out"
                    return False
            try:
                create(node["schema"], node.get("alias") or node["name"], to_duckdb(compiled[uid]))
            except (duckdb.Error, sqlglot.errors.SqlglotError) as exc:
                made.left_out[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                return False
            return True

        for uid in sorted(views):
            create_view(uid)
    os.replace(partial, build_db)
    return made


def to_duckdb(sql: str) -> str:
    """Spark SQL that dbt compiled (a failed test's query), as DuckDB runs it on the catalog."""
    return sqlglot.transpile(sql, read="spark", write="duckdb")[0]
