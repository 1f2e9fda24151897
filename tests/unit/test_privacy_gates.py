"""The privacy gates run on the new version before the switch: a violation fails the
publish with table, column, row, rule and a masked value, and nothing is switched."""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import pytest

from dagster_project.core.cpr import contains_cpr, mask_cpr
from dagster_project.publish.warehouse import (
    PrivacyGateFailed,
    PublishedTable,
    current_version,
    list_versions,
    publish,
    read_log,
)

CPR = "610185-1234"  # an erstatningspersonnummer: CPR-shaped, never a real person


def _build(path, sql: list[str]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        for statement in sql:
            con.execute(statement)


CLEAN = [
    # values that look numeric but are no CPR number: hashes, run ids, plan ids, dates, amounts
    "CREATE OR REPLACE TABLE marts.fct_area AS SELECT * FROM (VALUES "
    "('201114-007', 'e1a6c800f3a354d451c20f69a4262ae09087bc40f77b1db30429c3e0ebcbd33c', "
    "'06511259-c4b7-44b9-b7d4-bbb1ff97fa00', '2011-12-31', '1.234.567,00', 12, 0), "
    "('201114-008', '1234567890123456789012345678901234567890123456789012345678901234', "
    "'20261128T165837Z-06511259', 'BO101-03', '8071-001,8071-002', 7, NULL)) "
    "AS t(plan_id, source_sha256, run_id, day, amount, n_residents, n_participants)",
    "CREATE OR REPLACE TABLE marts.fct_person AS SELECT 'p' || range AS person_key FROM range(3)",
]
CLEAN_TABLES = [
    PublishedTable("fct_area", "marts", "marts", count_columns=frozenset({"n_residents", "n_participants"})),
    PublishedTable("fct_person", "marts", "restricted", pii=True),
]


def _publish(tmp_path, sql, tables, minute):
    build = tmp_path / "build.duckdb"
    _build(build, sql)
    return publish(build_db=build, warehouse_dir=tmp_path / "wh", tables=tables, run_id=f"run{minute:04d}abcd",
                   code_revision="abc", sources=[], checks=[{"check": "c", "passed": True}],
                   now=dt.datetime(2026, 1, 1, 0, minute, tzinfo=dt.UTC))


def _files(wh):
    return {p.relative_to(wh).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((wh / "versions").rglob("*")) if p.is_file()}


@pytest.fixture()
def published(tmp_path):
    """A warehouse with one clean version; returns (warehouse dir, version, files)."""
    result = _publish(tmp_path, CLEAN, CLEAN_TABLES, 1)
    wh = tmp_path / "wh"
    return wh, result.version, _files(wh)


def _refused(tmp_path, published, sql, tables) -> str:
    wh, version, files = published
    with pytest.raises(PrivacyGateFailed) as err:
        _publish(tmp_path, CLEAN + sql, tables, 2)
    assert current_version(wh) == version and list_versions(wh) == [version]
    assert _files(wh) == files, "a refused publish changed a published file"
    assert not list((wh / "versions").glob(".*")), "the refused version was left behind"
    assert [r["version"] for r in read_log(wh)] == [version]
    return str(err.value)


def test_a_clean_version_passes_and_the_log_records_the_gates(published):
    wh, version, _ = published
    check = next(c for c in read_log(wh)[-1]["checks"] if c["check"] == "published_warehouse:privacy_gates")
    assert check["passed"] and check["violations"] == 0 and check["text_columns_scanned"] >= 6
    assert check["count_columns_checked"] == 2
    with duckdb.connect(str(wh / "marts.duckdb"), read_only=True) as con:
        logged = con.sql("SELECT checks FROM publish_log").fetchone()[0]
    assert "privacy_gates" in logged


def test_a_cpr_number_in_a_text_column_fails_the_publish_masked(tmp_path, published):
    message = _refused(tmp_path, published, [
        f"CREATE OR REPLACE TABLE marts.dim_plan AS SELECT * FROM (VALUES ('a', 'Plan A'), ('b', 'Plan v/ {CPR}')) "
        "AS t(plan_id, plan_name)"], [*CLEAN_TABLES, PublishedTable("dim_plan", "marts", "marts")])
    assert "marts.duckdb, table dim_plan, column 'plan_name', row 2" in message
    assert "no value matching a CPR number is published" in message
    assert "'Plan v/ ******-****'" in message
    assert "610185" not in message and "1234" not in message


@pytest.mark.parametrize("value", [CPR, CPR.replace("-", ""), f"x{' '}{CPR}.", f"[{CPR}]"])
def test_cpr_shapes_that_are_found(value):
    assert contains_cpr(value) and not any(d in mask_cpr(value) for d in "0123456789")


@pytest.mark.parametrize("value", ["201114-007", "e1a6c800f3a354d451c20f69a42620987654321", "12345678901",
                                   "06511259-c4b7-44b9-b7d4-bbb1ff97fa00", "1.234.567,00", "8071-001"])
def test_values_that_are_no_cpr_number(value):
    assert not contains_cpr(value)


def test_a_cpr_number_inside_a_list_in_restricted_fails_too(tmp_path, published):
    message = _refused(tmp_path, published, [
        f"CREATE OR REPLACE TABLE marts.fct_notes AS SELECT 'p1' AS person_key, ['ok', 'cpr {CPR}'] AS notes"],
        [*CLEAN_TABLES, PublishedTable("fct_notes", "marts", "restricted", pii=True)])
    assert "restricted.duckdb, table fct_notes, column 'notes'" in message and "610185" not in message


@pytest.mark.parametrize("count", [1, 4, 2.5])
def test_a_count_of_persons_from_1_to_4_fails_the_publish(tmp_path, published, count):
    message = _refused(tmp_path, published, [
        f"CREATE OR REPLACE TABLE marts.rpt_x AS SELECT * FROM (VALUES ('a', 12), ('b', {count}), ('c', NULL)) "
        "AS t(cell, n_treated)"],
        [*CLEAN_TABLES, PublishedTable("rpt_x", "marts", "marts", count_columns=frozenset({"n_treated"}))])
    assert "table rpt_x, column 'n_treated', row 2" in message
    assert "a published count of persons is 0 or at least 5 (1-4 must be suppressed)" in message


@pytest.mark.parametrize("column, sql_type", [("residents", "INTEGER"), ("dwellings", "HUGEINT"),
                                              ("n_persons", "DOUBLE"), ("treated_n", "DECIMAL(18,2)"),
                                              ("antal_deltagere", "VARCHAR")])
def test_an_undeclared_integer_or_count_named_column_fails_the_publish(tmp_path, published, column, sql_type):
    message = _refused(tmp_path, published, [
        f"CREATE OR REPLACE TABLE marts.rpt_y AS SELECT 'a' AS cell, CAST(3 AS {sql_type}) AS {column}"],
        [*CLEAN_TABLES, PublishedTable("rpt_y", "marts", "marts")])
    assert f"table rpt_y, column '{column}'" in message and "declares meta.count" in message


def test_a_declared_non_count_integer_passes(tmp_path, published):
    result = _publish(tmp_path, CLEAN + ["CREATE OR REPLACE TABLE marts.dim_y AS SELECT 101 AS municipality_code, "
                                         "3 AS n_estates"],
                      [*CLEAN_TABLES, PublishedTable("dim_y", "marts", "marts",
                                                     not_count_columns=frozenset({"municipality_code", "n_estates"}))],
                      2)
    assert result.privacy.passed and result.privacy.declared_columns >= 2


def test_a_pii_model_is_not_published_to_marts(tmp_path, published):
    message = _refused(tmp_path, published, [], [
        CLEAN_TABLES[0], PublishedTable("fct_person", "marts", "marts", pii=True)])
    assert "marts.duckdb, table fct_person" in message
    assert "a model with meta.pii: true is published only to restricted.duckdb" in message
