"""Gated ingestion, shared by every raw asset: read a landing file with the source's pure
reader, validate the frame with the source's expectation suite, and only if it passed
write the partition to the raw layer.

A partitioned raw asset ingests every partition of its run (a single-run backfill: one
run holds all of a source's partitions) one after the other. Each partition gets its
own materialization and its own check evaluation; a partition that breaks its contract
or fails its gate is not written, the others are, and the step fails at the end naming
every file, row, column and rule that broke. Nothing downstream runs on a failed step,
and the raw layer only ever holds data that passed its gate.

Each gated partition's sidecar records the fingerprint of everything that produced it
(``input_fingerprint``): the landing files, the suite, the suite's parameters, the code
that reads and gates this source, and the pseudonymisation key. A partition whose
fingerprint is unchanged is not read again: its materialization says so and carries the
same data version, so Dagster and the refresh both see that nothing changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa

from dagster_project.core.errors import SourceContractError, SourceUnavailable
from dagster_project.core.files import relative_name, sha256_file
from dagster_project.core.raw_store import RawStore
from dagster_project.pseudonym import PseudonymKeyError, demo_key_warning, pseudonym_key
from dagster_project.quality.data_docs import build_index, record_validation
from dagster_project.quality.gx_runner import suite_path, validate_frame
from dagster_project.quality.metadata import gate_metadata
from dagster_project.settings import REPO_ROOT, Settings
from dagster_project.sources.source import Source
from dagster_project.versioning import code_revision

RAW_CHECK_NAME = "expectation_suite"
# Dagster reads a materialization's data version from this tag (dagster._core.definitions.data_version).
FINGERPRINT_TAG = "dagster/data_version"

# What every source's result depends on besides its own folder: the shared primitives,
# parsing, this module, the gate runner and its parameters, pseudonyms, reference data.
_SHARED_CODE = ("core", "sources/parsing.py", "sources/delimited.py", "sources/ingest.py", "sources/source.py",
                "quality/gx_runner.py", "quality/parameters.py", "pseudonym.py", "reference.py")


@cache
def code_digest(source_folder: str) -> str:
    """SHA-256 of the code a raw partition of the source in ``sources/<source_folder>``
    is read and gated by: an edit elsewhere (the generator, dbt, publishing) does not
    re-ingest anything."""
    package = REPO_ROOT / "dagster_project"
    paths: set[Path] = set()
    for part in (*_SHARED_CODE, f"sources/{source_folder}"):
        target = package / part
        paths.update(target.rglob("*.py") if target.is_dir() else [target])
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_folder(source: Source) -> str:
    """The folder under sources/ that declares the source ('lbf' for raw_lbf_grants)."""
    return source.read.__module__.split(".")[2]


def input_fingerprint(source: Source, files: Sequence[Path], parameters: Mapping[str, Any] | None) -> str | None:
    """What a gated partition is a function of; None when it cannot be known (no landing
    file, as for an API answer; a file missing; an unusable key): such a partition is
    always ingested."""
    if not files or not all(f.is_file() for f in files):
        return None
    try:
        key = pseudonym_key()
    except PseudonymKeyError:
        return None
    digest = hashlib.sha256()
    digest.update(code_digest(source_folder(source)).encode())
    digest.update(suite_path(source.asset).read_bytes())
    digest.update(json.dumps(parameters or {}, sort_keys=True, default=str).encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    # A new key changes every person_key; the key itself must not be stored, a keyed
    # digest of a constant may.
    digest.update(hmac.new(key, b"boligsocial input fingerprint", hashlib.sha256).digest())
    return digest.hexdigest()


def gated_unchanged(settings: Settings, source: Source, key: str | None) -> dict | None:
    """The sidecar of partition ``key`` if the raw layer holds it gated with the
    fingerprint its inputs have now; else None."""
    store = RawStore(settings.raw_dir)
    sidecar = store.sidecar(source.asset, key)
    if sidecar is None or not sidecar.get("fingerprint") or not store.path(source.asset, key).is_file():
        return None
    files = source.files(settings, key)
    if not all(f.is_file() for f in files):
        return None
    fingerprint = input_fingerprint(source, files, source.parameters(settings, key))
    return sidecar if fingerprint == sidecar["fingerprint"] else None


def raw_check_spec(source: Source, partitions_def: dg.PartitionsDefinition | None) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RAW_CHECK_NAME,
        asset=source.asset,
        blocking=True,
        partitions_def=partitions_def,
        description=f"Great Expectations suite expectations/{source.asset}.json on the landing file(s) read.",
    )


def column_schema(frame: pd.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name=str(c), type=str(t)) for c, t in frame.dtypes.items()])


@dataclass
class Outcome:
    """One partition's ingestion: gated and written, reused unchanged, or failed."""

    key: str | None
    status: str  # 'gated', 'unchanged' or 'failed'
    rows: int = 0
    materialization: dict[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None
    check: dg.AssetCheckEvaluation | None = None
    failure: str | None = None  # file, row, column and rule, for the step's failure
    failure_metadata: dict[str, Any] = field(default_factory=dict)


def _label(source: Source, key: str | None) -> str:
    return f"{source.asset}{f' [{key}]' if key else ''}"


def ingest_partition(context: dg.AssetExecutionContext, source: Source, settings: Settings,
                     key: str | None, *, reuse: bool = True) -> Outcome:
    """Read, gate and write one partition (``key`` None: the unpartitioned source), or
    reuse it if it is gated already with unchanged inputs."""
    started = time.perf_counter()
    if reuse and (sidecar := gated_unchanged(settings, source, key)):
        context.log.info(f"{_label(source, key)}: inputs unchanged since run {sidecar['run_id'][:8]}; not read again")
        return Outcome(key, "unchanged", rows=sidecar["rows"], fingerprint=sidecar["fingerprint"],
                       materialization=_reused_metadata(settings, source, key, sidecar),
                       check=_evaluation(source, key, True, "passed in run "
                                         f"{sidecar['run_id'][:8]}; inputs unchanged, not validated again",
                                         {"validated_in_run": sidecar["run_id"],
                                          "data_docs_page": sidecar["gate"].get("data_docs_page") or ""}))

    files = source.files(settings, key)
    names = [relative_name(f, settings.landing_dir) for f in files]
    subject = ", ".join(names) if names else source.asset
    context.log.info(f"reading {subject}" + (f" for partition {key}" if key else ""))
    try:
        frame = source.read(settings, key)
        parameters = source.parameters(settings, key)
    except (SourceContractError, SourceUnavailable) as exc:
        context.log.error(f"{_label(source, key)}: {exc}")
        return Outcome(key, "failed", failure=f"{_label(source, key)}: {exc}",
                       failure_metadata={"asset": source.asset, "partition": key or "", **exc.as_metadata()},
                       check=_evaluation(source, key, False, str(exc), exc.as_metadata()))
    read_seconds = time.perf_counter() - started

    if frame.empty and not files:
        subject = source.asset
    elif not files:  # an API answer names itself in its provenance columns
        subject = ", ".join(sorted(frame["_source_file"].astype(str).unique()))
    gate_started = time.perf_counter()
    gate = validate_frame(frame, source.asset, subject=subject, parameters=parameters,
                          column_labels=source.column_labels(key))
    gate_seconds = time.perf_counter() - gate_started
    docs_started = time.perf_counter()
    # The page only: the refresh renders the site's index once, when it ends (data_docs.py).
    page = record_validation(gate, warehouse_dir=settings.warehouse_dir, run_id=context.run_id,
                             batch=key or source.asset, asset=source.asset, partition=key, build_index=False)
    data_docs_seconds = time.perf_counter() - docs_started
    evaluation = _evaluation(source, key, gate.success, gate.headline(), gate_metadata(gate, page))
    if not gate.success:
        context.log.error(gate.message())
        return Outcome(key, "failed", check=evaluation, failure=f"{_label(source, key)}: {gate.message()}",
                       failure_metadata={"asset": source.asset, "partition": key or "", "suite": gate.suite})

    write_started = time.perf_counter()
    if files:
        sources = [{"file": name, "sha256": sha256_file(path), "bytes": path.stat().st_size}
                   for name, path in zip(names, files, strict=True)]
    else:
        sources = [{"file": file, "sha256": sha, "bytes": None} for file, sha in
                   frame[["_source_file", "_source_sha256"]].astype(str).drop_duplicates().itertuples(index=False)]
    fingerprint = input_fingerprint(source, files, parameters)
    sidecar = {
        "asset": source.asset,
        "partition": key,
        "rows": len(frame),
        "sources": sources,
        "gate": {"suite": gate.suite, "expectations": len(gate.outcomes), "passed": True,
                 "data_docs_page": page.relative},
        "run_id": context.run_id,
        "code_revision": code_revision(),
        "fingerprint": fingerprint,
    }
    path = RawStore(settings.raw_dir).write(source.asset, key, frame, sidecar)
    write_seconds = time.perf_counter() - write_started
    context.log.info(f"{_label(source, key)}: {len(frame):,} rows gated and written "
                     f"in {time.perf_counter() - started:.1f} s")
    return Outcome(key, "gated", rows=len(frame), fingerprint=fingerprint, check=evaluation, materialization={
        "dagster/row_count": dg.MetadataValue.int(len(frame)),
        "dagster/column_schema": column_schema(frame),
        "partition": key or "(unpartitioned)",
        "source_files": dg.MetadataValue.json(sources),
        "source_sha256": ", ".join(s["sha256"] for s in sources),
        "source_bytes": sum(s["bytes"] or 0 for s in sources),
        "raw_path": dg.MetadataValue.path(str(path)),
        "code_revision": code_revision(),
        # Where the step's time went (bench/ splits ingest from the raw gates with these):
        # reader, the suite, its Data Docs page, provenance checksums + Parquet.
        "read_seconds": round(read_seconds, 3),
        "gate_seconds": round(gate_seconds, 3),
        "data_docs_seconds": round(data_docs_seconds, 3),
        "write_seconds": round(write_seconds, 3),
        "gate": gate.headline(),
    })


def _reused_metadata(settings: Settings, source: Source, key: str | None, sidecar: dict) -> dict[str, Any]:
    return {
        "dagster/row_count": dg.MetadataValue.int(sidecar["rows"]),
        "partition": key or "(unpartitioned)",
        "source_files": dg.MetadataValue.json(sidecar["sources"]),
        "source_sha256": ", ".join(s["sha256"] for s in sidecar["sources"]),
        "raw_path": dg.MetadataValue.path(str(RawStore(settings.raw_dir).path(source.asset, key))),
        "unchanged_since_run": sidecar["run_id"],
        "code_revision": sidecar.get("code_revision") or "",
        "gate": "passed when gated; inputs unchanged since",
    }


def _evaluation(source: Source, key: str | None, passed: bool, description: str,
                metadata: Mapping[str, Any]) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(source.asset), check_name=RAW_CHECK_NAME, passed=passed,
        severity=dg.AssetCheckSeverity.ERROR, description=description, metadata=dict(metadata), blocking=True,
        partition=key)


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def release_memory() -> None:
    """Give what a partition's frame and gate used back to the system before the next one
    is read. A panel year at scale 10 is some 6.4 million rows and its gate peaks near
    9 GB; without this a run of 18 of them kept what each left behind in the allocators'
    free lists (glibc's and Arrow's) and was killed out of memory at the 12th, with 23 GB
    resident (docs/constraints.md, "Memory at scale")."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):  # glibc only
        libc.malloc_trim(0)


def ingest(context: dg.AssetExecutionContext, source: Source, settings: Settings, *,
           reuse: bool = True) -> Iterator[Any]:
    """The raw asset's body: every partition of the run (or the unpartitioned source),
    one materialization and one check evaluation each; the step fails at the end if any
    partition failed."""
    if source.pii and (warning := demo_key_warning()):
        context.log.warning(warning)
    keys: Sequence[str | None] = list(context.partition_keys) if context.has_partition_key_range or \
        context.has_partition_key else [None]
    outcomes: list[Outcome] = []
    for index, key in enumerate(keys, start=1):
        outcome = ingest_partition(context, source, settings, key, reuse=reuse)
        outcomes.append(outcome)
        if outcome.status != "unchanged":  # it read the files (a failed one too)
            release_memory()
        if key is not None:
            if outcome.status != "failed":
                yield dg.AssetMaterialization(asset_key=source.asset, partition=key, metadata=outcome.materialization,
                                              tags={FINGERPRINT_TAG: outcome.fingerprint} if outcome.fingerprint else None)
            yield outcome.check
            if len(keys) > 1:
                context.log.info(f"{source.asset}: partition {index} of {len(keys)} ({key}) {outcome.status}")
    failed = [o for o in outcomes if o.status == "failed"]
    summary = ", ".join(f"{sum(o.status == s for o in outcomes)} {s}" for s in ("gated", "unchanged", "failed"))
    context.log.info(f"{source.asset}: {len(outcomes)} partition(s): {summary}")
    if keys == [None]:
        [outcome] = outcomes
        check = dg.AssetCheckResult(check_name=RAW_CHECK_NAME, passed=outcome.check.passed,
                                    severity=dg.AssetCheckSeverity.ERROR, description=outcome.check.description,
                                    metadata=outcome.check.metadata)
        if outcome.status == "failed":
            yield check
        else:
            yield dg.MaterializeResult(
                metadata=outcome.materialization, check_results=[check],
                data_version=dg.DataVersion(outcome.fingerprint) if outcome.fingerprint else None)
    if failed:
        # The gates rendered their own pages only; the run stops here, and one launched from
        # the UI or a sensor has no refresh command to render the index after it.
        build_index(settings.warehouse_dir)
        raise dg.Failure(
            description="\n".join(o.failure for o in failed if o.failure),
            metadata={"failed_partitions": dg.MetadataValue.json([o.key for o in failed]),
                      **(failed[0].failure_metadata if len(failed) == 1 else {})},
        )
    if keys != [None]:
        # The check's output: its evaluations, one per partition, were yielded above.
        yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(
            dg.AssetCheckKey(dg.AssetKey(source.asset), RAW_CHECK_NAME)))
