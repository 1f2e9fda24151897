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


# --- the runner's view of a frame changes nothing GX finds -------------------------------

def _plain_gx(frame: pd.DataFrame, suite: str, parameters: dict, index_columns: list[str]):
    """The suite run the plain way: GX on the frame as it is, naming rows itself."""
    import great_expectations as gx

    spec = gx_runner.load_suite(suite)
    result_format = {"result_format": "COMPLETE", "partial_unexpected_count": gx_runner.SAMPLE_ROWS,
                     "return_unexpected_index_query": False, "unexpected_index_column_names": index_columns}
    batch = gx_runner._batch_definition().get_batch(batch_parameters={"dataframe": frame})
    suite_object = gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"])
    validation = batch.validate(suite_object, expectation_parameters=parameters, result_format=result_format)
    for result in validation.results:
        columns = gx_runner._columns_of(result.expectation_config.kwargs)
        result.result = gx_runner._bounded(gx_runner.mask_deep(gx_runner._in_kroner(result.result or {}, columns)))
    return validation


def _normalised(value):
    value = gx_runner._plain(value)
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


def _raw_frames(landing):
    """A real frame of every raw source that has row rules, each also broken so that rules fail."""
    from dagster_project.quality import parameters
    from dagster_project.sources.indicators.readers import read_area_indicators
    from dagster_project.sources.lbf.readers import read_grants
    from dagster_project.sources.lists.readers import read_area_list
    from dagster_project.sources.panel.readers import read_person_years
    from dagster_project.sources.participants.readers import read_registrations

    grants = read_grants("2015-18", landing)
    yield "raw_lbf_grants", grants, parameters.raw_lbf_grants("2015-18")
    broken = grants.copy()
    broken.loc[1, "grant_lbf_ore"] = -868900125
    broken.loc[2, "municipality_code"] = 999
    broken.loc[3, "budget_line_id"] = broken.loc[4, "budget_line_id"]
    broken.loc[5, "plan_conflict"] = "navn 'A' (sheet Bevillinger row 2) and 'B' (sheet Bevillinger row 3)"
    yield "raw_lbf_grants", broken, parameters.raw_lbf_grants("2015-18")
    panel = read_person_years(landing / "register/personaar_2015.parquet", landing)
    yield "raw_person_years", panel, parameters.raw_person_years(2015)
    broken = panel.copy()
    broken.loc[3, "foedselsaar"] = 2016
    broken.loc[4, "koen"] = None
    broken["boligomraade_id"] = broken["boligomraade_id"].cat.add_categories(["X1"])
    broken.loc[5, "boligomraade_id"] = "X1"
    broken.loc[broken.index[(2015 - broken["foedselsaar"]) > 20][:3], "fritidsjob"] = True
    yield "raw_person_years", broken, parameters.raw_person_years(2015)
    indicators = read_area_indicators(landing / "indikatorer/indikatorer_2015.csv", landing)
    broken = indicators.copy()
    broken.loc[broken["indikator"] == "GRUNDSKOLE_PCT", "indhold"] = 143.7
    yield "raw_area_indicators", broken, parameters.raw_area_indicators(2015)
    lists = read_area_list(max(landing.glob("lister/liste_*.csv"), key=lambda p: p.stat().st_size), landing)
    yield "raw_area_lists", lists, parameters.raw_area_lists(int(lists["list_year"].iloc[0]))
    path = sorted(landing.glob("deltagere/2011-14/registreringer_*.csv"))[0]
    registrations = read_registrations(path, landing)
    year = int(registrations["file_year"].iloc[0])
    broken = registrations.copy()
    broken.loc[1, "aktivitet"] = "fodboldklub"
    broken.loc[2, "slutdato"] = broken.loc[2, "startdato"].replace(year=broken.loc[2, "startdato"].year - 1)
    yield "raw_participant_registrations", broken, {
        **parameters.raw_participant_registrations("2011-14", year, landing / "no-raw-layer", path),
        "plan_ids": sorted(set(registrations["helhedsplan_id"]))}


def test_every_raw_suite_finds_what_plain_gx_finds(small_world):
    """The view (widened integers, regexes by category, narrowed domains, rows named by
    position) is only faster: the outcome of every expectation, its counts, failing values
    and failing rows are those of GX on the frame as it is."""
    compared = 0
    for suite, frame, parameters in _raw_frames(small_world[0]):
        gate = gx_runner.validate_frame(frame, suite, subject=suite, parameters=parameters)
        index = [c for c in gx_runner.LOCATOR_COLUMNS if c in frame.columns]
        plain = _plain_gx(frame, suite, parameters, index)
        assert len(gate.validation.results) == len(plain.results)
        for ours, theirs in zip(gate.validation.results, plain.results, strict=True):
            name = f"{suite}: {ours.expectation_config.type} {ours.expectation_config.kwargs.get('column')}"
            assert ours.success == theirs.success, name
            assert bool(ours.exception_info and ours.exception_info.get("raised_exception")) == \
                bool(theirs.exception_info and theirs.exception_info.get("raised_exception")), name
            assert _normalised(ours.result) == _normalised(theirs.result), name
            compared += 1
        if suite == "raw_person_years" and not gate.success:
            assert {o.rule for o in gate.failed} >= {"koen is known for everybody",
                                                     "fritidsjob is null outside ages 13-17"}
    assert compared > 60


def test_a_row_condition_domain_holds_its_expectations_columns_unless_a_table_expectation_shares_it():
    spec = {"expectations": [
        {"type": "expect_column_values_to_be_null", "kwargs": {"column": "a", "row_condition": "age > 17"}},
        {"type": "expect_column_values_to_be_null", "kwargs": {"column": "b", "row_condition": "age > 17"}},
        {"type": "expect_column_values_to_be_null", "kwargs": {"column": "c", "row_condition": "age < 6"}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1, "row_condition": "age < 6"}},
    ]}
    conditioned = gx_runner._columns_by_condition(spec)
    assert conditioned == {"age > 17": frozenset({"a", "b"})}
    with gx_runner._fast_gx(["_source_row"], narrow=True, conditioned=conditioned):
        columns = ["a", "b", "c", "age", "_source_row", "other"]
        table = {"row_condition": {"pass_through_filter": "age > 17", "type": "pass_through"}}
        assert gx_runner._domain_columns(table, columns, ["_source_row"]) == ["a", "b", "age", "_source_row"]
        shared = {"row_condition": {"pass_through_filter": "age < 6", "type": "pass_through"}}
        assert gx_runner._domain_columns(shared, columns, ["_source_row"]) is None


def test_a_regex_on_a_categorical_column_is_matched_once_per_value_the_rows_hold():
    seen = []

    def contains(cls, column, regex, **kwargs):
        seen.append(list(column))
        return column.astype(str).str.contains(regex)

    by_category = gx_runner._by_category(contains)
    # 'ü9' is a category no row holds: pandas would pick Python's regex engine for it.
    column = pd.Series(pd.Categorical(["BO1", "x", "BO1", "BO22", "x"], categories=["ü9", "BO1", "BO22", "x"]),
                       index=[10, 11, 12, 13, 14])
    got = by_category(None, column, r"^BO\d+$")
    assert got.tolist() == [True, False, True, True, False] and list(got.index) == [10, 11, 12, 13, 14]
    assert seen == [["BO1", "BO22", "x"]]
    numbers = pd.Series(pd.Categorical([1, 22, 1]))
    assert by_category(None, numbers, r"^\d$").tolist() == contains(None, numbers, r"^\d$").tolist()
    with_null = pd.Series(pd.Categorical(["a", None]))
    seen.clear()
    by_category(None, with_null, "a")
    assert len(seen) == 1 and len(seen[0]) == 2  # nulls left in: the plain function, on every row
    text = pd.Series(["BO1", "x"])
    assert by_category(None, text, r"^BO").tolist() == [True, False]
