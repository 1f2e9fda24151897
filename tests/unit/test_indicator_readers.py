"""S4: area indicators, Statbank style: ';', decimal comma, '..' for suppressed values."""

from __future__ import annotations

import math

import pytest

from dagster_project.core.errors import SourceContractError
from dagster_project.quality import parameters
from dagster_project.quality.gx_runner import validate_frame
from dagster_project.sources.indicators.readers import SOURCE_COLUMN_NAMES, read_area_indicators
from tests.landing_samples import indicator_rows, write_indicators


def _gate(frame, year):
    return validate_frame(frame, "raw_area_indicators", subject=f"indikatorer/indikatorer_{year}.csv",
                          parameters=parameters.raw_area_indicators(year), column_labels=SOURCE_COLUMN_NAMES)


def test_suppressed_values_are_null_with_a_flag_never_zero(tmp_path):
    path = write_indicators(tmp_path, 2015, [("BO101-01", "BEBOERE", "1234"),
                                             ("BO101-01", "NEET_15_24_PCT", ".."),
                                             ("BO101-01", "DOEMTE_RATIO", "2,41"),
                                             ("BO101-01", "MISTANKE_10_14_PR_1000", "0")])
    frame = read_area_indicators(path, tmp_path)
    assert frame["suppressed"].tolist() == [False, True, False, False]
    assert math.isnan(frame["indhold"].iloc[1])
    assert frame["indhold"].iloc[[0, 2, 3]].tolist() == [1234.0, 2.41, 0.0]
    assert frame["tid"].tolist() == [2015] * 4 and frame["file_year"].iloc[0] == 2015


def test_a_full_year_passes_its_gate(tmp_path):
    frame = read_area_indicators(write_indicators(tmp_path, 2017, indicator_rows(["BO101-01", "BO751-02"], 2017)),
                                 tmp_path)
    gate = _gate(frame, 2017)
    assert gate.success, gate.message()
    assert frame["suppressed"].any() and "VALGDELTAGELSE_PCT" in set(frame["indikator"])


def test_suppressed_residents_fail_the_gate_with_file_line_and_column(tmp_path):
    path = write_indicators(tmp_path, 2015, [("BO101-01", "BEBOERE", "1234"), ("BO101-02", "BEBOERE", "..")])
    gate = _gate(read_area_indicators(path, tmp_path), 2015)
    assert not gate.success
    message = gate.message()
    assert "indikatorer/indikatorer_2015.csv, line 3, column 'INDHOLD' (indhold)" in message
    assert "BEBOERE is never suppressed" in message


def test_turnout_only_in_election_years_and_tid_must_be_the_files_year(tmp_path):
    rows = [("BO101-01", "BEBOERE", "1234"), ("BO101-01", "VALGDELTAGELSE_PCT", "45,1")]
    assert _gate(read_area_indicators(write_indicators(tmp_path, 2013, rows), tmp_path), 2013).success
    gate = _gate(read_area_indicators(write_indicators(tmp_path, 2014, rows), tmp_path), 2014)
    assert [o.rule for o in gate.failed] == ["voter turnout has a value only in a municipal election year ('..' otherwise)"]
    suppressed = [rows[0], ("BO101-01", "VALGDELTAGELSE_PCT", "..")]
    assert _gate(read_area_indicators(write_indicators(tmp_path, 2014, suppressed), tmp_path), 2014).success
    gate = _gate(read_area_indicators(write_indicators(tmp_path, 2014, suppressed, tid=2012), tmp_path), 2014)
    assert [o.rule for o in gate.failed] == ["TID is the year of the file"]


def test_a_share_over_100_fails(tmp_path):
    rows = [("BO101-01", "BEBOERE", "1234"), ("BO101-01", "UDEN_ARB_UDD_PCT", "143,7")]
    gate = _gate(read_area_indicators(write_indicators(tmp_path, 2015, rows), tmp_path), 2015)
    assert [o.rule for o in gate.failed] == ["a share indicator (_PCT of a group) is between 0 and 100"]


@pytest.mark.parametrize("value", ["abc", "1.234,5", "12.5", "-"])
def test_a_value_that_is_no_number_names_line_and_column(tmp_path, value):
    path = write_indicators(tmp_path, 2015, [("BO101-01", "BEBOERE", "1234"), ("BO101-01", "GRUNDSKOLE_PCT", value)])
    with pytest.raises(SourceContractError) as err:
        read_area_indicators(path, tmp_path)
    assert (err.value.file, err.value.row, err.value.column) == ("indikatorer/indikatorer_2015.csv", 3, "INDHOLD")


def test_a_byte_order_mark_breaks_the_contract(tmp_path):
    path = write_indicators(tmp_path, 2015, [("BO101-01", "BEBOERE", "1234")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(SourceContractError, match="without byte order mark"):
        read_area_indicators(path, tmp_path)
