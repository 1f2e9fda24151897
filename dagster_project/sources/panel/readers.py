"""Reader for the register panel, a research extract of person-years (source S6).

``register/personaar_<YYYY>.parquet``: one row per person and year (about 500,000 a year
at the scale of Denmark). Column names and Parquet types are the contract's
(docs/source_contracts.md); integer columns may arrive in any integer width and are read
as int32, anything else of the wrong type is rejected.

The CPR number is validated (vectorised) and replaced by its keyed pseudonym
(``dagster_project/pseudonym.py``) while the data are still an Arrow table: the DataFrame
this reader returns has ``person_key`` and no CPR number. Rows are numbered from 1 in the
file's order (``_source_locator`` 'row N').
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name, sha256_file
from dagster_project.pseudonym import pseudonymise
from dagster_project.sources.parsing import check_columns, require_file, utc_now, with_provenance

FIRST_YEAR, LAST_YEAR = 2008, 2025
PANEL_YEARS = tuple(str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1))
FILE_PATTERN = "register/personaar_{year}.parquet"
_FILE_NAME = re.compile(r"^personaar_(\d{4})\.parquet$")

# column -> (kind the contract allows, Arrow type it is read as)
SCHEMA: dict[str, tuple[str, pa.DataType]] = {
    "cpr": ("string", pa.string()),
    "aar": ("integer", pa.int32()),
    "koen": ("string", pa.string()),
    "foedselsaar": ("integer", pa.int32()),
    "herkomst": ("string", pa.string()),
    "boligomraade_id": ("string", pa.string()),
    "fritidsjob": ("bool", pa.bool_()),
    "i_uddannelse": ("bool", pa.bool_()),
    "beskaeftiget": ("bool", pa.bool_()),
    "afgangseksamen": ("bool", pa.bool_()),
    "skolefravaer_pct": ("floating", pa.float64()),
    "mistanke_sigtelse": ("bool", pa.bool_()),
    "foraelder_beskaeftiget": ("bool", pa.bool_()),
}
RAW_COLUMNS = ("person_key", *[c for c in SCHEMA if c != "cpr"])
SOURCE_COLUMN_NAMES = {"person_key": "cpr"}

_KIND = {
    "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "integer": pa.types.is_integer,
    "bool": pa.types.is_boolean,
    "floating": pa.types.is_floating,
}
# Nullable columns stay nullable in pandas (not object, not float-for-bool).
_PANDAS_TYPES = {pa.bool_(): pd.BooleanDtype(), pa.int32(): pd.Int32Dtype()}
# Few distinct values: categorical, which keeps the gate's row filters cheap (about a
# third of its time on a panel year) and is written as a Parquet dictionary column.
_CATEGORICAL = ("koen", "herkomst", "boligomraade_id")


def panel_file(year: str | int) -> str:
    return FILE_PATTERN.format(year=year)


def read_person_years(path: Path, landing_dir: Path) -> pd.DataFrame:
    """One panel year, CPR numbers replaced by person keys, with provenance."""
    name = relative_name(path, landing_dir)
    if not _FILE_NAME.match(path.name):
        raise SourceContractError(name, "file name personaar_<YYYY>.parquet")
    require_file(path, name)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceContractError(name, "readable Parquet file", value=str(exc)) from None
    # The columns are the file's schema: no row of the file is wrong, so none is named.
    check_columns(name, table.column_names, list(SCHEMA), row=None)
    columns: dict[str, pa.Array] = {}
    for column, (kind, arrow_type) in SCHEMA.items():
        data = table.column(column)
        if not _KIND[kind](data.type):
            raise SourceContractError(name, f"Parquet type {kind}", column=column, value=str(data.type))
        if kind == "integer":
            try:
                data = pc.cast(data, arrow_type)  # safe cast: a value out of int32 range raises
            except pa.ArrowInvalid:
                raise SourceContractError(name, "integer within int32", column=column) from None
        columns[column] = data.cast(arrow_type).combine_chunks() if column != "cpr" else data
    keys = pseudonymise(columns.pop("cpr"), file=name, column="cpr")
    del table
    arrow = pa.table({"person_key": keys, **columns})
    frame = arrow.to_pandas(types_mapper=_PANDAS_TYPES.get)
    for column in ("aar", "foedselsaar"):
        if not frame[column].hasnans:  # nulls stay visible to the gate's not-null rule
            frame[column] = frame[column].astype("int32")
    for column in _CATEGORICAL:
        frame[column] = frame[column].astype("category")
    n = len(frame)
    if n == 0:
        raise SourceContractError(name, "file must hold at least one person-year")
    return with_provenance(frame, name=name, sha256=sha256_file(path), rows=range(1, n + 1),
                           locators=(f"row {i}" for i in range(1, n + 1)), loaded_at=utc_now())
