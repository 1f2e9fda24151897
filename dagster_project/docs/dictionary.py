"""The data dictionary: every published table and column, from the dbt docs.

The tables are the dbt models whose meta says ``publish`` (as the publish step selects
them, dagster_project/publish/assets.py), with their descriptions, contract types and
whether an integer column is a count of persons (``meta.count``, the privacy gates'
declaration), plus ``publish_log`` (publish/warehouse.py). Two renderings of the same
tables:

- Markdown, for the repository: docs/data_dictionary.md, from the manifest alone, so it
  changes only with the code (`make dictionary` writes it; a test checks it is current);
- HTML, per published version: reports/<version>/data_dictionary.html, with the types and
  row counts read from that version's databases, and served by `make docs`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.publish.warehouse import PUBLISH_LOG_COLUMNS, PUBLISH_LOG_COMMENT
from dagster_project.settings import REPO_ROOT

MARKDOWN_PATH = REPO_ROOT / "docs" / "data_dictionary.md"
HTML_NAME = "data_dictionary.html"
DATABASES = ("marts", "restricted")
# Where a table's name says what kind it is (docs/analysts.md).
KINDS = {"dim": "dimension", "fct": "fact", "lbl": "label table", "rpt": "report"}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    description: str
    count: bool | None = None  # meta.count: a count of persons (suppressed below 5), or not one


@dataclass(frozen=True)
class Table:
    name: str
    database: str  # 'marts' or 'restricted'
    description: str
    columns: tuple[Column, ...]
    source: str  # the yml that documents it
    rows: int | None = None  # in a given version

    @property
    def kind(self) -> str:
        return KINDS.get(self.name.split("_", 1)[0], "log")


def _meta(node: Mapping[str, Any]) -> dict[str, Any]:
    return {**(node.get("config", {}).get("meta") or {}), **(node.get("meta") or {})}


# The yml declares types both engines read (`string`, dbt/macros/dialect.sql); analysts
# query DuckDB files, whose name for it is VARCHAR.
DUCKDB_TYPE_NAMES = {"STRING": "VARCHAR"}


def _duckdb_type(declared: str | None) -> str:
    name = (declared or "").upper()
    return DUCKDB_TYPE_NAMES.get(name, name)


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def published_tables(manifest: Mapping[str, Any]) -> list[Table]:
    """The published tables of a dbt manifest, and publish_log in each database, in
    database and name order."""
    tables = []
    for node in manifest["nodes"].values():
        target = _meta(node).get("publish")
        if node["resource_type"] != "model" or not target:
            continue
        columns = tuple(Column(name, _duckdb_type(column.get("data_type")), _text(column.get("description")),
                               _meta(column).get("count")) for name, column in node["columns"].items())
        tables.append(Table(node.get("alias") or node["name"], target, _text(node.get("description")), columns,
                            node.get("patch_path", "").split("://", 1)[-1] or node["original_file_path"]))
    log_columns = tuple(Column(name, data_type, comment) for name, data_type, comment in PUBLISH_LOG_COLUMNS)
    for database in DATABASES:
        if any(t.database == database for t in tables):
            tables.append(Table("publish_log", database, PUBLISH_LOG_COMMENT, log_columns,
                                "dagster_project/publish/warehouse.py"))
    return sorted(tables, key=lambda t: (DATABASES.index(t.database), t.name == "publish_log", t.name))


def in_version(tables: Sequence[Table], version_dir: Path) -> list[Table]:
    """The tables as a published version holds them: DuckDB's types and the row counts;
    a column the version has and the docs do not is listed as undocumented."""
    found = []
    for database in DATABASES:
        path = version_dir / f"{database}.duckdb"
        selected = [t for t in tables if t.database == database]
        if not selected or not path.is_file():
            continue
        with duckdb.connect(str(path), read_only=True) as con:
            for table in selected:
                actual = con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
                    "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [table.name]).fetchall()
                if not actual:
                    continue
                documented = {c.name: c for c in table.columns}
                columns = tuple(replace(documented[name], data_type=data_type) if name in documented
                                else Column(name, data_type, "(undocumented)") for name, data_type in actual)
                rows = con.execute(f'SELECT count(*) FROM main."{table.name}"').fetchone()[0]
                found.append(replace(table, columns=columns, rows=rows))
    return found


def _count(column: Column) -> str:
    return {True: "count of persons", False: "not a count"}.get(column.count, "")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(tables: Sequence[Table]) -> str:
    lines = [
        "# Data dictionary",
        "",
        "Every table and column published to analysts, from the dbt docs (the models' yml) and",
        "`publish_log` (dagster_project/publish/warehouse.py). Generated by `make dictionary`",
        "(`.venv/bin/python -m dagster_project dictionary`); a test checks it is up to date, so",
        "change the yml, not this file. Each published version has the same dictionary as HTML,",
        "with its row counts, in `<warehouse>/reports/<version>/data_dictionary.html`, served by",
        "`make docs` ([operations.md](operations.md#documentation-server)). The same descriptions",
        "are in the files: `select * from duckdb_columns()` ([analysts.md](analysts.md)).",
        "",
        "*Count*: whether an integer column is a count of persons (never 1-4 in marts.duckdb:",
        "such a cell is suppressed, NULL) or not one ([quality.md](quality.md)).",
        "",
        "| table | database | kind | what |",
        "|---|---|---|---|",
    ]
    for table in tables:
        first = re.split(r"(?<=[.?!])\s+", table.description, maxsplit=1)[0]
        lines.append(f"| [`{table.name}`](#{_anchor(table)}) | {table.database}.duckdb | {table.kind} | {_md(first)} |")
    for database in DATABASES:
        selected = [t for t in tables if t.database == database]
        if not selected:
            continue
        lines += ["", f"## {database}.duckdb"]
        for table in selected:
            lines += ["", f"### {database}.{table.name}", "", _md(table.description), "",
                      f"Documented in `{table.source}`.", "",
                      "| column | type | count | description |", "|---|---|---|---|"]
            lines += [f"| `{c.name}` | {c.data_type} | {_count(c)} | {_md(c.description)} |" for c in table.columns]
    return "\n".join(lines) + "\n"


def _anchor(table: Table) -> str:
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    return f"{table.database}{table.name}"


def render_html(tables: Sequence[Table], *, version: str, published_at: str | None = None) -> str:
    e = html.escape
    toc = "".join(
        f'<tr><td><a href="#{e(t.database)}.{e(t.name)}"><code>{e(t.name)}</code></a></td><td>{e(t.database)}.duckdb</td>'
        f"<td>{e(t.kind)}</td><td class=n>{'' if t.rows is None else f'{t.rows:,}'}</td></tr>" for t in tables)
    sections = []
    for t in tables:
        rows = "".join(f"<tr><td><code>{e(c.name)}</code></td><td><code>{e(c.data_type)}</code></td>"
                       f"<td>{e(_count(c))}</td><td>{e(c.description)}</td></tr>" for c in t.columns)
        count = "" if t.rows is None else f" &middot; {t.rows:,} rows"
        sections.append(
            f'<section id="{e(t.database)}.{e(t.name)}"><h2>{e(t.database)}.{e(t.name)}</h2>'
            f"<p class=meta>{e(t.kind)} in {e(t.database)}.duckdb{count} &middot; documented in <code>{e(t.source)}</code></p>"
            f"<p>{e(t.description)}</p><table><thead><tr><th>column</th><th>type</th><th>count</th>"
            f"<th>description</th></tr></thead><tbody>{rows}</tbody></table></section>")
    when = f", published {e(published_at)}" if published_at else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Data dictionary, version {e(version)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin: .5rem 0 2rem; }}
th, td {{ border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }} td.n {{ text-align: right; }} code {{ font-size: .95em; }}
.meta {{ color: #555; }} a {{ color: #0b5cad; }}
</style></head><body>
<p><a href="/">Documentation</a> &rsaquo; version {e(version)}</p>
<h1>Data dictionary</h1>
<p>Every table and column of published version <code>{e(version)}</code>{when}: descriptions from the
dbt docs, types and row counts from the version's own files. A count of persons is never 1-4 in
marts.duckdb (such a cell is suppressed, NULL).</p>
<table><thead><tr><th>table</th><th>database</th><th>kind</th><th>rows</th></tr></thead><tbody>{toc}</tbody></table>
{"".join(sections)}
</body></html>
"""
