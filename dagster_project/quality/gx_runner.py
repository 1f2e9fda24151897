"""Run a Great Expectations 1.x suite, stored as JSON in ``expectations/``, on a DataFrame.

The suites are the source of truth for the gates. Values that depend on reference data
(the 98 kommunekoder, a round's indsatsområder and dates) are suite parameters
(``{"$PARAMETER": name}``) filled from the dbt seeds at validation time, so the
reference data lives in one place.

GX has no DuckDB data source, and its SQL source over duckdb-engine reports an internal
error as ``success=False`` without raising (docs/constraints.md). Tables are therefore read
through a read-only DuckDB connection into pandas and validated here, and an expectation
that *raised* is reported as an error, never counted as a pass or an ordinary failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from dagster_project.core.cpr import mask_cpr, mask_deep
from dagster_project.settings import EXPECTATIONS_DIR

# No usage statistics leave the machine; there is no network to send them to anyway.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402

# GX fingerprints every pandas batch by hashing the whole frame, twice per validation
# (about 1.7 s of a 3 s gate on a 600,000-row panel year), for a batch marker nothing
# here reads. A threshold of 0 bytes skips the fingerprint; validation is unchanged.
pandas_execution_engine.HASH_THRESHOLD = 0

SAMPLE_ROWS = 20
# Unexpected values and rows kept in a stored validation result (Data Docs): enough to see
# the pattern, bounded so that a gate failing on millions of rows stays small.
STORED_ROWS = 200
# Raw frames name a failing row by the landing file, its row number and a locator
# (line, sheet row or JSON path); mart frames by the key columns their suite names.
LOCATOR_COLUMNS = ("_source_file", "_source_row", "_source_locator")


@dataclass
class ExpectationOutcome:
    expectation: str
    rule: str
    column: str | None
    success: bool
    errored: bool
    error: str | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    failing_values: list[Any] = field(default_factory=list)
    failing_rows: list[dict[str, Any]] = field(default_factory=list)
    observed: Any = None
    show_rows: int = 5  # failing rows named in the message (meta.show_rows of the expectation)
    # every column the expectation is about: (column,), (column_A, column_B) or column_list
    columns: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return "error" if self.errored else ("passed" if self.success else "failed")


@dataclass
class GateResult:
    suite: str
    subject: str
    outcomes: list[ExpectationOutcome]
    # raw column -> the column as the provider's file names it, for messages
    column_labels: Mapping[str, str] = field(default_factory=dict)
    # columns that identify a failing row (provenance of raw frames, a mart's key)
    index_columns: Sequence[str] = ()
    rows_validated: int = 0
    # GX's own result (CPR-shaped values masked, long lists cut), for Data Docs
    validation: Any = field(default=None, repr=False, compare=False)

    @property
    def errored(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.errored]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and not o.errored]

    @property
    def success(self) -> bool:
        return bool(self.outcomes) and not self.errored and not self.failed

    def headline(self) -> str:
        n = len(self.outcomes)
        if self.success:
            return f"suite {self.suite} on {self.subject}: all {n} expectations passed"
        return (f"suite {self.suite} on {self.subject}: {len(self.failed)} of {n} expectations failed, "
                f"{len(self.errored)} errored")

    def message(self, max_items: int = 10) -> str:
        """One line per broken rule, naming file, row, column and rule."""
        lines = [self.headline()]
        for o in (self.errored + self.failed)[:max_items]:
            lines.append("  - " + describe(o, self.subject, self.column_labels, self.index_columns))
        hidden = len(self.errored) + len(self.failed) - max_items
        if hidden > 0:
            lines.append(f"  ... and {hidden} more")
        return "\n".join(lines)

    def as_metadata(self) -> dict[str, Any]:
        broken = self.errored + self.failed
        return {
            "suite": self.suite,
            "suite_file": f"expectations/{self.suite}.json",
            "rows_validated": self.rows_validated,
            "expectations": len(self.outcomes),
            "passed": len(self.outcomes) - len(broken),
            "failed": len(self.failed),
            "errored": len(self.errored),
            "summary": self.message(max_items=25),
            "failing_values": {f"{', '.join(o.columns) or 'table'}: {o.rule}": o.failing_values[:SAMPLE_ROWS]
                               for o in self.failed if o.failing_values},
            "failing_rows": [{"rule": o.rule, "column": ", ".join(o.columns), **row}
                             for o in self.failed for row in o.failing_rows[:SAMPLE_ROWS]],
            "results": [
                {"expectation": o.expectation, "column": ", ".join(o.columns) or None, "rule": o.rule,
                 "status": o.status,
                 "unexpected_count": o.unexpected_count, "failing_values": o.failing_values[:SAMPLE_ROWS],
                 "failing_rows": o.failing_rows[:SAMPLE_ROWS], "error": o.error}
                for o in self.outcomes
            ],
        }


def describe(o: ExpectationOutcome, subject: str, column_labels: Mapping[str, str] | None = None,
             index_columns: Sequence[str] = ()) -> str:
    labels = column_labels or {}

    def named(c: str) -> str:
        return f"'{labels[c]}' ({c})" if c in labels else f"'{c}'"

    columns = o.columns or ((o.column,) if o.column else ())
    column = ("table" if not columns else f"column {named(columns[0])}" if len(columns) == 1
              else "columns " + ", ".join(named(c) for c in columns))
    if o.errored:
        return f"{subject}, {column}: rule '{o.rule}' could not be evaluated (expectation error: {o.error})"
    if o.failing_rows:
        shown = o.failing_rows[:o.show_rows]
        files = list(dict.fromkeys(str(r["_source_file"]) for r in shown if "_source_file" in r)) or [subject]
        places = [str(r["_source_locator"]) for r in shown if "_source_locator" in r]
        keys = [k for k in index_columns if k not in LOCATOR_COLUMNS]
        if keys:
            # A mart row is named by its key: "plan_id '201114-007', '201114-009'".
            places.append("/".join(keys) + " " + ", ".join(repr("/".join(str(r.get(k)) for k in keys)) for r in shown))
        where = ", ".join(files + places)
        values = list(dict.fromkeys(
            repr(r.get(columns[0])) if len(columns) == 1 else "(" + ", ".join(repr(r.get(c)) for c in columns) + ")"
            for r in shown)) if columns else []
        by = f" by value {values[0]}" if len(values) == 1 else (f" by values {', '.join(values)}" if values else "")
        rest = (o.unexpected_count or len(shown)) - len(shown)
        more = f" (and {rest} more rows)" if rest > 0 else ""
        return f"{where}, {column}: rule '{o.rule}' violated{by}{more}"
    observed = f" (observed {o.observed!r})" if o.observed is not None else ""
    count = f" by {o.unexpected_count} rows" if o.unexpected_count else ""
    values = f", e.g. {o.failing_values[:3]!r}" if o.failing_values else ""
    return f"{subject}, {column}: rule '{o.rule}' violated{count}{values}{observed}"


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / f"{name}.json"


@cache
def load_suite(name: str) -> dict[str, Any]:
    path = suite_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"expectation suite {name!r} not found at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _batch_definition():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("boligsocial")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


def validate_frame(frame: pd.DataFrame, suite: str, *, subject: str,
                   parameters: Mapping[str, Any] | None = None,
                   locator_columns: Sequence[str] = LOCATOR_COLUMNS,
                   key_columns: Sequence[str] = (),
                   column_labels: Mapping[str, str] | None = None) -> GateResult:
    """Validate ``frame`` with the suite ``expectations/<suite>.json``.

    ``subject`` names what is validated in messages (a landing file or a mart).
    Failing rows are identified by ``key_columns`` and ``locator_columns`` where the
    frame has them. CPR-shaped values among the failing values are masked in the
    result, so no message, check metadata or Data Docs page can show one.
    """
    spec = load_suite(suite)
    gx_suite = gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta", {}))
    index_columns = list(dict.fromkeys(c for c in [*key_columns, *locator_columns] if c in frame.columns))
    result_format: dict[str, Any] = {"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS,
                                     "return_unexpected_index_query": False}
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(gx_suite, expectation_parameters=dict(parameters or {}), result_format=result_format)
    for result in validation.results:
        result.result = _bounded(mask_deep(result.result or {}))
        if result.exception_info:
            result.exception_info = mask_deep(result.exception_info)
    outcomes = [_outcome(result) for result in validation.results]
    return GateResult(suite=suite, subject=subject, outcomes=outcomes, column_labels=dict(column_labels or {}),
                      index_columns=index_columns, rows_validated=len(frame), validation=validation)


def _bounded(result: dict[str, Any]) -> dict[str, Any]:
    """Cut the lists of every unexpected value and row to STORED_ROWS; counts stay exact."""
    for key in ("unexpected_list", "unexpected_index_list", "partial_unexpected_index_list",
                "partial_unexpected_list", "partial_unexpected_counts"):
        if isinstance(result.get(key), list) and len(result[key]) > STORED_ROWS:
            result[key] = result[key][:STORED_ROWS]
    return result


def _outcome(result) -> ExpectationOutcome:
    config = result.expectation_config
    # Every expectation in a suite file states its rule in plain words in meta.rule.
    rule = (config.meta or {}).get("rule") or config.type.replace("_", " ")
    error = _raised(result.exception_info)
    error = mask_cpr(error) if error else None
    info = result.result or {}
    rows = []
    for item in (info.get("unexpected_index_list") or [])[:SAMPLE_ROWS]:
        if isinstance(item, dict):
            rows.append({k: _plain(v) for k, v in item.items()})
    return ExpectationOutcome(
        expectation=config.type,
        rule=rule,
        column=config.kwargs.get("column"),
        columns=_columns_of(config.kwargs),
        success=bool(result.success) and error is None,
        errored=error is not None,
        error=error,
        unexpected_count=info.get("unexpected_count"),
        unexpected_percent=info.get("unexpected_percent"),
        failing_values=[_plain(v) for v in (info.get("partial_unexpected_list") or [])[:SAMPLE_ROWS]],
        failing_rows=rows,
        observed=_plain(info.get("observed_value")),
        show_rows=int((config.meta or {}).get("show_rows", 5)),
    )


def _columns_of(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    if kwargs.get("column"):
        return (kwargs["column"],)
    if kwargs.get("column_A"):
        return (kwargs["column_A"], kwargs["column_B"])
    return tuple(kwargs.get("column_list") or ())


def _raised(exception_info: Any) -> str | None:
    """GX reports exceptions either flat or keyed by metric; any raised one is an error."""
    if not exception_info:
        return None
    if isinstance(exception_info, Mapping) and "raised_exception" in exception_info:
        if exception_info.get("raised_exception"):
            return str(exception_info.get("exception_message") or "expectation raised an exception")
        return None
    if isinstance(exception_info, Mapping):
        for value in exception_info.values():
            found = _raised(value)
            if found:
                return found
    return None


def _plain(value: Any) -> Any:
    """numpy and pandas scalars -> plain Python, so results serialise as metadata."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and value != value:  # NaN: a missing value in a pandas frame
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, dt.date, dt.time)):  # dt.datetime is a dt.date
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        # A compound key's failing value is a dict of its columns: a date among them
        # would make the check's metadata unserialisable and crash the step.
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
