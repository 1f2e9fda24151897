"""S6: the register panel, Parquet with the contract's types; CPR -> person key, vectorised."""

from __future__ import annotations

import pyarrow as pa
import pytest

from dagster_project.core.errors import SourceContractError
from dagster_project.pseudonym import MASK, person_key
from dagster_project.quality import parameters
from dagster_project.quality.gx_runner import validate_frame
from dagster_project.sources.panel.readers import SOURCE_COLUMN_NAMES, read_person_years
from tests.landing_samples import person_year_rows, write_person_years

AREAS = ["BO101-01", "BO101-02", "BO751-01"]


def _gate(frame, year):
    return validate_frame(frame, "raw_person_years", subject=f"register/personaar_{year}.parquet",
                          parameters=parameters.raw_person_years(year), column_labels=SOURCE_COLUMN_NAMES)


def test_panel_year_is_read_with_types_keys_and_row_numbers(tmp_path):
    rows = person_year_rows(2016, 40, AREAS)
    frame = read_person_years(write_person_years(tmp_path, 2016, rows), tmp_path)
    assert len(frame) == 40 and "cpr" not in frame.columns
    assert frame["person_key"].iloc[0] == person_key(rows["cpr"][0])
    assert str(frame["aar"].dtype) == "int32" and str(frame["fritidsjob"].dtype) == "boolean"
    assert str(frame["herkomst"].dtype) == "category"
    assert frame["fritidsjob"].isna().sum() == sum(v is None for v in rows["fritidsjob"])
    assert frame["boligomraade_id"].isna().sum() == 4
    assert frame["_source_locator"].iloc[[0, -1]].tolist() == ["row 1", "row 40"]
    gate = _gate(frame, 2016)
    assert gate.success, gate.message()


def test_integers_of_any_width_are_read_as_int32(tmp_path):
    path = write_person_years(tmp_path, 2016, person_year_rows(2016, 5, AREAS),
                              types={"aar": pa.int64(), "foedselsaar": pa.int16()})
    frame = read_person_years(path, tmp_path)
    assert str(frame["aar"].dtype) == "int32" and str(frame["foedselsaar"].dtype) == "int32"


def test_a_missing_year_of_birth_stays_null_for_the_gate(tmp_path):
    rows = person_year_rows(2016, 5, AREAS)
    rows["foedselsaar"][1] = None
    rows["koen"][2] = None
    frame = read_person_years(write_person_years(tmp_path, 2016, rows), tmp_path)
    assert str(frame["foedselsaar"].dtype) == "Int32" and frame["foedselsaar"].isna().sum() == 1
    gate = _gate(frame, 2016)
    assert {(o.column, o.expectation) for o in gate.failed} == {
        ("foedselsaar", "expect_column_values_to_not_be_null"), ("koen", "expect_column_values_to_not_be_null")}


@pytest.mark.parametrize(("column", "arrow_type", "kind"), [
    ("aar", pa.string(), "integer"), ("fritidsjob", pa.int8(), "bool"), ("skolefravaer_pct", pa.string(), "floating"),
])
def test_a_wrong_parquet_type_names_the_column(tmp_path, column, arrow_type, kind):
    rows = person_year_rows(2016, 5, AREAS)
    rows[column] = [None if v is None else (str(v) if arrow_type == pa.string() else int(v)) for v in rows[column]]
    with pytest.raises(SourceContractError) as err:
        read_person_years(write_person_years(tmp_path, 2016, rows, types={column: arrow_type}), tmp_path)
    assert (err.value.column, err.value.rule) == (column, f"Parquet type {kind}")


def test_a_malformed_cpr_names_its_row_masked(tmp_path):
    rows = person_year_rows(2016, 5, AREAS)
    rows["cpr"][2] = "451316-1234"
    with pytest.raises(SourceContractError) as err:
        read_person_years(write_person_years(tmp_path, 2016, rows), tmp_path)
    assert (err.value.file, err.value.row, err.value.column, err.value.value) == (
        "register/personaar_2016.parquet", 3, "cpr", MASK)
    assert "451316" not in str(err.value)


def test_a_missing_column_is_named(tmp_path):
    rows = person_year_rows(2016, 5, AREAS)
    del rows["herkomst"]
    with pytest.raises(SourceContractError) as err:
        read_person_years(write_person_years(tmp_path, 2016, rows), tmp_path)
    assert (err.value.column, err.value.rule) == ("herkomst", "required column is missing")


def test_gate_names_rows_breaking_value_rules(tmp_path):
    rows = person_year_rows(2016, 30, AREAS)
    adult = next(i for i, b in enumerate(rows["foedselsaar"]) if 2016 - b > 30)
    rows["fritidsjob"][adult] = True
    rows["koen"][0] = "X"
    rows["cpr"][5] = rows["cpr"][4]
    rows["aar"][7] = 2015
    frame = read_person_years(write_person_years(tmp_path, 2016, rows), tmp_path)
    gate = _gate(frame, 2016)
    assert {o.column for o in gate.failed} == {"fritidsjob", "koen", "person_key", "aar"}
    message = gate.message()
    assert f"row {adult + 1}, column 'fritidsjob'" in message and "fritidsjob is null outside ages 13-17" in message
    assert "row 5, row 6, column 'cpr' (person_key)" in message
