"""A failed `dbt build`, said the way a raw gate says it: for each failing test, the test,
the model, the rule in words, the landing files and up to five example rows with where
they are in their file; for a model that failed, its error. And how to recover.

The example rows are the test's own failing rows (its compiled SQL, run again on the
build database through a read-only connection). A test's rows that carry no landing
position (a generic test returns the offending values) are looked up in the model they
test when that model keeps the provenance columns (``source_file``, ``source_locator``),
so the message still points at the line of the landing file. Person-level identifiers
are never shown (their values are replaced by '<person>'), and any CPR-shaped text is
masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlglot.errors import SqlglotError

from dagster_project.catalog import PERSON_COLUMN
from dagster_project.core.cpr import mask_cpr

EXAMPLES = 5
PROVENANCE = ("source_file", "source_locator")
RECOVERY = ("How to recover: correct the landing file(s) named above, or remove them, then refresh "
            "(python -m dagster_project refresh). A removed file's partition leaves the raw layer at the next "
            "refresh; the published warehouse is unchanged until a refresh passes every gate.")
# A build that ran out of memory says nothing about the landing files: naming them, and
# telling the engineer to correct them, would send them to look for a fault that is not there.
OUT_OF_MEMORY = re.compile(r"Out of Memory Error|java\.lang\.OutOfMemoryError", re.IGNORECASE)
OUT_OF_MEMORY_RECOVERY = (
    "How to recover: no landing file is at fault; the build ran out of memory. Give the engine more if "
    "the machine has it (DuckDB: BOLIGSOCIAL_DUCKDB_MEMORY, README's configuration table; Spark: "
    "spark.driver.memory in dbt/profiles.yml), or stop what else uses memory, then refresh "
    "(python -m dagster_project refresh). The published warehouse is unchanged.")


@dataclass
class FailedNode:
    unique_id: str
    kind: str  # 'test' or 'model' (or 'seed', 'unit_test')
    name: str
    model: str | None
    rule: str
    status: str
    failures: int | None
    message: str | None
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def out_of_memory(self) -> bool:
        return self.kind != "test" and bool(OUT_OF_MEMORY.search(self.message or ""))

    def text(self) -> str:
        if self.kind == "test":
            head = (f"dbt test {self.name} failed on model {self.model or '(unknown)'}: rule '{self.rule}' violated"
                    + (f" by {self.failures} row(s)" if self.failures else ""))
        else:
            head = f"dbt {self.kind} {self.name} failed ({self.status}): {mask_cpr(self.message or 'no message')}"
        lines = [head]
        if self.files and not self.out_of_memory:
            lines.append(f"  landing file(s): {', '.join(self.files)}")
        if self.rows:
            lines.append(f"  example rows (first {len(self.rows)}"
                         + (f" of {self.failures}" if self.failures else "") + "):")
            for row in self.rows:
                lines.append(f"    {_describe_row(row)}")
        elif self.kind == "test" and self.message and self.status == "error":
            lines.append(f"  error: {mask_cpr(self.message)}")
        return "\n".join(lines)


def _describe_row(row: Mapping[str, Any]) -> str:
    where = ""
    if row.get("source_file"):
        where = f"{row['source_file']} {row.get('source_locator') or ''}".strip() + ": "
    values = ", ".join(f"{k}={_show(k, v)}" for k, v in row.items() if k not in PROVENANCE and k != "source_sha256")
    return mask_cpr(where + values)


def _show(column: str, value: Any) -> str:
    if PERSON_COLUMN.search(column) and value is not None:
        return "<person>"
    return "NULL" if value is None else str(value)


def rule_of(test: Mapping[str, Any]) -> str:
    """The rule a test checks, in words: its yml description, or what its kind means."""
    if (test.get("description") or "").strip():
        return " ".join(test["description"].split())
    metadata = test.get("test_metadata") or {}
    kwargs = {k: v for k, v in (metadata.get("kwargs") or {}).items() if k not in ("model", "column_name")}
    column = test.get("column_name")
    name = metadata.get("name") or test["name"]
    arguments = kwargs.get("arguments") if isinstance(kwargs.get("arguments"), dict) else kwargs
    words = {
        "unique": f"every {column} occurs once",
        "not_null": f"{column} is never empty",
        "accepted_values": f"{column} is one of {arguments.get('values')}",
        "relationships": f"every {column} is a {arguments.get('field')} of {_ref_name(arguments.get('to'))}",
        "unique_combination": f"one row per {', '.join(arguments.get('columns') or [])}",
    }
    return words.get(name, f"{name}{' on column ' + column if column else ''}")


def _ref_name(text: Any) -> str:
    match = re.search(r"ref\(['\"]([^'\"]+)['\"]\)", str(text or ""))
    return match.group(1) if match else str(text)


def failed_nodes(run_results: Mapping[str, Any], manifest: Mapping[str, Any], build_db: Path,
                 source_files: Mapping[str, Sequence[str]] | None = None, *,
                 translate: Callable[[str], str] | None = None) -> list[FailedNode]:
    """Every node dbt reported as failed or errored, with example rows from the build.

    ``source_files`` maps a model's unique id to the landing files its lineage reaches, for
    a failure whose rows name none. ``translate``: a failed test's compiled SQL as DuckDB
    runs it on the build database (a build on Spark: dbt/spark.py)."""
    nodes = manifest["nodes"]
    failed = []
    for result in run_results.get("results", []):
        if result["status"] not in ("fail", "error", "runtime error"):
            continue
        uid = result["unique_id"]
        node = nodes.get(uid) or manifest.get("unit_tests", {}).get(uid) or {"name": uid, "resource_type": "?"}
        kind = node.get("resource_type", "?")
        model_uid = node.get("attached_node") or next(
            (d for d in node.get("depends_on", {}).get("nodes", []) if d.startswith(("model.", "seed.", "source."))),
            None) if kind == "test" else uid
        model = (nodes.get(model_uid) or manifest.get("sources", {}).get(model_uid) or {}).get("name") \
            if model_uid else None
        entry = FailedNode(unique_id=uid, kind=kind, name=node.get("name", uid), model=model,
                           rule=rule_of(node) if kind == "test" else "", status=result["status"],
                           failures=result.get("failures"), message=result.get("message"))
        if kind == "test" and result["status"] == "fail" and result.get("compiled_code") and build_db.exists():
            try:
                sql = translate(result["compiled_code"]) if translate else result["compiled_code"]
                _examples(entry, sql, node, nodes.get(model_uid or ""), build_db)
            except (duckdb.Error, SqlglotError) as exc:  # the message must not fail for want of examples
                entry.message = f"{entry.message or ''} (example rows unavailable: {exc})".strip()
        if not entry.files and model_uid and source_files:
            entry.files = list(source_files.get(model_uid, []))[:10]
        failed.append(entry)
    return failed


def _examples(entry: FailedNode, sql: str, test: Mapping[str, Any], model: Mapping[str, Any] | None,
              build_db: Path) -> None:
    with duckdb.connect(str(build_db), read_only=True) as con:
        # In a fixed order: the same failure names the same example rows in every run,
        # whatever order the build stored its rows in (it keeps none: dbt/profiles.yml).
        relation = con.sql(f"select * from ({sql}) as failing order by all")
        columns = relation.columns
        rows = relation.limit(EXAMPLES).fetchall()
        entry.columns = list(columns)
        entry.rows = [dict(zip(columns, row, strict=True)) for row in rows]
        column = test.get("column_name")
        if "source_file" not in columns and model and model.get("relation_name") and column and column in columns:
            # A generic test returns the offending values: find them in the model, by line.
            model_columns = {c.lower() for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
                "and table_name = ?", [model["database"], model["schema"], model.get("alias") or model["name"]]
            ).fetchall()}
            if set(PROVENANCE) <= model_columns:
                located = con.sql(
                    f'select source_file, source_locator, "{column}" from {model["relation_name"]} '
                    f'where "{column}" in (select "{column}" from ({sql}) as failing) '
                    f'or ("{column}" is null and exists (select 1 from ({sql}) as f where f."{column}" is null)) '
                    f'order by source_file, source_locator limit {EXAMPLES}')
                entry.rows = [dict(zip(located.columns, row, strict=True)) for row in located.fetchall()]
        entry.files = sorted({str(r["source_file"]) for r in entry.rows if r.get("source_file")})


def failure_message(nodes: Sequence[FailedNode], *, error_messages: Sequence[str] = ()) -> str:
    if not nodes:
        detail = "\n".join(mask_cpr(m) for m in error_messages) or "dbt exited with an error and reported no node"
        return f"dbt build failed: {detail}\n{RECOVERY}"
    tests = sum(n.kind == "test" for n in nodes)
    head = f"dbt build failed: {tests} test(s) and {len(nodes) - tests} other node(s) failed"
    recovery = OUT_OF_MEMORY_RECOVERY if all(n.out_of_memory for n in nodes) else RECOVERY
    return "\n".join([head, *(n.text() for n in nodes), recovery])
