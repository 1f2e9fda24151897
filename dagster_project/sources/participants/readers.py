"""Reader for the participant registrations (source S5).

``deltagere/<round>/registreringer_<YYYY>.csv``: UTF-8, ','; one row per person and
activity episode, registered by the helhedsplaner of a funding round; a new file per
year arrives over time. Each file is one dynamic partition of the raw asset, keyed
``<round>_<YYYY>`` (e.g. ``2011-14_2013``).

The CPR number is validated and replaced here by its keyed pseudonym
(``dagster_project/pseudonym.py``): the frame this reader returns has ``person_key`` and
no CPR number, and a malformed number is reported masked.

| raw column      | file column     | content                                   |
|-----------------|-----------------|-------------------------------------------|
| person_key      | cpr             | keyed pseudonym of the CPR number         |
| helhedsplan_id  | helhedsplan_id  | plan id of the round (S1)                 |
| aktivitet       | aktivitet       | activity code (seed ref_activities)       |
| startdato       | startdato       | date                                      |
| slutdato        | slutdato        | date                                      |
| registreret     | registreret     | timestamp of the registration             |
| funding_round   | (directory)     | the round of the plans registering        |
| file_year       | (file name)     | the year participations in the file start |
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name
from dagster_project.pseudonym import pseudonymise
from dagster_project.reference import FUNDING_ROUNDS
from dagster_project.sources.delimited import read_delimited_columns, text_field
from dagster_project.sources.parsing import parse_iso_date, parse_iso_timestamp

LANDING_GLOB = "deltagere/*/registreringer_*.csv"
FILE_PATTERN = "deltagere/{round}/registreringer_{year}.csv"
_RELATIVE = re.compile(r"^deltagere/(\d{4}-\d{2})/registreringer_(\d{4})\.csv$")
_KEY = re.compile(r"^(\d{4}-\d{2})_(\d{4})$")

RAW_COLUMNS = ("person_key", "helhedsplan_id", "aktivitet", "startdato", "slutdato", "registreret",
               "funding_round", "file_year")
SOURCE_COLUMN_NAMES = {"person_key": "cpr", "funding_round": "(directory)", "file_year": "(file name year)"}


def partition_key(relative_path: str) -> str | None:
    """'deltagere/2011-14/registreringer_2013.csv' -> '2011-14_2013'; None for any other path."""
    match = _RELATIVE.match(relative_path)
    if not match or match.group(1) not in FUNDING_ROUNDS:
        return None
    return f"{match.group(1)}_{match.group(2)}"


def registration_file(key: str) -> str:
    """'2011-14_2013' -> 'deltagere/2011-14/registreringer_2013.csv'."""
    match = _KEY.match(key)
    if not match or match.group(1) not in FUNDING_ROUNDS:
        raise ValueError(f"not a registrations partition key: {key!r} (expected <round>_<YYYY>, e.g. 2011-14_2013)")
    return FILE_PATTERN.format(round=match.group(1), year=match.group(2))


def split_key(key: str) -> tuple[str, int]:
    funding_round, year = key.split("_")
    return funding_round, int(year)


def landing_keys(landing_dir: Path) -> list[str]:
    """Partition keys of the registration files in the landing directory, sorted."""
    keys = {partition_key(p.relative_to(landing_dir).as_posix()) for p in landing_dir.glob(LANDING_GLOB)}
    return sorted(k for k in keys if k)


def _date(text: str, name: str, row: int | str, column: str):
    return parse_iso_date(text, name=name, row=row, column=column)


def _timestamp(text: str, name: str, row: int | str, column: str):
    return parse_iso_timestamp(text, name=name, row=row, column=column)


def read_registrations(path: Path, landing_dir: Path) -> pd.DataFrame:
    """One registrations file, CPR numbers replaced by person keys, with provenance."""
    name = relative_name(path, landing_dir)
    key = partition_key(name)
    if key is None:
        raise SourceContractError(name, "file deltagere/<round>/registreringer_<YYYY>.csv of a funding round "
                                        f"({', '.join(FUNDING_ROUNDS)})")
    funding_round, year = split_key(key)
    columns = {"cpr": text_field, "helhedsplan_id": text_field, "aktivitet": text_field, "startdato": _date,
               "slutdato": _date, "registreret": _timestamp}
    table = read_delimited_columns(path, landing_dir, columns)
    # The numbers leave the parsed columns here, before any DataFrame exists.
    cprs = table.values.pop("cpr")
    keys = pseudonymise(cprs, file=name, column="cpr", row_of=lambda i: table.rows[i])
    del cprs
    frame = pd.DataFrame({"person_key": keys.to_pandas(), **table.values})
    frame["registreret"] = pd.to_datetime(frame["registreret"]).astype("datetime64[us]")
    frame["funding_round"] = funding_round
    frame["file_year"] = year
    frame["file_year"] = frame["file_year"].astype("int32")
    return table.frame(frame[list(RAW_COLUMNS)])
