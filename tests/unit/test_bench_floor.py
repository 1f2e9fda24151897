"""The benchmark's floor evaluates the suites as SQL aggregates (bench/floor.py): each
expectation type the suites use must give the verdict Great Expectations gives, on data
that passes and on data that breaks it, or the floor would time different work."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import great_expectations as gx
import pandas as pd
import pytest

from bench.floor import run_suite_sql
from dagster_project.core.cpr import CPR_REGEX
from dagster_project.quality.gx_runner import _batch_definition
from dagster_project.settings import EXPECTATIONS_DIR

COND = {"condition_parser": "pandas"}
EXPECTATIONS = [
    ("expect_table_columns_to_match_set", {"column_set": ["code", "n", "low", "high", "name", "day", "kind"],
                                           "exact_match": True}),
    ("expect_table_row_count_to_be_between", {"min_value": 3}),
    ("expect_column_values_to_not_be_null", {"column": "code"}),
    ("expect_column_values_to_be_null", {"column": "name", "row_condition": 'kind == "x"', **COND}),
    ("expect_column_values_to_be_in_set", {"column": "code", "value_set": {"$PARAMETER": "codes"}}),
    ("expect_column_values_to_not_be_in_set", {"column": "code", "value_set": ["zz"]}),
    ("expect_column_values_to_be_between", {"column": "n", "min_value": 0, "max_value": 10,
                                            "row_condition": 'kind in ["a", "b"]', **COND}),
    ("expect_column_values_to_be_between", {"column": "day", "min_value": {"$PARAMETER": "first_day"}}),
    ("expect_column_values_to_match_regex", {"column": "code", "regex": "^[A-Z]{2}$"}),
    ("expect_column_values_to_not_match_regex", {"column": "name", "regex": CPR_REGEX}),
    ("expect_column_values_to_be_unique", {"column": "code"}),
    ("expect_compound_columns_to_be_unique", {"column_list": ["code", "kind"]}),
    ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "high", "column_B": "low", "or_equal": True}),
    ("expect_column_pair_values_to_be_equal", {"column_A": "low", "column_B": "n"}),
    ("expect_column_distinct_values_to_contain_set", {"column": "kind", "value_set": ["a", "b"]}),
]
# Dates as the suites get them (quality/parameters.py) and as readers parse them: datetime.date.
PARAMETERS = {"codes": ["AA", "BB", "CC", "DD"], "first_day": dt.date(2020, 1, 1)}
GOOD = pd.DataFrame({
    "code": ["AA", "BB", "CC"], "n": [1, 2, 3], "low": [1, 2, 3], "high": [2, 2, 4],
    "name": ["Åparken", "Plan 7", None], "day": [dt.date(2020, 1, 1), dt.date(2021, 5, 1), dt.date(2022, 12, 31)],
    "kind": ["a", "b", "x"],
})
# One row per broken rule where a row can break it.
BAD = pd.DataFrame({
    "code": ["AA", "AA", "zz", None], "n": [11, 2, 3, 4], "low": [1, 5, 3, 4], "high": [2, 4, 4, 4],
    "name": ["Plan 010161-1234", None, "y", "x"], "day": [dt.date(2019, 12, 31), None, dt.date(2022, 1, 1), None],
    "kind": ["a", "a", "x", "x"],
})


def _gx_verdicts(frame: pd.DataFrame, suite: dict) -> list[bool]:
    gx_suite = gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"])
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(gx_suite, expectation_parameters=PARAMETERS, result_format="SUMMARY")
    return [bool(r.success) for r in result.results]


@pytest.mark.parametrize("frame", [GOOD, BAD], ids=["good", "bad"])
def test_sql_aggregates_give_the_verdicts_of_great_expectations(frame):
    suite = {"name": "floor_test", "expectations": [{"type": t, "kwargs": kw} for t, kw in EXPECTATIONS]}
    expected = _gx_verdicts(frame, suite)
    with duckdb.connect() as con:
        con.register("frame", frame)
        got = []
        for expectation in suite["expectations"]:
            outcome = run_suite_sql(con, {"expectations": [expectation]}, "frame", PARAMETERS)
            assert outcome["errored"] == 0, expectation
            got.append(outcome["failed"] == 0)
    assert got == expected, [(e["type"], e["kwargs"].get("column"), g, x)
                             for e, g, x in zip(suite["expectations"], got, expected, strict=True) if g != x]
    if frame is BAD:
        assert not any(got[2:]), "every rule but the table's columns and row count is broken in BAD"


def test_every_expectation_type_of_the_suites_is_covered():
    used = {e["type"] for path in EXPECTATIONS_DIR.glob("*.json")
            for e in json.loads(path.read_text(encoding="utf-8"))["expectations"]}
    assert used <= {t for t, _ in EXPECTATIONS}, used - {t for t, _ in EXPECTATIONS}
