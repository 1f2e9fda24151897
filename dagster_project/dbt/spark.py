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
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
import sqlglot.errors

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


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def catalog_spark_build(settings: Settings, manifest: Mapping[str, Any],
                        spark_manifest: Mapping[str, Any] | None = None) -> list[str]:
    """Make the build database a catalog of what Spark built, for DuckDB to read: a view
    per table (model or seed) over its Parquet files, named as in ``manifest`` (the DuckDB
    manifest, whose schemas are the build database's). What is a view on Spark (the
    staging models) is a view here too: the raw layer's sources over their Parquet files,
    and the view's SQL as Spark compiled it (``spark_manifest``, the build's), transpiled;
    a view that does not transpile is left out (only a failed test's example rows read
    one). Written beside and renamed into place, so a reader sees the old catalog or the
    new one. Returns the relations it holds."""
    root = tables_dir(settings)
    build_db = settings.build_db
    build_db.parent.mkdir(parents=True, exist_ok=True)
    partial = build_db.with_name(f".{build_db.name}.spark.partial")
    partial.unlink(missing_ok=True)
    compiled = {uid: node.get("compiled_code") for uid, node in (spark_manifest or {}).get("nodes", {}).items()}
    made, views = [], []
    with duckdb.connect(str(partial)) as con:
        for source in sorted(manifest.get("sources", {}).values(), key=lambda n: n["unique_id"]):
            folder = settings.raw_dir / source["identifier"]
            if any(folder.glob("*.parquet")):
                con.execute(f"create schema if not exists {_ident(source['schema'])}")
                con.execute(f"create view {_ident(source['schema'])}.{_ident(source['identifier'])} as select * "
                            f"from read_parquet({_quote((folder / '*.parquet').as_posix())}, union_by_name = true)")
        for node in sorted(manifest["nodes"].values(), key=lambda n: n["unique_id"]):
            if node["resource_type"] not in ("model", "seed"):
                continue
            name = node.get("alias") or node["name"]
            relation = f"{_ident(node['schema'])}.{_ident(name)}"
            folder = root / f"{node['schema']}.db" / name
            con.execute(f"create schema if not exists {_ident(node['schema'])}")
            if any(folder.glob("*.parquet")):
                con.execute(f"create view {relation} as select * from "
                            f"read_parquet({_quote((folder / '*.parquet').as_posix())})")
                made.append(f"{node['schema']}.{name}")
            elif compiled.get(node["unique_id"]) and node["config"].get("materialized") == "view":
                views.append((node, relation, compiled[node["unique_id"]]))
        # Views read views: created in dependency order (the manifest's ids sort by name, not by it).
        pending = views
        while pending:
            left = []
            for node, relation, sql in pending:
                try:
                    con.execute(f"create view {relation} as {to_duckdb(sql)}")
                    made.append(f"{node['schema']}.{node.get('alias') or node['name']}")
                except (duckdb.Error, sqlglot.errors.SqlglotError):
                    left.append((node, relation, sql))
            if len(left) == len(pending):
                break  # what is left does not transpile or reads what was not built
            pending = left
    os.replace(partial, build_db)
    return made


def to_duckdb(sql: str) -> str:
    """Spark SQL that dbt compiled (a failed test's query), as DuckDB runs it on the catalog."""
    return sqlglot.transpile(sql, read="spark", write="duckdb")[0]
