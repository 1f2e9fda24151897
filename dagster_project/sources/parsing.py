"""Parsing of the providers' formats: Danish amounts, dates and numbers, strict decoding,
header checks, and the provenance columns every raw row carries.

Every parser raises ``SourceContractError`` (file, row, column, rule, masked value) for a
value that breaks the contract; none guesses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dagster_project.core.errors import SourceContractError

PROVENANCE_COLUMNS = ("_source_file", "_source_sha256", "_source_row", "_source_locator", "_loaded_at")


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
