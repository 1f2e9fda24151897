"""Privacy gates on what is published, run on the new version's files before the switch.

They hold for every published table, whoever wrote the model, so they live here rather
than in a suite someone has to remember to write:

- **no CPR number**: no text value (VARCHAR, also inside lists and structs) of any table in
  marts.duckdb or restricted.duckdb, publish_log included, contains a CPR-shaped value
  (``core/cpr.py``); the Parquet exports are written from the same tables;
- **no small counts**: a column declared a count of persons (dbt column
  ``meta: {count: true}``) in a table of marts.duckdb holds no value above 0 and below 5:
  such a cell must be suppressed (null) by the model;
- **no undeclared counts**: every column of a table in marts.duckdb that is of an integer
  type, or whose name says it is a count (``n_*``, ``*_n``, ``antal_*``, ``*_count``, ...),
  declares ``meta.count`` (true or false), so a new count column cannot slip past the
  small-count gate by being forgotten;
- **person-level facts only in restricted.duckdb**: a model with ``meta.pii: true`` may only
  be published there.

A violation names the database, table, column, row, rule and the (masked) value.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from dagster_project.core.cpr import CPR_REGEX_RE2, mask_cpr
from dagster_project.core.published import PublishedTable

COUNT_NAME = re.compile(r"^(n|antal|count)_|_(n|count|antal)$|^(n|count|antal)$")
INTEGER_TYPES = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DECIMAL\(\d+,\s*0\))$")
SMALLEST_PUBLISHED_COUNT = 5
SAMPLE = 3

RULE_CPR = "no value matching a CPR number is published"
RULE_SMALL_COUNT = f"a published count of persons is 0 or at least {SMALLEST_PUBLISHED_COUNT} (1-4 must be suppressed)"
RULE_UNDECLARED = ("a published column of an integer type or with a count name declares meta.count "
                   "(true: a count of persons, false: not one)")
RULE_PII = "a model with meta.pii: true is published only to restricted.duckdb"


@dataclass(frozen=True)
class Violation:
    database: str
    table: str
    column: str | None
    rule: str
    row: int | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [f"{self.database}.duckdb", f"table {self.table}"]
        if self.column:
            where.append(f"column '{self.column}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        value = f" by value {self.value}" if self.value is not None else ""
        return f"{', '.join(where)}: rule '{self.rule}' violated{value}"


@dataclass
class GateReport:
    tables: int = 0
    text_columns: int = 0
    count_columns: int = 0
    declared_columns: int = 0
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0  # spent checking (check metadata; the benchmark counts it as gate time)

    def merge(self, other: GateReport) -> None:
        self.seconds += other.seconds
        self.tables += other.tables
        self.text_columns += other.text_columns
        self.count_columns += other.count_columns
        self.declared_columns += other.declared_columns
        self.violations += other.violations

    @property
    def passed(self) -> bool:
        return not self.violations

    def summary(self) -> dict[str, int]:
        return {"tables": self.tables, "text_columns_scanned": self.text_columns,
                "count_columns_checked": self.count_columns, "violations": len(self.violations)}

    def message(self, limit: int = 20) -> str:
        lines = [f"privacy gates: {len(self.violations)} violation(s) in {self.tables} tables"]
        lines += [f"  - {v}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)


def check_database(con: duckdb.DuckDBPyConnection, database: str, tables: Sequence[PublishedTable],
                   extra_tables: Sequence[str] = ()) -> GateReport:
    """Run the gates on the tables of one new database file (schema main).

    ``tables`` are the published models; ``extra_tables`` (publish_log) are only scanned
    for CPR numbers."""
    started = time.perf_counter()
    report = GateReport()
    for table in tables:
        report.tables += 1
        columns = _columns(con, table.name)
        if table.pii and database != "restricted":
            report.violations.append(Violation(database, table.name, None, RULE_PII))
        report.merge(_scan_text(con, database, table.name, columns))
        if database == "marts":
            report.merge(_check_counts(con, database, table, columns))
    for name in extra_tables:
        report.tables += 1
        report.merge(_scan_text(con, database, name, _columns(con, name)))
    report.seconds = time.perf_counter() - started
    return report


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall()


def _scan_text(con, database: str, table: str, columns: list[tuple[str, str]]) -> GateReport:
    report = GateReport()
    for column, data_type in columns:
        if "VARCHAR" not in data_type and data_type != "JSON":
            continue
        report.text_columns += 1
        # Lists and structs of text are scanned in their text form.
        text = f'CAST("{column}" AS VARCHAR)'
        for row, value in con.execute(
                f'SELECT rowid + 1, {text} FROM main."{table}" WHERE regexp_matches({text}, ?) ORDER BY rowid LIMIT ?',
                [CPR_REGEX_RE2, SAMPLE]).fetchall():
            report.violations.append(Violation(database, table, column, RULE_CPR, row, repr(_masked(value))))
    return report


def _check_counts(con, database: str, table: PublishedTable, columns: list[tuple[str, str]]) -> GateReport:
    report = GateReport()
    for column, data_type in columns:
        declared = column in table.count_columns or column in table.not_count_columns
        report.declared_columns += declared
        if not declared and (INTEGER_TYPES.match(data_type) or COUNT_NAME.search(column)):
            report.violations.append(Violation(database, table.name, column, RULE_UNDECLARED, value=data_type))
        if column in table.count_columns:
            report.count_columns += 1
            for row, value in con.execute(
                    f'SELECT rowid + 1, "{column}" FROM main."{table.name}" '
                    f'WHERE "{column}" > 0 AND "{column}" < {SMALLEST_PUBLISHED_COUNT} ORDER BY rowid LIMIT ?',
                    [SAMPLE]).fetchall():
                report.violations.append(Violation(database, table.name, column, RULE_SMALL_COUNT, row, str(value)))
    return report


def _masked(value: str, limit: int = 60) -> str:
    masked = mask_cpr(value)
    return masked if len(masked) <= limit else masked[: limit - 3] + "..."
