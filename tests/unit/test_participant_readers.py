"""S5: participant registrations; CPR numbers become person keys in the reader."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dagster_project.core.errors import SourceContractError
from dagster_project.pseudonym import CPR_SHAPED, MASK, PERSON_KEY_PATTERN, person_key
from dagster_project.quality import parameters
from dagster_project.quality.gx_runner import validate_frame
from dagster_project.sources.participants.readers import (
    SOURCE_COLUMN_NAMES,
    landing_keys,
    partition_key,
    read_registrations,
    registration_file,
)
from tests.landing_samples import write_registrations

ROWS = [
    ("610198-1234", "201114-003", "fritidsjob", "2013-03-01", "2013-08-31", "2013-02-20T09:30:00"),
    ("710301-4321", "201114-003", "netvaerksmoedre", "2013-09-15", "2014-06-30", "2013-09-16T14:05:12"),
]


def test_registrations_are_read_with_person_keys_and_no_cpr(tmp_path):
    frame = read_registrations(write_registrations(tmp_path, "2011-14", 2013, ROWS), tmp_path)
    assert "cpr" not in frame.columns
    assert frame["person_key"].tolist() == [person_key("610198-1234"), person_key("710301-4321")]
    assert all(re.fullmatch(PERSON_KEY_PATTERN, k) for k in frame["person_key"])
    assert frame["startdato"].tolist() == [dt.date(2013, 3, 1), dt.date(2013, 9, 15)]
    assert str(frame["registreret"].dtype).startswith("datetime64")
    assert set(frame["funding_round"]) == {"2011-14"} and set(frame["file_year"]) == {2013}
    text = frame.astype(str).to_csv()
    assert not CPR_SHAPED.search(text.replace("-", "x")) and "610198" not in text


def test_a_malformed_cpr_is_reported_masked_with_file_and_line(tmp_path):
    rows = ROWS + [("3201981234", "201114-003", "lektiecafe", "2013-10-01", "2013-12-01", "2013-10-01T08:00:00")]
    with pytest.raises(SourceContractError) as err:
        read_registrations(write_registrations(tmp_path, "2011-14", 2013, rows), tmp_path)
    assert (err.value.file, err.value.row, err.value.column) == ("deltagere/2011-14/registreringer_2013.csv", 4, "cpr")
    assert err.value.value == MASK and "3201981234" not in str(err.value)


def test_a_bad_date_names_line_and_column(tmp_path):
    rows = [ROWS[0][:3] + ("01-03-2013",) + ROWS[0][4:]]
    with pytest.raises(SourceContractError) as err:
        read_registrations(write_registrations(tmp_path, "2011-14", 2013, rows), tmp_path)
    assert (err.value.row, err.value.column, err.value.rule) == (2, "startdato", "date as yyyy-mm-dd")


def test_a_cpr_number_in_another_field_is_masked_in_the_error(tmp_path):
    # cpr and slutdato swapped: the date parser meets the number first.
    rows = [(ROWS[0][4],) + ROWS[0][1:4] + (ROWS[0][0],) + ROWS[0][5:]]
    with pytest.raises(SourceContractError) as err:
        read_registrations(write_registrations(tmp_path, "2011-14", 2013, rows), tmp_path)
    assert (err.value.row, err.value.column, err.value.value) == (2, "slutdato", MASK)
    shown = str(err.value) + str(err.value.as_metadata())
    assert "610198-1234" not in shown and "6101981234" not in shown


def test_partition_keys_follow_the_files():
    assert partition_key("deltagere/2011-14/registreringer_2013.csv") == "2011-14_2013"
    assert registration_file("2019-26_2021") == "deltagere/2019-26/registreringer_2021.csv"
    assert partition_key("deltagere/2010-13/registreringer_2013.csv") is None
    assert partition_key("deltagere/2011-14/andet_2013.csv") is None
    with pytest.raises(ValueError):
        registration_file("2011_2013")


def test_landing_keys_lists_every_registrations_file(tmp_path):
    write_registrations(tmp_path, "2019-26", 2021, ROWS)
    write_registrations(tmp_path, "2011-14", 2013, ROWS)
    (tmp_path / "deltagere" / "2011-14" / "noter.txt").write_text("x")
    assert landing_keys(tmp_path) == ["2011-14_2013", "2019-26_2021"]


def _gate(frame, funding_round, year, raw_dir):
    return validate_frame(frame, "raw_participant_registrations", subject="registrations",
                          parameters=parameters.raw_participant_registrations(funding_round, year, raw_dir),
                          column_labels=SOURCE_COLUMN_NAMES)


def _gated_grants(raw_dir, plan_ids):
    import pandas as pd

    (raw_dir / "raw_lbf_grants").mkdir(parents=True)
    pd.DataFrame({"plan_id": plan_ids}).to_parquet(raw_dir / "raw_lbf_grants" / "2011-14.parquet")


def test_gate_checks_plans_of_the_round_activities_and_dates(tmp_path):
    raw_dir = tmp_path / "raw"
    _gated_grants(raw_dir, ["201114-003"])
    frame = read_registrations(write_registrations(tmp_path, "2011-14", 2013, ROWS), tmp_path)
    gate = _gate(frame, "2011-14", 2013, raw_dir)
    assert gate.success, gate.message()

    bad = [("610198-1234", "201519-001", "fritidsjob", "2013-03-01", "2013-08-31", "2013-02-20T09:30:00"),
           ("610198-1234", "201114-003", "boksning", "2013-03-01", "2013-08-31", "2013-02-20T09:30:00"),
           ("610198-1234", "201114-003", "lektiecafe", "2014-01-02", "2014-08-31", "2013-02-20T09:30:00"),
           ("610198-1234", "201114-003", "mentorforloeb", "2013-05-01", "2013-04-30", "2013-02-20T09:30:00")]
    frame = read_registrations(write_registrations(tmp_path, "2011-14", 2013, bad), tmp_path)
    gate = _gate(frame, "2011-14", 2013, raw_dir)
    failed = {o.column or o.expectation: o for o in gate.failed}
    assert set(failed) == {"helhedsplan_id", "aktivitet", "startdato", "expect_column_pair_values_a_to_be_greater_than_b"}
    message = gate.message()
    assert "line 2, column 'helhedsplan_id'" in message and "'201519-001'" in message
    assert "line 3, column 'aktivitet'" in message
    assert "line 4, column 'startdato'" in message


def test_without_gated_grants_every_plan_fails(tmp_path):
    frame = read_registrations(write_registrations(tmp_path, "2011-14", 2013, ROWS), tmp_path)
    gate = _gate(frame, "2011-14", 2013, tmp_path / "raw")
    assert [o.column for o in gate.failed] == ["helhedsplan_id"]
