"""The three grant readers, each on its own format, and their contract errors."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import openpyxl
import pytest

from dagster_project.core.errors import SourceContractError
from dagster_project.sources.lbf.readers import (
    GRANT_FILES,
    RAW_COLUMNS,
    read_grants,
    read_grants_2011_14,
    read_grants_2015_18,
    read_grants_2019_26,
)
from dagster_project.sources.parsing import parse_danish_amount, parse_danish_date

PROVENANCE = ["_source_file", "_source_sha256", "_source_row", "_source_locator", "_loaded_at"]


@pytest.fixture()
def landing(tmp_path, small_world):
    target = tmp_path / "landing"
    shutil.copytree(small_world[0], target)
    return target


@pytest.mark.parametrize("funding_round", ["2011-14", "2015-18", "2019-26"])
def test_each_round_reads_into_one_raw_shape_with_exact_totals(small_world, funding_round):
    landing, _, manifest = small_world
    frame = read_grants(funding_round, landing)
    expected = manifest["funding_rounds"][funding_round]
    assert list(frame.columns) == [*RAW_COLUMNS, *PROVENANCE]
    assert frame["plan_id"].nunique() == expected["plans"]
    assert len(frame) == expected["budget_lines"]
    assert int(frame["grant_lbf_ore"].sum()) == expected["grant_lbf_ore"]
    assert int(frame["cofinancing_municipality_ore"].sum()) == expected["cofinancing_municipality_ore"]
    assert int(frame["cofinancing_housing_org_ore"].sum()) == expected["cofinancing_housing_org_ore"]
    assert set(frame["funding_round"]) == {funding_round}
    assert (frame["_source_file"] == GRANT_FILES[funding_round]).all()
    assert frame["_source_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (frame["plan_local_cofinancing_share"] >= 0.25).all()
    assert (frame["end_date"] > frame["start_date"]).all()


def test_2011_14_keeps_danish_letters_from_cp1252(small_world):
    frame = read_grants("2011-14", small_world[0])
    text = " ".join(frame["plan_name"]) + " ".join(frame["focus_areas"])
    assert any(ch in text for ch in "æøåÆØÅ")
    assert "Ã" not in text  # no mojibake
    assert frame["_source_locator"].iloc[0] == "line 2"


@pytest.mark.parametrize(("text", "ore"), [
    ("1.234.567,50", 123456750), ("1.234.567,00", 123456700), ("0,5", 50), ("1234", 123400),
    ("12,34", 1234), ("-1.000,00", -100000), ("999", 99900),
])
def test_danish_amounts_parse_to_exact_ore(text, ore):
    assert parse_danish_amount(text, name="f", row=2, column="c") == ore


@pytest.mark.parametrize("text", ["1,234.56", "12.34", "1.23.456,00", "abc", "", "1.234,567", "1 234,00"])
def test_malformed_danish_amounts_are_rejected_with_file_row_column(text):
    with pytest.raises(SourceContractError) as err:
        parse_danish_amount(text, name="lbf/x.csv", row=7, column="Bevilling kr")
    assert "lbf/x.csv, row 7, column 'Bevilling kr'" in str(err.value)
    assert "Danish amount" in str(err.value)


def test_danish_dates():
    assert parse_danish_date("31-12-2014", name="f", row=2, column="c") == dt.date(2014, 12, 31)
    for bad in ("2014-12-31", "31/12/2014", "32-12-2014", "1-1-2014"):
        with pytest.raises(SourceContractError):
            parse_danish_date(bad, name="f", row=2, column="c")


def test_2011_14_in_utf8_is_rejected_as_wrong_encoding(landing):
    path = landing / GRANT_FILES["2011-14"]
    path.write_bytes(path.read_bytes().decode("cp1252").encode("utf-8"))
    with pytest.raises(SourceContractError) as err:
        read_grants_2011_14(path, landing)
    assert "encoding cp1252" in str(err.value) and "row " in str(err.value)


def test_2011_14_missing_column_names_the_column(landing):
    path = landing / GRANT_FILES["2011-14"]
    lines = path.read_bytes().decode("cp1252").split("\r\n")
    lines = [";".join(line.split(";")[:-2] + line.split(";")[-1:]) if line else line for line in lines]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    with pytest.raises(SourceContractError) as err:
        read_grants_2011_14(path, landing)
    assert err.value.column == "Slutdato" and err.value.row == 1
    assert "required column is missing" in str(err.value)


def test_2011_14_bad_date_names_row_and_column(landing):
    path = landing / GRANT_FILES["2011-14"]
    lines = path.read_bytes().decode("cp1252").split("\r\n")
    fields = lines[2].split(";")
    fields[8] = "2013-01-01"
    lines[2] = ";".join(fields)
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    with pytest.raises(SourceContractError) as err:
        read_grants_2011_14(path, landing)
    assert (err.value.row, err.value.column) == (3, "Startdato")


def test_2015_18_text_in_an_amount_cell_is_rejected(landing):
    path = landing / GRANT_FILES["2015-18"]
    workbook = openpyxl.load_workbook(path)
    workbook["Bevillinger"]["G4"] = "1.000.000,00"
    workbook.save(path)
    with pytest.raises(SourceContractError) as err:
        read_grants_2015_18(path, landing)
    assert (err.value.row, err.value.column) == (4, "budget_lbf_kr")
    assert "amount in kroner as a number" in str(err.value)


def test_2015_18_requires_the_sheet(landing):
    path = landing / GRANT_FILES["2015-18"]
    workbook = openpyxl.load_workbook(path)
    workbook["Bevillinger"].title = "Ark1"
    workbook.save(path)
    with pytest.raises(SourceContractError, match="sheet 'Bevillinger'"):
        read_grants_2015_18(path, landing)


def test_2015_18_dates_must_be_date_cells(landing):
    path = landing / GRANT_FILES["2015-18"]
    workbook = openpyxl.load_workbook(path)
    workbook["Bevillinger"]["J2"] = "01-01-2016"
    workbook.save(path)
    with pytest.raises(SourceContractError) as err:
        read_grants_2015_18(path, landing)
    assert (err.value.row, err.value.column) == (2, "start")


def test_2019_26_reads_nested_budgets_with_json_paths(small_world):
    frame = read_grants("2019-26", small_world[0])
    assert frame["_source_locator"].iloc[0] == "$.helhedsplaner[0].indsatsomraader[0]"
    assert set(frame["budget_scope"]) == {"focus_area"}


def test_2019_26_invalid_json_names_the_line(landing):
    path = landing / GRANT_FILES["2019-26"]
    text = path.read_text(encoding="utf-8").splitlines()
    text[5] = text[5] + ","
    path.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(SourceContractError, match="valid JSON") as err:
        read_grants_2019_26(path, landing)
    assert err.value.row == 6


def test_2019_26_checks_the_round_and_required_keys(landing):
    path = landing / GRANT_FILES["2019-26"]
    document = json.loads(path.read_text(encoding="utf-8"))
    document["pulje"] = "2015-18"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SourceContractError, match="pulje must be"):
        read_grants_2019_26(path, landing)
    document["pulje"] = "2019-26"
    del document["helhedsplaner"][1]["periode"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SourceContractError) as err:
        read_grants_2019_26(path, landing)
    assert (err.value.row, err.value.column) == ("$.helhedsplaner[1]", "periode")


def test_missing_and_empty_files_are_contract_errors(landing):
    path = landing / GRANT_FILES["2011-14"]
    path.write_bytes(b"")
    with pytest.raises(SourceContractError, match="must not be empty"):
        read_grants_2011_14(path, landing)
    path.unlink()
    with pytest.raises(SourceContractError, match="must exist"):
        read_grants_2011_14(path, landing)
