"""Every SQL block of docs/analyst_queries.md, run against the published marts.duckdb of
the session's refresh: the page and the warehouse cannot drift apart."""

from __future__ import annotations

import re

import duckdb
import pytest

from dagster_project.settings import REPO_ROOT

pytestmark = pytest.mark.slow

PAGE = REPO_ROOT / "docs" / "analyst_queries.md"
MAY_BE_EMPTY = "-- may return no rows"


def _queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_page_has_a_query_for_every_question_of_the_area_marts():
    text = "\n".join(_queries())
    assert len(_queries()) >= 10
    for table in ("fct_omraade_pulje", "fct_omraade_aar", "dim_boligomraade", "rpt_omraade_listekontrol",
                  "rpt_omraade_listeprognose", "rpt_omraade_did", "rpt_omraade_trend", "rpt_omraade_did_areas",
                  "rpt_omraade_event_study"):
        assert f"from {table}" in text, table


@pytest.mark.parametrize("number", range(len(_queries())))
def test_every_example_query_runs_on_the_published_warehouse(number, refreshed, session_env):
    sql = _queries()[number]
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        rows = con.sql(sql).fetchall()
    assert rows or MAY_BE_EMPTY in sql, f"query {number + 1} returned no rows:\n{sql}"


def test_the_documented_catalog_query_lists_the_warehouse_s_own_tables_only(refreshed, session_env):
    (catalog,) = [q for q in _queries() if "from duckdb_columns()" in q]
    assert catalog in (REPO_ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        listed = {table for table, *_ in con.sql(catalog).fetchall()}
        tables = {t for (t,) in con.sql("select table_name from duckdb_tables() where not internal").fetchall()}
        undescribed = con.sql(catalog.replace("order by", "and comment is null order by")).fetchall()
    assert listed == tables and "publish_log" in listed and "lbl_pulje" in listed
    assert undescribed == [], undescribed
