"""The column lineage of a dbt model is kept by the digest of what it is a function of, so
that a build whose SQL did not change does not parse it again; the raw layer's location is
not among those things (a copied or moved work directory keeps its cache)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.dbt import build_metadata
from dagster_project.dbt.build_metadata import BuildCatalog, Relation, cached_column_lineage

SOURCE = "source.boligsocial.raw.raw_lbf_grants"
PROPS = {"unique_id": "model.boligsocial.stg_lbf__grants", "name": "stg_lbf__grants",
         "relation_name": '"warehouse"."staging"."stg_lbf__grants"', "depends_on": {"nodes": [SOURCE]}}
RELATIONS = {SOURCE: Relation(SOURCE, dg.AssetKey("raw_lbf_grants"), "raw.raw.raw_lbf_grants")}


def _raw_layer(work: Path) -> Path:
    raw = work / "raw"
    (raw / "raw_lbf_grants").mkdir(parents=True)
    duckdb.sql(f"copy (select 'P1' as plan_id, 100 as amount_oere) to '{raw}/raw_lbf_grants/2011-14.parquet'")
    return raw


def _lineage(raw: Path, cache: Path, sql: str | None = None) -> dict:
    sql = sql or (f"select plan_id, amount_oere / 100.0 as amount_kr "
                  f"from read_parquet('{raw.as_posix()}/raw_lbf_grants/*.parquet', union_by_name = true)")
    catalog = BuildCatalog(columns={"warehouse.staging.stg_lbf__grants": {"plan_id": "VARCHAR", "amount_kr": "DOUBLE"}})
    with duckdb.connect() as con:
        return cached_column_lineage(PROPS, manifest={}, relations=RELATIONS, con=con, catalog=catalog,
                                     compiled_sql=sql, raw_dir=raw, cache=cache)


def test_a_copied_work_directory_reuses_the_lineage_and_changed_sql_does_not(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = _lineage(_raw_layer(tmp_path / "a"), cache)
    assert first["amount_kr"] == [dg.TableColumnDep(asset_key=dg.AssetKey("raw_lbf_grants"), column_name="amount_oere")]
    assert len(list(cache.glob("*.json"))) == 1

    def parse_again(*_args, **_kwargs):
        raise AssertionError("the lineage was computed again")

    monkeypatch.setattr(build_metadata, "column_lineage", parse_again)
    assert _lineage(_raw_layer(tmp_path / "b"), cache) == first  # another raw directory: from the cache
    raw = tmp_path / "a" / "raw"
    with pytest.raises(AssertionError, match="computed again"):  # other SQL: computed again
        _lineage(raw, cache, f"select plan_id from read_parquet('{raw.as_posix()}/raw_lbf_grants/*.parquet')")
