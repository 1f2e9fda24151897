"""BOLIGSOCIAL_ENGINE, and the build database made from what Spark built
(dagster_project/dbt/spark.py): the reading of the setting, the engine in a version's
inputs, and the catalog of Spark's Parquet tables that the gates and publish read."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from dagster_project.dbt.spark import catalog_spark_build, tables_dir, to_duckdb
from dagster_project.publish.inputs import warehouse_inputs_digest
from dagster_project.settings import SettingsError, get_settings


def test_the_engine_is_duckdb_unless_set_and_an_unknown_one_is_refused(monkeypatch):
    monkeypatch.delenv("BOLIGSOCIAL_ENGINE", raising=False)
    assert get_settings().engine == "duckdb"
    monkeypatch.setenv("BOLIGSOCIAL_ENGINE", " Spark ")
    assert get_settings().engine == "spark"
    monkeypatch.setenv("BOLIGSOCIAL_ENGINE", "flink")
    with pytest.raises(SettingsError, match="BOLIGSOCIAL_ENGINE='flink'.*duckdb, spark"):
        get_settings()


def test_the_engine_is_part_of_a_versions_inputs_and_duckdbs_digest_is_unchanged(monkeypatch, tmp_path):
    monkeypatch.setenv("BOLIGSOCIAL_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.delenv("BOLIGSOCIAL_ENGINE", raising=False)
    settings = get_settings()
    assert warehouse_inputs_digest(replace(settings, engine="duckdb")) == warehouse_inputs_digest(settings)
    assert warehouse_inputs_digest(replace(settings, engine="spark")) != warehouse_inputs_digest(settings)


def _node(uid: str, schema: str, materialized: str = "table", resource_type: str = "model",
          reads: tuple[str, ...] = ()) -> dict:
    name = uid.rsplit(".", 1)[1]
    return {"unique_id": uid, "resource_type": resource_type, "name": name, "alias": name, "schema": schema,
            "config": {"materialized": materialized}, "depends_on": {"nodes": list(reads)}}


def test_the_build_database_becomes_a_catalog_of_sparks_tables(monkeypatch, tmp_path):
    monkeypatch.setenv("BOLIGSOCIAL_WORK_DIR", str(tmp_path / "work"))
    settings = get_settings()
    mart = tables_dir(settings) / "marts.db" / "dim_x"
    mart.mkdir(parents=True)
    duckdb.sql(f"copy (select 1 as id, 'a' as label union all select 2, 'b') to '{mart}/part-00000.parquet'")
    (mart / "_SUCCESS").write_text("")  # what Spark writes beside the parts
    raw = settings.raw_dir / "raw_things"
    raw.mkdir(parents=True)
    duckdb.sql(f"copy (select 7 as thing) to '{raw}/2019.parquet'")
    duckdb.sql(f"copy (select 8 as thing, 'late' as added) to '{raw}/2020.parquet'")
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:  # the previous build, replaced whole
        con.execute("create table stale as select 1 as x")
    manifest = {
        "sources": {"source.p.raw.raw_things": {"unique_id": "source.p.raw.raw_things", "schema": "raw",
                                                "identifier": "raw_things"}},
        "nodes": {n["unique_id"]: n for n in [
            _node("model.p.dim_x", "marts"),
            _node("model.p.stg_things", "staging", "view", reads=("source.p.raw.raw_things",)),
            _node("model.p.stg_later", "staging", "view", reads=("model.p.stg_things",)),
            _node("model.p.stg_broken", "staging", "view"),
            _node("model.p.stg_after_broken", "staging", "view", reads=("model.p.stg_broken",)),
            _node("model.p.fct_not_built", "marts"),
            _node("test.p.not_null_dim_x_id", "tests", resource_type="test"),
        ]},
    }
    # Spark's compiled SQL of its views: backticks, a view of a view that sorts before it, and
    # a view of a view that cannot be made.
    spark_manifest = {"nodes": {
        "model.p.stg_things": {"compiled_code": "select thing, coalesce(added, 'early') as added from `raw`.`raw_things`"},
        "model.p.stg_later": {"compiled_code": "select count(*) as n from `staging`.`stg_things`"},
        "model.p.stg_broken": {"compiled_code": "select * from staging.not_a_relation"},
        "model.p.stg_after_broken": {"compiled_code": "select * from `staging`.`stg_broken`"},
    }}
    made = catalog_spark_build(settings, manifest, spark_manifest)
    assert sorted(made.relations) == ["marts.dim_x", "raw.raw_things", "staging.stg_later", "staging.stg_things"]
    assert "not_a_relation" in made.left_out["staging.stg_broken"]
    assert made.left_out["staging.stg_after_broken"] == "it reads stg_broken, which was left out"
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.sql('select * from "warehouse"."marts"."dim_x" order by id').fetchall() == [(1, "a"), (2, "b")]
        assert con.sql("select * from staging.stg_things order by thing").fetchall() == [(7, "early"), (8, "late")]
        assert con.sql("select n from staging.stg_later").fetchone() == (2,)
        tables = {t for (t,) in con.sql("select table_name from duckdb_tables()").fetchall()}
    assert "stale" not in tables
    assert not list(settings.build_db.parent.glob("*.partial"))


def test_a_failed_tests_spark_sql_runs_on_duckdbs_catalog(monkeypatch, tmp_path):
    monkeypatch.setenv("BOLIGSOCIAL_WORK_DIR", str(tmp_path / "work"))
    settings = get_settings()
    mart = tables_dir(settings) / "marts.db" / "dim_x"
    mart.mkdir(parents=True)
    duckdb.sql(f"copy (select * from (values ('P1'), ('P1'), ('P2'), (null)) as t(plan_id)) "
               f"to '{mart}/part-00000.parquet'")
    catalog_spark_build(settings, {"nodes": {"model.p.dim_x": _node("model.p.dim_x", "marts")}})
    # dbt's `unique` test as dbt-spark compiles it: backticks, two-part names.
    spark_sql = ("select `plan_id` as unique_field, count(*) as n_records from `marts`.`dim_x` "
                 "where `plan_id` is not null group by `plan_id` having count(*) > 1")
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.sql(to_duckdb(spark_sql)).fetchall() == [("P1", 2)]
