"""Parser of Statistics Denmark's Statbank CSV answers (source S7), shared by the API
client and the bundled snapshot.

An answer to ``POST <base>/v1/data`` with ``"format": "CSV"`` and
``"valuePresentation": "Code"`` for table FOLK1A is ';'-separated UTF-8 (possibly with a
byte order mark) with header ``OMRÅDE;TID;INDHOLD`` and ends with a line break: a body
that stops mid-line was cut short, and is reported as truncated rather than read as a
smaller number.

| raw column | answer column | content                                         |
|------------|---------------|-------------------------------------------------|
| omraade    | OMRÅDE        | kommunekode as three digits ('101'), '000' = Denmark |
| tid        | TID           | quarter, e.g. '2020K1'                          |
| indhold    | INDHOLD       | population on the first day of the quarter      |
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name
from dagster_project.sources.parsing import (
    check_columns,
    decode_text,
    parse_int,
    require_file,
    utc_now,
    with_provenance,
)

SNAPSHOT_FILE = "statbank/FOLK1A.csv"
TABLE = "FOLK1A"
HEADER = ("OMRÅDE", "TID", "INDHOLD")
RAW_COLUMNS = ("omraade", "tid", "indhold")
SOURCE_COLUMN_NAMES = dict(zip(RAW_COLUMNS, HEADER, strict=True))
# The request for the whole table: every area and every quarter.
FOLK1A_VARIABLES = [{"code": "OMRÅDE", "values": ["*"]}, {"code": "Tid", "values": ["*"]}]


def parse_statbank_csv(data: bytes, name: str) -> pd.DataFrame:
    """A FOLK1A answer -> one row per area and quarter, with provenance naming ``name``."""
    if not data:
        raise SourceContractError(name, "answer must not be empty")
    text = decode_text(data, name, "utf-8").removeprefix("\ufeff")
    if not text.endswith("\n"):
        last = text.count("\n") + 1
        raise SourceContractError(name, "answer ends with a line break (the body was cut short: truncated)",
                                  row=last, value=text.rsplit("\n", 1)[-1])
    lines = text.split("\n")[:-1]
    header = lines[0].rstrip("\r").split(";") if lines else []
    check_columns(name, header, HEADER)
    index = {c.strip(): i for i, c in enumerate(header)}
    areas, quarters, values, rows = [], [], [], []
    for row, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split(";")
        if len(fields) != len(HEADER):
            raise SourceContractError(name, f"row must have {len(HEADER)} fields separated by ';'", row=row,
                                      value=f"{len(fields)} fields: {line}")
        areas.append(fields[index["OMRÅDE"]].strip())
        quarters.append(fields[index["TID"]].strip())
        values.append(parse_int(fields[index["INDHOLD"]], name=name, row=row, column="INDHOLD"))
        rows.append(row)
    if not rows:
        raise SourceContractError(name, "answer must hold at least one data row")
    frame = pd.DataFrame({"omraade": areas, "tid": quarters, "indhold": pd.array(values, dtype="int64")})
    return with_provenance(frame, name=name, sha256=hashlib.sha256(data).hexdigest(), rows=rows,
                           locators=[f"line {r}" for r in rows], loaded_at=utc_now())


def read_folk1a_snapshot(path: Path, landing_dir: Path) -> pd.DataFrame:
    """The bundled snapshot of the FOLK1A answer (the embedded default)."""
    name = relative_name(path, landing_dir)
    require_file(path, name)
    return parse_statbank_csv(path.read_bytes(), name)
