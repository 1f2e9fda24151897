"""Blocking asset checks on the marts, one per suite in ``expectations/`` whose
``meta.dagster.layer`` is not 'raw' (raw suites run inside the raw assets).

Each suite names its asset, its check and the SQL that produces the frame it validates
(``meta.batch.sql``, run against the dbt build database through a read-only connection;
``{raw_dir}`` is replaced by the raw layer's path), the columns that name a failing row
(``meta.batch.key``; a frame that carries ``_source_file``/``_source_locator`` also names
the landing file and row), optionally the landing file's column a frame column stands for
(``meta.batch.column_labels``, for messages) and the reference data it needs (``meta.parameters``, resolved
by ``quality/parameters.py``). Every validation is rendered as a Data Docs page.
"""

import json
import time
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.quality.data_docs import record_validation
from dagster_project.quality.gx_runner import GateResult, validate_frame
from dagster_project.quality.metadata import gate_metadata
from dagster_project.quality.parameters import shared_parameters
from dagster_project.resources import BUILD_DB_POOL, WarehouseResource
from dagster_project.settings import EXPECTATIONS_DIR


def mart_suites() -> list[dict]:
    suites = []
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec.get("meta", {}).get("dagster", {}).get("layer", "raw") != "raw":
            suites.append(spec)
    return suites


def run_mart_suite(spec: dict, build_db: Path, raw_dir: Path) -> GateResult:
    """Validate the frame a mart suite's SQL selects from the build database."""
    meta = spec["meta"]
    with duckdb.connect(str(build_db), read_only=True) as con:
        frame = con.sql(meta["batch"]["sql"].replace("{raw_dir}", raw_dir.as_posix())).df()
    return validate_frame(frame, spec["name"], subject=meta["dagster"]["asset"],
                          key_columns=meta["batch"].get("key", []),
                          column_labels=meta["batch"].get("column_labels", {}),
                          parameters=shared_parameters(meta.get("parameters", {})))


def build_mart_check(spec: dict) -> dg.AssetChecksDefinition:
    suite = spec["name"]
    meta = spec["meta"]
    asset = meta["dagster"]["asset"]

    @dg.asset_check(
        pool=BUILD_DB_POOL,
        asset=dg.AssetKey(asset),
        name=meta["dagster"].get("check", f"gx_{suite}"),
        blocking=True,
        description=f"{meta.get('description', '')} (Great Expectations suite expectations/{suite}.json)",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        settings = warehouse.settings()
        started = time.perf_counter()
        gate = run_mart_suite(spec, settings.build_db, settings.raw_dir)
        # The site index (which reads every stored result) is rendered by the publish step
        # once the checks have run, or here by a check that failed: publish will not run.
        page = record_validation(gate, warehouse_dir=settings.warehouse_dir, run_id=context.run.run_id, batch=asset,
                                 asset=asset, build_index=not gate.success)
        if not gate.success:
            context.log.error(gate.message())
        return dg.AssetCheckResult(
            passed=gate.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=gate.headline(),
            metadata={**gate_metadata(gate, page), "seconds": round(time.perf_counter() - started, 3)},
        )

    return _check


def mart_checks() -> list[dg.AssetChecksDefinition]:
    return [build_mart_check(spec) for spec in mart_suites()]
