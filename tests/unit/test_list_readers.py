"""S3: the government's area lists, UTF-8 with BOM, ';', decimal comma."""

from __future__ import annotations

import math

import pytest

from dagster_project.core.errors import SourceContractError
from dagster_project.quality import parameters
from dagster_project.quality.gx_runner import validate_frame
from dagster_project.sources.lists.readers import SOURCE_COLUMN_NAMES, read_area_list
from tests.landing_samples import LIST_HEADER, write_area_list

ROWS = [
    ("Soendreparken", "København", 2345, 43.7, 2.41, 61.2, 48.9, 57.3, "parallelsamfund"),
    ("Gellerupparken", "Aarhus", 5012, 51.0, 3.05, 64.8, 44.1, 79.0, "omdannelsesområde"),
]


def test_list_is_read_with_decimal_commas_and_provenance(tmp_path):
    path = write_area_list(tmp_path, 2021, ROWS)
    frame = read_area_list(path, tmp_path)
    assert list(frame["omraade"]) == ["Soendreparken", "Gellerupparken"]
    assert list(frame["list_year"]) == [2021, 2021]
    assert frame["uden_for_arbejde_uddannelse_pct"].tolist() == [43.7, 51.0]
    assert frame["doemte_ift_landsgennemsnit"].tolist() == [2.41, 3.05]
    assert frame["beboere"].tolist() == [2345, 5012]
    assert list(frame["_source_locator"]) == ["line 2", "line 3"]
    assert set(frame["_source_file"]) == {"lister/liste_2021.csv"}


def test_a_list_without_byte_order_mark_breaks_the_contract(tmp_path):
    path = write_area_list(tmp_path, 2021, ROWS, bom=False)
    with pytest.raises(SourceContractError) as err:
        read_area_list(path, tmp_path)
    assert err.value.row == 1 and "byte order mark" in err.value.rule


def test_a_decimal_point_is_not_guessed_at(tmp_path):
    path = write_area_list(tmp_path, 2021, ROWS)
    path.write_bytes(path.read_bytes().replace(b"43,7", b"43.7"))
    with pytest.raises(SourceContractError) as err:
        read_area_list(path, tmp_path)
    assert (err.value.file, err.value.row, err.value.column) == (
        "lister/liste_2021.csv", 2, "Uden for arbejde/uddannelse (%)")
    assert err.value.value == "43.7"


def test_a_year_without_listed_areas_is_an_empty_typed_frame(tmp_path):
    path = write_area_list(tmp_path, 2012, [])
    frame = read_area_list(path, tmp_path)
    assert len(frame) == 0
    assert str(frame["beboere"].dtype) == "int64" and str(frame["ikke_vestlige_pct"].dtype) == "float64"


def test_an_unpublished_criterion_is_null_not_zero(tmp_path):
    path = tmp_path / "lister" / "liste_2019.csv"
    path.parent.mkdir(parents=True)
    body = LIST_HEADER + "\r\nÅparken;Odense;1100;..;;55,0;50,0;60,0;ghettoområde\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    frame = read_area_list(path, tmp_path)
    assert math.isnan(frame["uden_for_arbejde_uddannelse_pct"].iloc[0])
    assert math.isnan(frame["doemte_ift_landsgennemsnit"].iloc[0])


def test_gate_passes_a_good_list_and_names_a_category_not_in_use_that_year(tmp_path):
    good = read_area_list(write_area_list(tmp_path, 2021, ROWS), tmp_path)
    gate = validate_frame(good, "raw_area_lists", subject="lister/liste_2021.csv",
                          parameters=parameters.raw_area_lists(2021), column_labels=SOURCE_COLUMN_NAMES)
    assert gate.success, gate.message()

    # 'parallelsamfund' replaced 'ghettoområde' only in 2021.
    bad = read_area_list(write_area_list(tmp_path, 2016, ROWS[:1]), tmp_path)
    gate = validate_frame(bad, "raw_area_lists", subject="lister/liste_2016.csv",
                          parameters=parameters.raw_area_lists(2016), column_labels=SOURCE_COLUMN_NAMES)
    assert not gate.success
    message = gate.message()
    assert "lister/liste_2016.csv, line 2, column 'Kategori' (kategori)" in message
    assert "'parallelsamfund'" in message and "category in use in the list's year" in message


def test_gate_names_an_unknown_kommune_and_a_small_area(tmp_path):
    rows = [("Åparken", "Ødense", 900, 43.7, 2.41, 61.2, 48.9, 57.3, "ghettoområde")]
    frame = read_area_list(write_area_list(tmp_path, 2015, rows), tmp_path)
    gate = validate_frame(frame, "raw_area_lists", subject="lister/liste_2015.csv",
                          parameters=parameters.raw_area_lists(2015), column_labels=SOURCE_COLUMN_NAMES)
    rules = {o.rule for o in gate.failed}
    assert any("98 kommuner" in r for r in rules) and any("1,000 residents" in r for r in rules)
