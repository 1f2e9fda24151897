"""Gated ingestion, shared by every raw asset: read a landing file with a pure reader,
validate the frame with the source's expectation suite, and only if it passed write the
partition to the raw layer.

A failed gate fails the step (after recording the check result), so the partition is
neither written nor materialized and nothing downstream runs, in this run or in any
later one: the raw layer only ever holds data that passed its gate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from dagster_project.quality.data_docs import record_validation
from dagster_project.quality.gx_runner import validate_frame
from dagster_project.quality.metadata import gate_metadata
from dagster_project.settings import get_settings
from dagster_project.sources.common import RawStore, SourceContractError, relative_name, sha256_file
from dagster_project.versioning import code_revision

RAW_CHECK_NAME = "expectation_suite"
OWNERS = ["team:data-engineering"]


def raw_check_spec(asset: str, partitions_def: dg.PartitionsDefinition | None = None) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RAW_CHECK_NAME,
        asset=asset,
        blocking=True,
        partitions_def=partitions_def,
        description=f"Great Expectations suite expectations/{asset}.json on the landing file(s) read.",
    )


def column_schema(frame: pd.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name=str(c), type=str(t)) for c, t in frame.dtypes.items()])


def ingest(
    context: dg.AssetExecutionContext,
    *,
    asset: str,
    partition: str | None,
    landing_dir: Path,
    raw_dir: Path,
    files: Sequence[Path],
    read: Callable[[], pd.DataFrame],
    parameters: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    column_labels: Mapping[str, str] | None = None,
    subject: str | None = None,
    warehouse_dir: Path | None = None,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Yield the materialization and check result of one gated raw partition.

    ``files`` are the landing files read; a source that is not a file (an API answer)
    passes none and names itself in ``subject``: its provenance is then taken from the
    frame's ``_source_file`` and ``_source_sha256``. The validation, passed or failed, is
    rendered as a Data Docs page under ``warehouse_dir`` (default: the configured
    warehouse directory)."""
    started = time.perf_counter()
    names = [relative_name(f, landing_dir) for f in files]
    subject = subject or ", ".join(names)
    context.log.info(f"reading {subject}" + (f" for partition {partition}" if partition else ""))
    try:
        frame = read()
    except SourceContractError as exc:
        context.log.error(str(exc))
        raise dg.Failure(
            description=f"{asset}{f' [{partition}]' if partition else ''}: {exc}",
            metadata={"asset": asset, "partition": partition or "", **exc.as_metadata()},
        ) from None
    read_seconds = time.perf_counter() - started

    if callable(parameters):
        parameters = parameters()
    gate_started = time.perf_counter()
    gate = validate_frame(frame, asset, subject=subject, parameters=parameters, column_labels=column_labels)
    gate_seconds = time.perf_counter() - gate_started
    # The page only: a full refresh renders the site index once, at its end (data_docs.py).
    page = record_validation(gate, warehouse_dir=warehouse_dir or get_settings().warehouse_dir,
                             run_id=context.run_id, batch=partition or asset, asset=asset, partition=partition,
                             build_index=False)
    check = dg.AssetCheckResult(
        check_name=RAW_CHECK_NAME,
        passed=gate.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=gate.headline(),
        metadata=gate_metadata(gate, page),
    )
    if not gate.success:
        context.log.error(gate.message())
        yield check
        raise dg.Failure(description=f"{asset}{f' [{partition}]' if partition else ''}: {gate.message()}",
                         metadata={"asset": asset, "partition": partition or "", "suite": gate.suite})

    if files:
        sources = [{"file": name, "sha256": sha256_file(path), "bytes": path.stat().st_size}
                   for name, path in zip(names, files, strict=True)]
    else:
        sources = [{"file": file, "sha256": sha, "bytes": None} for file, sha in
                   frame[["_source_file", "_source_sha256"]].drop_duplicates().itertuples(index=False)]
    sidecar = {
        "asset": asset,
        "partition": partition,
        "rows": len(frame),
        "sources": sources,
        "gate": {"suite": gate.suite, "expectations": len(gate.outcomes), "passed": True,
                 "data_docs_page": page.relative},
        "run_id": context.run_id,
        "code_revision": code_revision(),
    }
    path = RawStore(raw_dir).write(asset, partition, frame, sidecar)
    context.log.info(f"{asset}{f' [{partition}]' if partition else ''}: {len(frame):,} rows gated and written "
                     f"in {time.perf_counter() - started:.1f} s")
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(frame)),
            "dagster/column_schema": column_schema(frame),
            "partition": partition or "(unpartitioned)",
            "source_files": dg.MetadataValue.json(sources),
            "source_sha256": ", ".join(s["sha256"] for s in sources),
            "source_bytes": sum(s["bytes"] or 0 for s in sources),
            "raw_path": dg.MetadataValue.path(str(path)),
            "code_revision": code_revision(),
            "read_seconds": round(read_seconds, 3),
            "gate_seconds": round(gate_seconds, 3),
            "gate": gate.headline(),
        }
    )
    yield check

