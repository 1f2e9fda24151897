"""Gated ingestion, shared by every raw asset: read a landing file with a pure reader,
validate the frame with the source's expectation suite, and only if it passed write the
partition to the raw layer.

A failed gate fails the step (after recording the check result), so the partition is
neither written nor materialized and nothing downstream runs, in this run or in any
later one: the raw layer only ever holds data that passed its gate.

Each gated partition's sidecar records the fingerprint of everything that produced it
(``input_fingerprint``): the landing files, the suite, the suite's parameters, the code
and the pseudonymisation key. A full refresh does not ingest a partition again while its
fingerprint is unchanged: the result would be the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name, sha256_file
from dagster_project.core.raw_store import RawStore
from dagster_project.pseudonym import PseudonymKeyError, pseudonym_key
from dagster_project.quality.data_docs import record_validation
from dagster_project.quality.gx_runner import suite_path, validate_frame
from dagster_project.quality.metadata import gate_metadata
from dagster_project.settings import REPO_ROOT, get_settings
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


@cache
def code_digest() -> str:
    """SHA-256 of the code that reads and gates (every module of dagster_project): any
    change re-ingests everything, which is safe and, on this scale, quick enough."""
    digest = hashlib.sha256()
    package = REPO_ROOT / "dagster_project"
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def input_fingerprint(asset: str, files: Sequence[Path], parameters: Mapping[str, Any] | None) -> str | None:
    """What a gated partition is a function of; None when it cannot be known (a landing
    file is missing, or the key is unusable): such a partition is always ingested."""
    if not all(f.is_file() for f in files):
        return None
    try:
        key = pseudonym_key()
    except PseudonymKeyError:
        return None
    digest = hashlib.sha256()
    digest.update(code_digest().encode())
    digest.update(suite_path(asset).read_bytes())
    digest.update(json.dumps(parameters or {}, sort_keys=True, default=str).encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    # A new key changes every person_key; the key itself must not be stored, a keyed
    # digest of a constant may.
    digest.update(hmac.new(key, b"boligsocial input fingerprint", hashlib.sha256).digest())
    return digest.hexdigest()


def gated_unchanged(raw_dir: Path, asset: str, partition: str | None, files: Sequence[Path],
                    parameters: Mapping[str, Any] | None) -> str | None:
    """The run that gated this partition, if the raw layer holds it with the fingerprint
    its inputs have now; else None."""
    store = RawStore(raw_dir)
    sidecar = store.sidecar(asset, partition)
    if sidecar is None or not store.path(asset, partition).is_file():
        return None
    fingerprint = input_fingerprint(asset, files, parameters)
    return sidecar.get("run_id") if fingerprint and sidecar.get("fingerprint") == fingerprint else None


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
    parameters: Mapping[str, Any] | None = None,
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

    gate_started = time.perf_counter()
    gate = validate_frame(frame, asset, subject=subject, parameters=parameters, column_labels=column_labels)
    gate_seconds = time.perf_counter() - gate_started
    docs_started = time.perf_counter()
    # The page only: a full refresh renders the site index once, at its end (data_docs.py).
    page = record_validation(gate, warehouse_dir=warehouse_dir or get_settings().warehouse_dir,
                             run_id=context.run_id, batch=partition or asset, asset=asset, partition=partition,
                             build_index=False)
    data_docs_seconds = time.perf_counter() - docs_started
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

    write_started = time.perf_counter()
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
        "fingerprint": input_fingerprint(asset, files, parameters) if files else None,
    }
    path = RawStore(raw_dir).write(asset, partition, frame, sidecar)
    write_seconds = time.perf_counter() - write_started
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
            # Where the step's time went (bench/refresh.py splits ingest from the raw gates
            # with these): reader, the suite, its Data Docs page, provenance checksums + Parquet.
            "read_seconds": round(read_seconds, 3),
            "gate_seconds": round(gate_seconds, 3),
            "data_docs_seconds": round(data_docs_seconds, 3),
            "write_seconds": round(write_seconds, 3),
            "gate": gate.headline(),
        }
    )
    yield check

