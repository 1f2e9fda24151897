"""Quoting for SQL the warehouse writes itself (DuckDB's, which is standard SQL's): a
string literal, e.g. a file path for read_parquet, and a quoted identifier."""

from __future__ import annotations


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
