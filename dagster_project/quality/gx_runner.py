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
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, wraps
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dagster_project.core.cpr import mask_cpr, mask_deep
from dagster_project.settings import EXPECTATIONS_DIR

# No usage statistics leave the machine; there is no network to send them to anyway.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402
from great_expectations.expectations.expectation import Expectation  # noqa: E402
from great_expectations.expectations.metrics.column_map_metrics import (  # noqa: E402
    column_values_match_regex,
    column_values_not_match_regex,
)

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
# Columns named *_ore hold amounts in integer øre. Their failing values are shown in kroner
# ('8.689.001,25 kr'): an amount of 10 digits in øre looks like a CPR number to any scan
# (and would be masked as one), in kroner it never does.
ORE_SUFFIX = "_ore"


def kroner(ore: Any) -> Any:
    """868900125 -> '8.689.001,25 kr'; anything but a whole number is returned as it is."""
    if isinstance(ore, bool) or not isinstance(ore, (int, float)) and not hasattr(ore, "item"):
        return ore
    value = ore.item() if hasattr(ore, "item") else ore
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return ore
        value = int(value)
    if not isinstance(value, int):
        return ore
    whole, cents = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole:,}".replace(",", ".") + f",{cents:02d} kr"


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


# suite name -> (the loaded spec it was built from, the GX suite)
_gx_suites: dict[str, tuple[dict, gx.ExpectationSuite]] = {}


def _gx_suite(name: str) -> gx.ExpectationSuite:
    """The suite as GX objects, built once per loaded suite file (pydantic validates every
    expectation, some 20 ms each)."""
    spec = load_suite(name)
    cached = _gx_suites.get(name)
    if cached is None or cached[0] is not spec:
        cached = (spec, gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"],
                                            meta=spec.get("meta", {})))
        _gx_suites[name] = cached
    return cached[1]


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

    GX sees the frame as ``_validation_view`` prepares it (same values, in the dtypes its
    pandas engine computes fastest), each expectation only its own columns and the index
    columns. A batch may hold several landing files: each failing row is named by its own
    ``_source_file``."""
    spec = load_suite(suite)
    index_columns = list(dict.fromkeys(c for c in [*key_columns, *locator_columns] if c in frame.columns))
    result_format: dict[str, Any] = {"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS,
                                     "return_unexpected_index_query": False}
    narrow = len(frame) >= NARROW_FROM_ROWS
    gx_index = _gx_index_columns(frame, index_columns) if narrow else index_columns
    if gx_index:
        result_format["unexpected_index_column_names"] = gx_index
    view = _validation_view(frame, spec)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": view})
    with _fast_gx(gx_index, narrow=narrow, conditioned=_columns_by_condition(spec)):
        validation = batch.validate(_gx_suite(suite), expectation_parameters=dict(parameters or {}),
                                    result_format=result_format)
    locators = _Locators(frame) if gx_index != index_columns else None
    for result in validation.results:
        columns = _columns_of(result.expectation_config.kwargs)
        info = locators.add(result.result or {}, index_columns) if locators else (result.result or {})
        result.result = _bounded(mask_deep(_in_kroner(info, columns)))
        if result.exception_info:
            result.exception_info = mask_deep(result.exception_info)
    outcomes = [_outcome(result) for result in validation.results]
    return GateResult(suite=suite, subject=subject, outcomes=outcomes, column_labels=dict(column_labels or {}),
                      index_columns=index_columns, rows_validated=len(frame), validation=validation)


# --- how GX sees a frame --------------------------------------------------------------
#
# GX's pandas engine spends most of a large gate on the frame, not the rules: every column
# expectation filters the whole frame (all columns) several times (nulls, its row condition,
# its failing rows), compares a narrow integer column value by value in Python (its
# vectorised `between` is for int64 and float64 only), and casts a categorical column to
# text for every regex, then matches every row. The view, the narrowed domains and the
# regex by category below remove that work and nothing else: the values, the rules and
# GX's results are the same (tests/unit/test_gx_runner.py validates every suite both ways
# and compares the results).

_NARROW_INTEGERS = ("int8", "int16", "int32", "uint8", "uint16", "uint32")
_TYPE_EXPECTATIONS = ("expect_column_values_to_be_of_type", "expect_column_values_to_be_in_type_list")


def _validation_view(frame: pd.DataFrame, spec: Mapping[str, Any]) -> pd.DataFrame:
    """The frame as GX validates it: a shallow copy with numpy integers widened to int64 and
    timestamps in nanoseconds. A categorical column stays categorical: its regexes are
    matched once per value (``_by_category``)."""
    view = frame.copy(deep=False)
    typed = {e["kwargs"].get("column") for e in spec["expectations"] if e["type"] in _TYPE_EXPECTATIONS}
    for column in view.columns:
        if column in typed:
            continue
        dtype = view[column].dtype
        if str(dtype) in _NARROW_INTEGERS:
            view[column] = view[column].astype("int64")
        elif str(dtype).startswith("datetime64[") and str(dtype) != "datetime64[ns]":
            try:  # GX compares datetime64[ns] vectorised, any other unit value by value
                view[column] = view[column].astype("datetime64[ns]")
            except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
                pass
    return view


def _gx_index_columns(frame: pd.DataFrame, index_columns: Sequence[str]) -> list[str]:
    """The columns GX names failing rows by. ``_source_locator`` is a different text on
    every row and would be filtered with every domain; where file and row number name a row
    alone, GX names rows by those and the locator is added to the few failing rows after
    (``_Locators``)."""
    if not {"_source_file", "_source_row", "_source_locator"} <= set(index_columns):
        return list(index_columns)
    if frame.duplicated(["_source_file", "_source_row"]).any():
        return list(index_columns)  # JSON: a plan's lines share its row
    return [c for c in index_columns if c != "_source_locator"]


class _Locators:
    """``_source_locator`` of failing rows named by ``_source_file`` and ``_source_row``,
    put where GX puts an index column: after the row."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def add(self, result: dict[str, Any], index_columns: Sequence[str]) -> dict[str, Any]:
        keys = [k for k in ("unexpected_index_list", "partial_unexpected_index_list")
                if isinstance(result.get(k), list) and result[k] and isinstance(result[k][0], dict)]
        if keys:
            needed = {(str(r.get("_source_file")), int(r["_source_row"]))
                      for k in keys for r in result[k][:STORED_ROWS] if r.get("_source_row") is not None}
            rows = self.frame[self.frame["_source_row"].isin([row for _, row in needed])]
            found = {(str(f), int(r)): loc for f, r, loc in
                     rows[["_source_file", "_source_row", "_source_locator"]].itertuples(index=False)}
            for k in keys:
                result[k] = [self._with_locator(r, found) for r in result[k][:STORED_ROWS]]
        if "unexpected_index_column_names" in result:
            result["unexpected_index_column_names"] = list(index_columns)
        return result

    @staticmethod
    def _with_locator(row: dict[str, Any], found: dict) -> dict[str, Any]:
        named: dict[str, Any] = {}
        for key, value in row.items():
            named[key] = value
            if key == "_source_row":
                named["_source_locator"] = found.get((str(row.get("_source_file")), int(value)))
        return named


def _by_category(metric_fn):
    """A value-by-value metric function (GX's regex conditions: ``column.astype(str)``, then
    a match on every row) evaluated on a categorical column's distinct values once and
    spread to the rows by their codes. Another column, or one with nulls left in, goes
    to ``metric_fn`` unchanged."""

    @wraps(metric_fn)
    def by_category(cls, column, *args, **kwargs):
        if not isinstance(column.dtype, pd.CategoricalDtype):
            return metric_fn(cls, column, *args, **kwargs)
        codes = column.cat.codes.to_numpy()
        if len(codes) == 0 or codes.min() < 0:
            return metric_fn(cls, column, *args, **kwargs)
        # Only the values the rows hold: pandas picks its regex engine by the data it sees.
        used = np.flatnonzero(np.bincount(codes, minlength=len(column.cat.categories)))
        values = pd.Series(column.cat.categories.take(used), name=column.name)
        met = np.zeros(len(column.cat.categories), dtype=bool)
        met[used] = np.asarray(metric_fn(cls, values, *args, **kwargs), dtype=bool)
        return pd.Series(met[codes], index=column.index, name=column.name)

    return by_category


def _metric_fn_cell(provider: Any):
    """The closure cell in which GX's ``column_condition_partial`` keeps the function a
    pandas map metric calls on each domain's column."""
    condition = provider.__wrapped__  # metric_partial wraps column_condition_partial's function
    return condition.__closure__[condition.__code__.co_freevars.index("metric_fn")]


# (cell, GX's function, the same by category) of the match and not-match regex conditions
_REGEX_CONDITIONS = tuple((cell, cell.cell_contents, _by_category(cell.cell_contents)) for cell in (
    _metric_fn_cell(provider._pandas) for provider in (
        column_values_match_regex.ColumnValuesMatchRegex, column_values_not_match_regex.ColumnValuesNotMatchRegex)))


def _domain_columns(domain_kwargs: Mapping[str, Any], columns: Sequence[str],
                    index_columns: Sequence[str] = ()) -> list[str] | None:
    """The columns a column, column-pair or multicolumn domain reads (with those its row
    condition names, and the index columns that name its failing rows); None for a table
    domain, which gets the whole frame. A table domain with a row condition that only
    column expectations carry is where GX counts their rows and reads their columns
    (its map metrics take the column from the table domain), so it gets those columns."""
    named = [domain_kwargs[k] for k in ("column", "column_A", "column_B") if domain_kwargs.get(k) is not None]
    named += list(domain_kwargs.get("column_list") or ())
    condition = domain_kwargs.get("row_condition")
    if not named and condition:
        named = list(_conditioned_columns[-1].get(_condition_text(condition), ()))
    if not named:
        return None
    named += list(index_columns)
    if condition:
        # Every word of the condition that is a column: more than it needs is harmless, one
        # too few makes the expectation an error (never a pass).
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(condition)))
        named += [c for c in columns if c in words]
    wanted = set(named)
    return [c for c in columns if c in wanted]


# Below this many rows, filtering the whole frame costs less than selecting columns.
NARROW_FROM_ROWS = 20_000
_get_domain_records = pandas_execution_engine.PandasExecutionEngine.get_domain_records
_index_columns: list[Sequence[str]] = [()]  # of the suite running now (a stack: validations never nest)
# of the suite running now: row condition -> the columns of the column expectations that
# carry it, for the conditions no table expectation carries
_conditioned_columns: list[Mapping[str, frozenset[str]]] = [{}]
_configuration = Expectation.configuration
# per running validation: id(expectation) -> (expectation, its configuration)
_configurations: list[dict[int, tuple[Any, Any]]] = []


def _remembered_configuration(self):
    """``Expectation.configuration`` builds a new configuration from the pydantic model on
    every access, some 130 times per expectation and validation (a third of a small gate's
    time). While a validation runs nothing changes an expectation, so it is built once."""
    if not _configurations:
        return _configuration.fget(self)
    seen = _configurations[-1].get(id(self))
    if seen is None or seen[0] is not self:
        seen = (self, _configuration.fget(self))
        _configurations[-1][id(self)] = seen
    return seen[1]


def _narrowed_get_domain_records(self, domain_kwargs: dict) -> pd.DataFrame:
    batch_id = domain_kwargs.get("batch_id")
    batch_data = (self.batch_manager.active_batch_data if batch_id is None
                  else self.batch_manager.batch_data_cache.get(batch_id))
    frame = getattr(batch_data, "_dataframe", None)
    columns = (_domain_columns(domain_kwargs, list(frame.columns), _index_columns[-1])
               if isinstance(frame, pd.DataFrame) else None)
    if columns is None or len(columns) == len(frame.columns):
        return _get_domain_records(self, domain_kwargs)
    batch_data._dataframe = frame[columns]
    try:
        return _get_domain_records(self, domain_kwargs)
    finally:
        batch_data._dataframe = frame


_apply_row_condition_filter = pandas_execution_engine.PandasExecutionEngine._apply_row_condition_filter
# per running validation: row condition -> its rows, and (row condition, columns) -> the filtered frame
_row_conditions: list[dict[Any, Any]] = []


def _remembered_row_condition_filter(self, data: pd.DataFrame, row_condition: Any, domain_kwargs: dict):
    """GX filters the whole frame by an expectation's row condition for each of its metrics
    (the row count, the columns, the values: some five times), with ``DataFrame.query``.
    Here each condition is evaluated once per validation, on the columns it names, and each
    filtered frame made once; the rows are the same (``query`` filters by the same mask)."""
    memo = _row_conditions[-1] if _row_conditions else None
    text = _condition_text(row_condition)
    if memo is None:
        return _apply_row_condition_filter(self, data, row_condition, domain_kwargs)
    key = (type(row_condition).__name__, text, domain_kwargs.get("condition_parser"), len(data))
    if key not in memo:
        words = set(re.findall(r"\w+", text))
        named = [c for c in data.columns if c in words]
        try:
            kept = _apply_row_condition_filter(self, data[named] if named else data, row_condition, domain_kwargs)
        except Exception:  # a column the words missed (quoted, with spaces): the whole frame, as GX does
            kept = _apply_row_condition_filter(self, data, row_condition, domain_kwargs)
        memo[key] = data.index.isin(kept.index) if data.index.is_unique else None
    mask = memo[key]
    if mask is None:
        return _apply_row_condition_filter(self, data, row_condition, domain_kwargs)
    frame_key = (key, tuple(data.columns))
    if frame_key not in memo:
        memo[frame_key] = data[mask]
    return memo[frame_key]


def _condition_text(condition: Any) -> str:
    """A row condition as the suite file writes it (GX hands it on as a dict)."""
    if isinstance(condition, Mapping):
        return str(condition.get("pass_through_filter") or json.dumps(condition, sort_keys=True, default=str))
    text = getattr(condition, "pass_through_filter", None)
    return str(text) if text else condition if isinstance(condition, str) else repr(condition)


def _columns_by_condition(spec: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Row condition -> the columns of the suite's column expectations that carry it; a
    condition that a table expectation carries too is left out (its domain stays whole)."""
    by_condition: dict[str, set[str]] = {}
    whole: set[str] = set()
    for expectation in spec["expectations"]:
        kwargs = expectation["kwargs"]
        if not kwargs.get("row_condition"):
            continue
        text = _condition_text(kwargs["row_condition"])
        columns = _columns_of(kwargs)
        if not columns or expectation["type"].startswith("expect_table_"):
            whole.add(text)
        by_condition.setdefault(text, set()).update(columns)
    return {text: frozenset(columns) for text, columns in by_condition.items() if text not in whole}


@contextmanager
def _fast_gx(index_columns: Sequence[str], *, narrow: bool,
             conditioned: Mapping[str, frozenset[str]] | None = None) -> Iterator[None]:
    """While a suite runs: each expectation's domain holds only the columns it reads (for a
    frame large enough to gain from it), each row condition is evaluated once, each
    expectation's configuration is built once, and a regex on a categorical column is
    matched once per value."""
    engine = pandas_execution_engine.PandasExecutionEngine
    if narrow:
        engine.get_domain_records = _narrowed_get_domain_records
    Expectation.configuration = property(_remembered_configuration)
    engine._apply_row_condition_filter = _remembered_row_condition_filter
    for cell, _plain, by_category in _REGEX_CONDITIONS:
        cell.cell_contents = by_category
    _index_columns.append(tuple(index_columns))
    _conditioned_columns.append(dict(conditioned or {}))
    _configurations.append({})
    _row_conditions.append({})
    try:
        yield
    finally:
        _row_conditions.pop()
        for cell, plain, _by_category in _REGEX_CONDITIONS:
            cell.cell_contents = plain
        engine._apply_row_condition_filter = _apply_row_condition_filter
        _configurations.pop()
        _conditioned_columns.pop()
        _index_columns.pop()
        Expectation.configuration = _configuration
        engine.get_domain_records = _get_domain_records


def _in_kroner(result: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """The failing values (and observed value) of øre columns, in kroner."""
    if not any(c.endswith(ORE_SUFFIX) for c in columns):
        return result

    def value(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: kroner(v) if str(k).endswith(ORE_SUFFIX) else v for k, v in item.items()}
        if isinstance(item, (list, tuple)) and len(item) == len(columns):
            return type(item)(kroner(v) if c.endswith(ORE_SUFFIX) else v for c, v in zip(columns, item, strict=True))
        return kroner(item) if len(columns) == 1 else item

    for key in ("unexpected_list", "partial_unexpected_list", "unexpected_index_list",
                "partial_unexpected_index_list"):
        if isinstance(result.get(key), list):
            result[key] = [value(item) for item in result[key]]
    if isinstance(result.get("partial_unexpected_counts"), list):
        result["partial_unexpected_counts"] = [
            {**c, "value": value(c.get("value"))} if isinstance(c, dict) else c
            for c in result["partial_unexpected_counts"]]
    if len(columns) == 1 and "observed_value" in result:
        result["observed_value"] = kroner(result["observed_value"])
    return result


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
