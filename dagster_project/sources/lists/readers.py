"""Reader for the government's lists of udsatte boligområder (source S3).

``lister/liste_<YYYY>.csv``: UTF-8 with a byte order mark, ';', decimal comma, one row per
listed area with its most specific category (docs/source_contracts.md). Areas are named,
not numbered: the name is resolved to a boligområde in dbt
(``int_area__lists_resolved``), where the alias seed and the register are.

The raw shape keeps the provider's columns under identifier-safe names (transliterated,
as they read in Danish) plus the list's year; dbt staging names them in English.

| raw column                        | file column                       |
|-----------------------------------|-----------------------------------|
| list_year                         | (the file's year, 1 December)      |
| omraade                           | Område                            |
| kommune                           | Kommune                           |
| beboere                           | Beboere                           |
| uden_for_arbejde_uddannelse_pct   | Uden for arbejde/uddannelse (%)   |
| doemte_ift_landsgennemsnit        | Dømte ift. landsgennemsnit        |
| kun_grunduddannelse_pct           | Kun grunduddannelse (%)           |
| indkomst_ift_region_pct           | Indkomst ift. region (%)          |
| ikke_vestlige_pct                 | Ikke-vestlige (%)                 |
| kategori                          | Kategori                          |
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name
from dagster_project.sources.delimited import read_delimited_columns, text_field
from dagster_project.sources.parsing import parse_danish_integer, parse_decimal_comma

FIRST_YEAR, LAST_YEAR = 2010, 2025
LIST_YEARS = tuple(str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1))
FILE_PATTERN = "lister/liste_{year}.csv"
_FILE_NAME = re.compile(r"^liste_(\d{4})\.csv$")

# file column -> raw column
COLUMNS = {
    "Område": "omraade",
    "Kommune": "kommune",
    "Beboere": "beboere",
    "Uden for arbejde/uddannelse (%)": "uden_for_arbejde_uddannelse_pct",
    "Dømte ift. landsgennemsnit": "doemte_ift_landsgennemsnit",
    "Kun grunduddannelse (%)": "kun_grunduddannelse_pct",
    "Indkomst ift. region (%)": "indkomst_ift_region_pct",
    "Ikke-vestlige (%)": "ikke_vestlige_pct",
    "Kategori": "kategori",
}
RAW_COLUMNS = ("list_year", *COLUMNS.values())
# raw column -> the column as the file names it, for gate messages
SOURCE_COLUMN_NAMES = {raw: file for file, raw in COLUMNS.items()} | {"list_year": "(file name year)"}
# An area's criterion the provider did not publish: empty, or Statbank's '..'.
NOT_PUBLISHED = ("", "..")


def list_file(year: str | int) -> str:
    return FILE_PATTERN.format(year=year)


def list_year_of(path: Path, name: str) -> int:
    match = _FILE_NAME.match(path.name)
    if not match:
        raise SourceContractError(name, "file name liste_<YYYY>.csv")
    return int(match.group(1))


def _criterion(text: str, name: str, row: int | str, column: str) -> float | None:
    if text.strip() in NOT_PUBLISHED:
        return None
    return parse_decimal_comma(text, name=name, row=row, column=column)


def _residents(text: str, name: str, row: int | str, column: str) -> int:
    return parse_danish_integer(text, name=name, row=row, column=column)


_PARSERS = {
    "Område": text_field,
    "Kommune": text_field,
    "Beboere": _residents,
    "Kategori": text_field,
}


def read_area_list(path: Path, landing_dir: Path) -> pd.DataFrame:
    """One list (liste_<YYYY>.csv): one row per listed area, with provenance."""
    name = relative_name(path, landing_dir)
    year = list_year_of(path, name)
    columns = {file: _PARSERS.get(file, _criterion) for file in COLUMNS}
    # A year may list no area at all: the file then holds the header only.
    table = read_delimited_columns(path, landing_dir, columns, encoding="utf-8-sig", delimiter=";",
                                   allow_empty=True)
    frame = pd.DataFrame({COLUMNS[file]: values for file, values in table.values.items()})
    for column in ("uden_for_arbejde_uddannelse_pct", "doemte_ift_landsgennemsnit", "kun_grunduddannelse_pct",
                   "indkomst_ift_region_pct", "ikke_vestlige_pct"):
        frame[column] = frame[column].astype("float64")
    frame["beboere"] = frame["beboere"].astype("int64")
    for column in ("omraade", "kommune", "kategori"):
        frame[column] = frame[column].astype("str")  # typed even when the list is empty
    frame.insert(0, "list_year", year)
    frame["list_year"] = frame["list_year"].astype("int32")
    return table.frame(frame[list(RAW_COLUMNS)])
