"""What every gate attaches to its asset check in Dagster, raw and mart alike."""

from __future__ import annotations

from typing import Any

import dagster as dg

from dagster_project.quality.data_docs import DataDocsPage
from dagster_project.quality.gx_runner import SAMPLE_ROWS, GateResult

MAX_TABLE_ROWS = 50


def gate_metadata(gate: GateResult, page: DataDocsPage | None) -> dict[str, Any]:
    """Counts of expectations and failures, the failing values, a sample of failing rows
    (by row number and locator, or by the mart's key) and the Data Docs page."""
    meta = gate.as_metadata()
    metadata: dict[str, Any] = {
        "suite_file": meta["suite_file"],
        "rows_validated": dg.MetadataValue.int(meta["rows_validated"]),
        "expectations": dg.MetadataValue.int(meta["expectations"]),
        "passed": dg.MetadataValue.int(meta["passed"]),
        "failed": dg.MetadataValue.int(meta["failed"]),
        "errored": dg.MetadataValue.int(meta["errored"]),
        "summary": dg.MetadataValue.md("```\n" + meta["summary"] + "\n```"),
        "failing_values": dg.MetadataValue.json(meta["failing_values"]),
        "failing_rows": dg.MetadataValue.md(_rows_table(gate)),
        "results": dg.MetadataValue.json(meta["results"]),
    }
    if page is not None:
        metadata["data_docs"] = dg.MetadataValue.url(page.url)
        metadata["data_docs_page"] = dg.MetadataValue.text(page.relative)
    return metadata


def _rows_table(gate: GateResult) -> str:
    """A Markdown table of failing rows: rule, column, where (row/key) and value."""
    columns = list(gate.index_columns)
    rows = [(o, r) for o in gate.failed for r in o.failing_rows[:SAMPLE_ROWS]]
    if not rows:
        return "no failing rows" if gate.success or not gate.failed else "the failed rules are about the whole table"
    header = ["rule", "column", *columns, "value"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for outcome, row in rows[:MAX_TABLE_ROWS]:
        values = [row.get(c) for c in outcome.columns]
        cells = [outcome.rule, ", ".join(outcome.columns), *[row.get(c) for c in columns],
                 values[0] if len(values) == 1 else tuple(values) if values else ""]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(rows) > MAX_TABLE_ROWS:
        lines.append(f"\n... and {len(rows) - MAX_TABLE_ROWS} more in `results`")
    return "\n".join(lines)


def _cell(value: object) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")
