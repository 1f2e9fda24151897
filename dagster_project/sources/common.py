"""What every source module shares: contract errors, parsing of Danish formats,
provenance columns and the gated raw layer on disk.

Readers are pure functions ``(path, landing_dir, ...) -> DataFrame`` that raise
``SourceContractError`` for anything that breaks the provider's contract. They never
write; the raw assets decide what is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dagster_project.quality.privacy import mask_cpr

PROVENANCE_COLUMNS = ("_source_file", "_source_sha256", "_source_row", "_source_locator", "_loaded_at")


class SourceContractError(ValueError):
    """A landing file breaks its source contract. Names the file, row, column and rule."""

    def __init__(self, file: str, rule: str, *, row: int | str | None = None, column: str | None = None,
                 value: object = None):
        # A CPR number can sit in any field of a broken row (a cpr and a date swapped): the
        # offending value is masked here, so no reader can put one in a message or a log.
        column = None if column is None else mask_cpr(str(column))
        value = None if value is None else mask_cpr(str(value))
        self.file, self.rule, self.row, self.column, self.value = file, rule, row, column, value
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        text = f"{', '.join(where)}: rule '{rule}' violated"
        if value is not None:
            text += f" by value {_shorten(value)!r}"
        super().__init__(text)

    def as_metadata(self) -> dict[str, str]:
        return {k: str(v) for k, v in
                {"file": self.file, "row": self.row, "column": self.column, "rule": self.rule,
                 "value": None if self.value is None else _shorten(self.value)}.items() if v is not None}


def _shorten(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def relative_name(path: Path, landing_dir: Path) -> str:
    """How a landing file is named in messages and provenance: relative to the landing dir."""
    try:
        return path.resolve().relative_to(landing_dir.resolve()).as_posix()
    except ValueError:
        return path.name


def require_file(path: Path, name: str) -> None:
    if not path.is_file():
        raise SourceContractError(name, "file must exist in the landing directory")
    if path.stat().st_size == 0:
        raise SourceContractError(name, "file must not be empty")


def decode_text(data: bytes, name: str, encoding: str, *, delimiter: str | None = None) -> str:
    """Decode a whole text file strictly in the contract's encoding.

    cp1252 accepts almost any byte, so a UTF-8 file read as cp1252 would silently turn
    'Aarhus Ø' into 'Aarhus Ã˜'. A file that is valid UTF-8 and not plain ASCII is
    therefore rejected when the contract says cp1252. With the file's ``delimiter`` the
    error also names the column (by the header) of the first offending byte.
    """
    if encoding.lower() in ("cp1252", "windows-1252"):
        if data.startswith(b"\xef\xbb\xbf"):
            raise SourceContractError(name, "encoding cp1252 (file starts with a UTF-8 byte order mark)", row=1)
        try:
            data.decode("utf-8")
            is_utf8 = not data.isascii()
        except UnicodeDecodeError:
            is_utf8 = False
        if is_utf8:
            offset = next(i for i, byte in enumerate(data) if byte > 0x7F)
            raise SourceContractError(name, "encoding cp1252 (file is UTF-8)", row=data[:offset].count(b"\n") + 1,
                                      column=_column_at(data, offset, delimiter))
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceContractError(name, f"encoding {encoding}", row=line, column=_column_at(data, exc.start, delimiter),
                                  value=data[exc.start:exc.end]) from exc


def _column_at(data: bytes, offset: int, delimiter: str | None) -> str | None:
    """The header name of the field holding byte ``offset`` of a delimited file."""
    if not delimiter:
        return None
    line_start = data.rfind(b"\n", 0, offset) + 1
    index = data[line_start:offset].count(delimiter.encode("ascii"))
    header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r")
    fields = header.split(delimiter)
    return fields[index].strip() if index < len(fields) else None


def check_columns(name: str, found: Sequence[str], expected: Sequence[str], *, row: int | None = 1) -> None:
    """The header must hold exactly the contract's columns (order free). ``row``: the
    header's line; None for a file whose columns are its schema, not a row (Parquet)."""
    found_clean = [c.strip() for c in found]
    for column in expected:
        if column not in found_clean:
            raise SourceContractError(name, "required column is missing", row=row, column=column)
    for column in found_clean:
        if column not in expected:
            raise SourceContractError(name, "column not in the source contract", row=row, column=column)
    duplicates = {c for c in found_clean if found_clean.count(c) > 1}
    if duplicates:
        raise SourceContractError(name, "column appears more than once", row=row, column=sorted(duplicates)[0])


_DANISH_AMOUNT = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$")


def parse_danish_amount(text: str, *, name: str, row: int | str, column: str) -> int:
    """'1.234.567,50' -> 123456750 øre. Integer øre keep reconciliation exact."""
    value = (text or "").strip()
    if not _DANISH_AMOUNT.match(value):
        raise SourceContractError(name, "Danish amount like 1.234.567,00", row=row, column=column, value=text)
    negative = value.startswith("-")
    whole, _, frac = value.lstrip("-").replace(".", "").partition(",")
    ore = int(whole) * 100 + int((frac + "00")[:2])
    return -ore if negative else ore


def parse_danish_date(text: str, *, name: str, row: int | str, column: str) -> dt.date:
    """'31-12-2014' -> date(2014, 12, 31)."""
    value = (text or "").strip()
    try:
        if not re.fullmatch(r"\d{2}-\d{2}-\d{4}", value):
            raise ValueError
        return dt.datetime.strptime(value, "%d-%m-%Y").date()
    except ValueError:
        raise SourceContractError(name, "date as dd-mm-yyyy", row=row, column=column, value=text) from None


def parse_int(text: object, *, name: str, row: int | str, column: str) -> int:
    value = str(text).strip() if text is not None else ""
    if isinstance(text, float) and text.is_integer():
        return int(text)
    if not re.fullmatch(r"-?\d+", value):
        raise SourceContractError(name, "whole number", row=row, column=column, value=text)
    return int(value)


_DECIMAL_COMMA = re.compile(r"^-?\d+(,\d+)?$")
_DANISH_INTEGER = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)$")


def parse_decimal_comma(text: str, *, name: str, row: int | str, column: str) -> float:
    """'43,7' -> 43.7. A decimal point ('43.7') breaks the contract: in a Danish file it
    would be a thousands separator, so it is never guessed at."""
    value = (text or "").strip()
    if not _DECIMAL_COMMA.match(value):
        raise SourceContractError(name, "number with decimal comma like 43,7", row=row, column=column, value=text)
    return float(value.replace(",", "."))


def parse_danish_integer(text: str, *, name: str, row: int | str, column: str) -> int:
    """'1234' or '1.234' -> 1234."""
    value = (text or "").strip()
    if not _DANISH_INTEGER.match(value):
        raise SourceContractError(name, "whole number like 1234 or 1.234", row=row, column=column, value=text)
    return int(value.replace(".", ""))


def parse_iso_date(text: str, *, name: str, row: int | str, column: str) -> dt.date:
    """'2014-12-31' -> date(2014, 12, 31)."""
    value = (text or "").strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SourceContractError(name, "date as yyyy-mm-dd", row=row, column=column, value=text) from None


def parse_iso_timestamp(text: str, *, name: str, row: int | str, column: str) -> dt.datetime:
    """'2014-12-31T09:15:00' -> datetime, no time zone (as registered, local time)."""
    value = (text or "").strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value):
            raise ValueError
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise SourceContractError(name, "timestamp as yyyy-mm-ddThh:mm:ss", row=row, column=column,
                                  value=text) from None


def require_text(text: object, *, name: str, row: int | str, column: str) -> str:
    value = "" if text is None else str(text).strip()
    if not value:
        raise SourceContractError(name, "value is required", row=row, column=column)
    return value


def with_provenance(frame: pd.DataFrame, *, name: str, sha256: str, rows: Iterable[int],
                    locators: Iterable[str], loaded_at: dt.datetime) -> pd.DataFrame:
    frame = frame.copy()
    # One value per file: categorical, so a large frame holds it once (and a Parquet
    # dictionary column on disk).
    codes = np.zeros(len(frame), dtype=np.int8)
    frame["_source_file"] = pd.Categorical.from_codes(codes, categories=[name])
    frame["_source_sha256"] = pd.Categorical.from_codes(codes, categories=[sha256])
    frame["_source_row"] = pd.array(list(rows), dtype="int64")
    frame["_source_locator"] = list(locators)
    frame["_loaded_at"] = pd.Timestamp(loaded_at).tz_localize(None) if loaded_at.tzinfo else pd.Timestamp(loaded_at)
    return frame


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class RawStore:
    """The gated raw layer: ``<raw_dir>/<asset>/<partition>.parquet`` plus a JSON sidecar
    with provenance and the gate's verdict. A partition is written only after its gate
    passed, by an atomic rename, so dbt never reads ungated or half-written data.
    """

    raw_dir: Path

    UNPARTITIONED = "all"

    def path(self, asset: str, partition: str | None) -> Path:
        return self.raw_dir / asset / f"{partition or self.UNPARTITIONED}.parquet"

    def write(self, asset: str, partition: str | None, frame: pd.DataFrame, sidecar: dict) -> Path:
        target = self.path(asset, partition)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        frame.to_parquet(tmp, index=False)
        meta_tmp = tmp.with_suffix(".json.tmp")
        meta_tmp.write_text(json.dumps(sidecar, indent=2, default=str), encoding="utf-8")
        _fsync(tmp)
        _fsync(meta_tmp)
        os.replace(meta_tmp, target.with_suffix(".json"))
        os.replace(tmp, target)
        return target

    def sidecar(self, asset: str, partition: str | None) -> dict | None:
        """Provenance of one gated partition, or None if the raw layer does not hold it."""
        path = self.path(asset, partition).with_suffix(".json")
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def sidecars(self) -> list[dict]:
        """Provenance of every gated partition in the raw layer."""
        if not self.raw_dir.exists():
            return []
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.raw_dir.glob("*/*.json"))]


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


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
