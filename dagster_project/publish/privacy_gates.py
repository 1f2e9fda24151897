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
- **no small count by differencing**: counts that add up by construction (a model's
  ``meta.additive``: a total and its parts, a count and the published counts it contains,
  also across tables) never give a count from 1 to 4 when one published figure is
  subtracted from another;
- **person-level facts only in restricted.duckdb**: a model with ``meta.pii: true`` may only
  be published there.

A violation names the database, table, column, row, rule and the (masked) value.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from dagster_project.core.cpr import CPR_REGEX_RE2, mask_cpr
from dagster_project.core.published import Additive, PublishedTable

COUNT_NAME = re.compile(r"^(n|antal|count)_|_(n|count|antal)$|^(n|count|antal)$")
INTEGER_TYPES = re.compile(r"^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DECIMAL\(\d+,\s*0\))$")
SMALLEST_PUBLISHED_COUNT = 5
SAMPLE = 3

RULE_CPR = "no value matching a CPR number is published"
RULE_SMALL_COUNT = f"a published count of persons is 0 or at least {SMALLEST_PUBLISHED_COUNT} (1-4 must be suppressed)"
RULE_UNDECLARED = ("a published column of an integer type or with a count name declares meta.count "
                   "(true: a count of persons, false: not one)")
RULE_PII = "a model with meta.pii: true is published only to restricted.duckdb"
RULE_DIFFERENCE = ("no count of persons from 1 to 4 follows by subtraction from published counts that add up "
                   "(meta.additive)")
RULE_DECLARED = "a declared relation of counts (meta.additive) names published count columns and can be checked"


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
    relations: int = 0
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0  # spent checking (check metadata; the benchmark counts it as gate time)

    def merge(self, other: GateReport) -> None:
        self.seconds += other.seconds
        self.tables += other.tables
        self.text_columns += other.text_columns
        self.count_columns += other.count_columns
        self.declared_columns += other.declared_columns
        self.relations += other.relations
        self.violations += other.violations

    @property
    def passed(self) -> bool:
        return not self.violations

    def summary(self) -> dict[str, int]:
        return {"tables": self.tables, "text_columns_scanned": self.text_columns,
                "count_columns_checked": self.count_columns, "relations_checked": self.relations,
                "violations": len(self.violations)}

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
    if database == "marts":
        for table in tables:
            for relation in table.additive:
                report.merge(_check_relation(con, database, table, relation, {t.name: t for t in tables}))
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


def parse_additive(model: str, declared: Any) -> tuple[Additive, ...]:
    """A model's ``meta.additive`` (docs/privacy.md) as relations; a malformed declaration
    raises, so that a relation cannot be left unchecked by a typo."""
    if declared is None:
        return ()
    if not isinstance(declared, list):
        raise ValueError(f"model {model}: meta.additive must be a list of relations")
    relations = []
    for item in declared:
        if not isinstance(item, Mapping) or ("parts" in item) == ("subset" in item):
            raise ValueError(f"model {model}: each meta.additive relation has either 'parts' or 'subset': {item!r}")
        if "parts" in item:
            counts = item["parts"] if isinstance(item["parts"], list) else [item["parts"]]
            missing = [k for k in ("whole", "on") if not item.get(k)]
            if missing:
                raise ValueError(f"model {model}: a 'parts' relation needs {', '.join(missing)}: {item!r}")
            relations.append(Additive("parts", tuple((str(c),) for c in counts), on=str(item["on"]),
                                      description=str(item.get("description", "")), whole=str(item["whole"]),
                                      parts_of=str(item.get("parts_of") or ""), per=tuple(item.get("per") or ())))
        else:
            sums = [s if isinstance(s, list) else [s] for s in item["subset"]]
            if not item.get("within") or "." not in str(item["within"]) or not item.get("on"):
                raise ValueError(f"model {model}: a 'subset' relation needs within ('table.column') and on: {item!r}")
            relations.append(Additive("subset", tuple(tuple(str(c) for c in s) for s in sums), on=str(item["on"]),
                                      description=str(item.get("description", "")), within=str(item["within"])))
    return tuple(relations)


def _check_relation(con, database: str, table: PublishedTable, relation: Additive,
                    published: Mapping[str, PublishedTable]) -> GateReport:
    """Violations of one declared relation: a published figure minus another published
    figure (or a sum of them) that it contains by construction is a count from 1 to 4."""
    report = GateReport(relations=1)
    columns = [c for s in relation.counts for c in s]
    if relation.kind == "parts":
        other_table, _, other_column = (relation.parts_of or table.name).partition(".")
        other_columns = [other_column] if other_column else columns
        undeclared = [c for c in columns if c not in table.count_columns]
    else:
        other_table, _, other_column = relation.within.partition(".")
        other_columns = [other_column]
        undeclared = [c for c in columns if c not in table.count_columns]
    if relation.kind == "parts" and other_column and len(columns) != 1:
        undeclared.append(f"{relation.parts_of} (names one column of the parts: one count only)")
    if other_table not in published:
        undeclared.append(f"{other_table} (not a table of marts.duckdb)")
    elif other_table != table.name:
        undeclared += [f"{other_table}.{c}" for c in other_columns if c not in published[other_table].count_columns]
    if undeclared:
        report.violations.append(Violation(database, table.name, ", ".join(undeclared), RULE_DECLARED,
                                           value="not a published count of persons (meta.count: true)"))
        return report
    try:
        if relation.kind == "parts":
            for (column,) in relation.counts:
                report.violations += _parts_violations(con, database, table.name, relation, column, other_table,
                                                       other_column or column)
        else:
            for columns_of_sum in relation.counts:
                report.violations += _subset_violations(con, database, table.name, relation, columns_of_sum,
                                                        other_table, other_columns[0])
    except duckdb.Error as exc:
        report.violations.append(Violation(database, table.name, ", ".join(columns), RULE_DECLARED,
                                           value=_masked(str(exc).splitlines()[0], 160)))
    return report


def _parts_violations(con, database: str, table: str, relation: Additive, column: str,
                      parts_table: str, part_column: str) -> list[Violation]:
    """The whole minus its published parts is the sum of the hidden parts: not 1-4. And a
    hidden whole whose parts are all published is their sum: not 1-4 either."""
    per = ", ".join(f'part."{c}"' for c in relation.per)
    small = SMALLEST_PUBLISHED_COUNT - 1
    rows = con.execute(f"""
        with whole as (
            select rowid + 1 as row_number, * from main."{table}" where {relation.whole}
        ), sums as (
            select whole.row_number, any_value(whole."{column}") as value, {per + ',' if per else ''}
                   sum(part."{part_column}") as published,
                   count(*) filter (where part."{part_column}" is null) as hidden
            from whole join main."{parts_table}" as part on {relation.on}
            group by whole.row_number{', ' + per if per else ''}
        )
        select row_number, value, published, hidden{', ' + ', '.join(f'"{c}"' for c in relation.per) if per else ''}
        from sums
        where (value is not null and hidden > 0 and value - coalesce(published, 0) between 1 and {small})
           or (value is null and hidden = 0 and published between 1 and {small})
           or (value is not null and hidden = 0 and value <> published)
        order by all limit {SAMPLE}""").fetchall()
    violations = []
    for row_number, whole, published, hidden, *per_values in rows:
        where = "".join(f", {c} {v!r}" for c, v in zip(relation.per, per_values, strict=True))
        if whole is not None and hidden == 0:
            # Nothing hidden and no sum: the declaration is wrong, and so would its check be.
            violations.append(Violation(database, table, column, RULE_DECLARED, row_number,
                                        f"its parts add up to {published}, not to the whole {whole}{where}"))
            continue
        shown = (f"{whole} minus its published parts {published or 0} = {whole - (published or 0)} "
                 f"({hidden} hidden{where})" if whole is not None
                 else f"the hidden whole = the sum of its published parts {published}{where}")
        violations.append(Violation(database, table, column, RULE_DIFFERENCE, row_number, shown))
    return violations


def _subset_violations(con, database: str, table: str, relation: Additive, columns: Sequence[str],
                       other_table: str, other_column: str) -> list[Violation]:
    """A published count of ``other_table`` minus a published sum of this table's counts that
    it contains: not 1-4 (a NULL, suppressed, term means nothing follows)."""
    total = " + ".join(f'part."{c}"' for c in columns)
    rows = con.execute(f"""
        select part.rowid + 1, whole.rowid + 1, whole."{other_column}", {total}
        from main."{table}" as part join main."{other_table}" as whole on {relation.on}
        where whole."{other_column}" - ({total}) between 1 and {SMALLEST_PUBLISHED_COUNT - 1}
           or whole."{other_column}" < ({total})
        order by 1, 2 limit {SAMPLE}""").fetchall()
    named = " + ".join(columns)
    return [Violation(database, table, named, RULE_DIFFERENCE if whole >= value else RULE_DECLARED, part_row,
                      f"{other_table}.{other_column} {whole} (row {whole_row}) minus {named} {value} = {whole - value}")
            for part_row, whole_row, whole, value in rows]


def _masked(value: str, limit: int = 60) -> str:
    masked = mask_cpr(value)
    return masked if len(masked) <= limit else masked[: limit - 3] + "..."
