"""The GX runner: failures name file, row, column and rule; an errored expectation is an error."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dagster_project.quality import gx_runner


@pytest.fixture()
def suite_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(gx_runner, "EXPECTATIONS_DIR", tmp_path)
    gx_runner.load_suite.cache_clear()
    yield tmp_path
    gx_runner.load_suite.cache_clear()


def _write(suite_dir, expectations):
    (suite_dir / "demo.json").write_text(json.dumps({"name": "demo", "expectations": expectations}), encoding="utf-8")


def _frame():
    return pd.DataFrame({"code": [101, 999, 147], "_source_file": ["x.csv"] * 3,
                         "_source_locator": ["line 2", "line 3", "line 4"]})


def test_failing_rows_are_named_by_file_and_line(suite_dir):
    _write(suite_dir, [{"type": "expect_column_values_to_be_in_set",
                        "kwargs": {"column": "code", "value_set": [101, 147]},
                        "meta": {"rule": "kommunekode is known"}}])
    result = gx_runner.validate_frame(_frame(), "demo", subject="x.csv", column_labels={"code": "Kommunenr"})
    assert not result.success and len(result.failed) == 1 and not result.errored
    assert result.failed[0].failing_rows[0]["_source_locator"] == "line 3"
    assert "x.csv, line 3, column 'Kommunenr' (code): rule 'kommunekode is known' violated by value 999" in result.message()


def test_an_expectation_that_raises_is_an_error_not_a_pass(suite_dir):
    _write(suite_dir, [
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "no_such_column", "regex": "x"},
         "meta": {"rule": "a rule on a column that is not there"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "code"}, "meta": {"rule": "code set"}},
    ])
    result = gx_runner.validate_frame(_frame(), "demo", subject="x.csv")
    assert not result.success
    assert len(result.errored) == 1 and result.errored[0].status == "error"
    assert "could not be evaluated" in result.message()
    assert result.as_metadata()["errored"] == 1


def test_passing_suite(suite_dir):
    _write(suite_dir, [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "code"}}])
    result = gx_runner.validate_frame(_frame(), "demo", subject="x.csv")
    assert result.success and "all 1 expectations passed" in result.headline()


def test_every_suite_file_loads_and_names_its_rules():
    import great_expectations as gx

    for path in sorted(gx_runner.EXPECTATIONS_DIR.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        assert spec["name"] == path.stem
        gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"])
        for expectation in spec["expectations"]:
            assert expectation.get("meta", {}).get("rule"), f"{path.name}: {expectation['type']} has no meta.rule"


def test_a_cpr_number_among_failing_values_is_masked_everywhere(suite_dir):
    _write(suite_dir, [{"type": "expect_column_values_to_not_match_regex",
                        "kwargs": {"column": "name", "regex": "[0-9]{6}-[0-9]{4}"},
                        "meta": {"rule": "no CPR number in free text"}}])
    frame = _frame().assign(name=["ok", "Plan v/ 610185-1234", "ok"], _source_row=[2, 3, 4])
    result = gx_runner.validate_frame(frame, "demo", subject="x.csv")
    assert "x.csv, line 3, column 'name': rule 'no CPR number in free text' violated by value " \
           "'Plan v/ ******-****'" in result.message()
    stored = json.dumps(result.validation.to_json_dict()) + json.dumps(result.as_metadata())
    assert "610185" not in stored and "******-****" in stored
    assert result.as_metadata()["failing_rows"][0]["_source_row"] == 3


def test_mart_rows_are_named_by_their_key_and_column_pairs_by_both_columns(suite_dir):
    _write(suite_dir, [{"type": "expect_column_pair_values_a_to_be_greater_than_b",
                        "kwargs": {"column_A": "end", "column_B": "start"}, "meta": {"rule": "ends after it starts"}}])
    frame = pd.DataFrame({"plan_id": ["p1", "p2"], "start": [1, 5], "end": [2, 3]})
    result = gx_runner.validate_frame(frame, "demo", subject="dim_plan", key_columns=["plan_id"])
    assert "dim_plan, plan_id 'p2', columns 'end', 'start': rule 'ends after it starts' violated by value (3, 5)" \
        in result.message()
    assert result.as_metadata()["failing_rows"] == [
        {"rule": "ends after it starts", "column": "end, start", "plan_id": "p2", "end": 3, "start": 5}]


def test_a_compound_key_with_a_date_gives_serialisable_check_metadata(suite_dir):
    import datetime as dt

    from dagster_project.quality.metadata import gate_metadata

    _write(suite_dir, [{"type": "expect_compound_columns_to_be_unique",
                        "kwargs": {"column_list": ["code", "start"]}, "meta": {"rule": "one row per code and start"}}])
    frame = _frame().assign(code=[101, 101, 147], start=[dt.date(2013, 3, 1)] * 3)
    result = gx_runner.validate_frame(frame, "demo", subject="x.csv")
    assert not result.success and not result.errored
    assert "line 2, line 3" in result.message() and "'2013-03-01'" in result.message()
    metadata = gate_metadata(result, None)  # raised DagsterInvalidMetadata for a date
    assert {"code": 101, "start": "2013-03-01"} in metadata["failing_values"].value["code, start: one row per code and start"]
