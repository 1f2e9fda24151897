"""Delimited text files (CSV and the like) read against their contract's columns.

Readers are pure functions ``(path, landing_dir, ...) -> DataFrame`` that raise
``SourceContractError`` for anything that breaks the provider's contract. They never
write; the raw assets decide what is kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name, sha256_file
from dagster_project.sources.parsing import (
    check_columns,
    decode_text,
    parse_int,
    require_file,
    require_text,
    utc_now,
    with_provenance,
)


def first_missing_field(header: Sequence[str], fields: Sequence[str]) -> str | None:
    """The column a short row lacks first (a row with too many fields names none)."""
    return header[len(fields)].strip() if len(fields) < len(header) else None


# A field parser for read_delimited: (text, file, row, column) -> value, or raises
# SourceContractError.
FieldParser = Callable[[str, str, "int | str", str], object]


def text_field(value: str, name: str, row: int | str, column: str) -> str:
    return require_text(value, name=name, row=row, column=column)


def optional_text_field(value: str, name: str, row: int | str, column: str) -> str | None:
    return value.strip() or None


def int_field(value: str, name: str, row: int | str, column: str) -> int:
    return parse_int(value, name=name, row=row, column=column)


def read_delimited(path: Path, landing_dir: Path, columns: dict[str, FieldParser], *, encoding: str = "utf-8",
                   delimiter: str = ",") -> pd.DataFrame:
    """Read a delimited text file whose header must match ``columns`` exactly.

    ``columns`` maps each contract column to a parser ``(text, file, row, column) -> value``.
    Rows are numbered as lines in the file (header is row 1).
    """
    table = read_delimited_columns(path, landing_dir, columns, encoding=encoding, delimiter=delimiter)
    return table.frame(pd.DataFrame(table.values))


@dataclass
class DelimitedColumns:
    """Parsed columns of a delimited file, before they become a DataFrame: a reader can
    still drop or replace a column (a CPR number) that must never reach one."""

    name: str
    path: Path
    values: dict[str, list]
    rows: list[int]

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        return with_provenance(frame, name=self.name, sha256=sha256_file(self.path), rows=self.rows,
                               locators=[f"line {r}" for r in self.rows], loaded_at=utc_now())


def read_delimited_columns(path: Path, landing_dir: Path, columns: dict[str, FieldParser], *,
                           encoding: str = "utf-8", delimiter: str = ",",
                           allow_empty: bool = False) -> DelimitedColumns:
    """The parsing half of ``read_delimited``. ``encoding='utf-8-sig'`` requires the file to
    start with a byte order mark; 'utf-8' requires it not to. ``allow_empty``: a header
    without data rows is valid (a list with no area on it)."""
    name = relative_name(path, landing_dir)
    require_file(path, name)
    data = path.read_bytes()
    if encoding.lower().replace("-", "").replace("_", "") == "utf8sig":
        if not data.startswith(b"\xef\xbb\xbf"):
            raise SourceContractError(name, "encoding UTF-8 with byte order mark (the file has none)", row=1)
        text = decode_text(data[3:], name, "utf-8", delimiter=delimiter)
    else:
        text = decode_text(data, name, encoding, delimiter=delimiter)
        if text.startswith("\ufeff"):
            raise SourceContractError(name, f"encoding {encoding} without byte order mark", row=1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise SourceContractError(name, "file must have a header row", row=1)
    check_columns(name, header, list(columns))
    index = {c.strip(): i for i, c in enumerate(header)}
    values: dict[str, list] = {c: [] for c in columns}
    rows: list[int] = []
    for fields in reader:
        row = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise SourceContractError(name, f"row must have {len(header)} fields separated by {delimiter!r}",
                                      row=row, column=first_missing_field(header, fields),
                                      value=f"{len(fields)} fields")
        for column, parse in columns.items():
            values[column].append(parse(fields[index[column]], name, row, column))
        rows.append(row)
    if not rows and not allow_empty:
        raise SourceContractError(name, "file must hold at least one data row")
    return DelimitedColumns(name=name, path=path, values=values, rows=rows)
