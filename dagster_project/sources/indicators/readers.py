"""Reader for LBF's area indicators, "Boligsociale Data" (source S4).

``indikatorer/indikatorer_<YYYY>.csv``: Statbank style, UTF-8, ';', decimal comma, header
``OMRAADE;INDIKATOR;TID;INDHOLD``; one row per area, indicator and year.

Where the provider suppressed a value (too few persons behind it) ``INDHOLD`` is ``..``:
the raw value is then NULL and ``suppressed`` is true. It is never read as 0, which
would be a real, and wrong, value (no crime, nobody outside work). Whether ``..`` is
allowed for an indicator (never for ``BEBOERE``) is a rule of the gate.

| raw column  | file column | content                                        |
|-------------|-------------|------------------------------------------------|
| omraade     | OMRAADE     | boligomraade_id                                |
| indikator   | INDIKATOR   | indicator code (seed ref_indicators)           |
| tid         | TID         | year                                           |
| indhold     | INDHOLD     | value, NULL where suppressed                   |
| suppressed  | INDHOLD     | true where the file has '..'                   |
| file_year   | (file name) | the year in the file name                      |
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name
from dagster_project.sources.delimited import int_field, read_delimited_columns, text_field
from dagster_project.sources.parsing import parse_decimal_comma

FIRST_YEAR, LAST_YEAR = 2008, 2025
INDICATOR_YEARS = tuple(str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1))
FILE_PATTERN = "indikatorer/indikatorer_{year}.csv"
_FILE_NAME = re.compile(r"^indikatorer_(\d{4})\.csv$")
SUPPRESSED = ".."

RAW_COLUMNS = ("omraade", "indikator", "tid", "indhold", "suppressed", "file_year")
SOURCE_COLUMN_NAMES = {"omraade": "OMRAADE", "indikator": "INDIKATOR", "tid": "TID", "indhold": "INDHOLD",
                       "suppressed": "INDHOLD", "file_year": "(file name year)"}


def indicator_file(year: str | int) -> str:
    return FILE_PATTERN.format(year=year)


def _value(text: str, name: str, row: int | str, column: str) -> float | None:
    if text.strip() == SUPPRESSED:
        return None
    return parse_decimal_comma(text, name=name, row=row, column=column)


COLUMNS = {"OMRAADE": text_field, "INDIKATOR": text_field, "TID": int_field, "INDHOLD": _value}


def parse_indicator_rows(path: Path, landing_dir: Path) -> pd.DataFrame:
    """The rows of a file in the S4 format, whatever the file is called (the list forecast
    reads any file): omraade, indikator, tid, indhold, suppressed and provenance."""
    table = read_delimited_columns(path, landing_dir, COLUMNS, delimiter=";")
    values = table.values["INDHOLD"]
    frame = pd.DataFrame({
        "omraade": table.values["OMRAADE"],
        "indikator": table.values["INDIKATOR"],
        "tid": pd.array(table.values["TID"], dtype="int32"),
        "indhold": pd.array(values, dtype="float64"),
        "suppressed": [v is None for v in values],
    })
    return table.frame(frame)


def read_area_indicators(path: Path, landing_dir: Path) -> pd.DataFrame:
    """One year's indicator file, with provenance."""
    name = relative_name(path, landing_dir)
    match = _FILE_NAME.match(path.name)
    if not match:
        raise SourceContractError(name, "file name indikatorer_<YYYY>.csv")
    frame = parse_indicator_rows(path, landing_dir)
    frame.insert(RAW_COLUMNS.index("file_year"), "file_year", pd.array([int(match.group(1))] * len(frame), dtype="int32"))
    return frame
