"""Blocking asset checks on the marts, one per suite in ``expectations/`` whose
``meta.dagster.layer`` is not 'raw' (raw suites run inside the raw assets).

Each suite names its asset, its check and the dbt model that is the frame it validates
(``meta.batch.model``: a view in ``dbt/models/gates/``, built by ``dbt build`` with
everything else and selected here from the build database through a read-only
connection), the columns that name a failing row (``meta.batch.key``; a frame that
carries ``_source_file``/``_source_locator`` also names the landing file and row),
optionally the landing file's column a frame column stands for
(``meta.batch.column_labels``, for messages) and the reference data it needs
(``meta.parameters``, resolved by ``quality/parameters.py``). The gate model's relation
and asset key come from the dbt manifest and the dbt translator, which the code location
passes in (``mart_checks``): this module stays below the dbt layer. The check depends
on its gate model in Dagster, so lineage shows what it reads. Every validation is
rendered as a Data Docs page.
"""

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from dagster_project.quality.data_docs import record_validation
from dagster_project.quality.gx_runner import GateResult, validate_frame
from dagster_project.quality.metadata import gate_metadata
from dagster_project.quality.parameters import shared_parameters
from dagster_project.resources import BUILD_DB_POOL, WarehouseResource
from dagster_project.settings import EXPECTATIONS_DIR

# The dbt folder (and Dagster group) of the gate models.
GATES_LAYER = "gates"


def mart_suites() -> list[dict]:
    suites = []
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec.get("meta", {}).get("dagster", {}).get("layer", "raw") != "raw":
            suites.append(spec)
    return suites


def gate_model(spec: Mapping[str, Any], manifest: Mapping[str, Any]) -> Mapping[str, Any]:
    """The dbt node (of the manifest) of the gate model a mart suite names in ``meta.batch.model``."""
    name = spec["meta"]["batch"]["model"]
    found = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == name]
    if len(found) != 1:
        raise LookupError(f"expectations/{spec['name']}.json: meta.batch.model names {name!r}, which is "
                          f"{'not a model' if not found else 'several models'} of the dbt project "
                          f"(gate models live in dbt/models/{GATES_LAYER}/)")
    return found[0]


def run_mart_suite(spec: dict, build_db: Path, relation: str) -> GateResult:
    """Validate the frame of a mart suite: its gate model's ``relation``, selected from the build database."""
    meta = spec["meta"]
    with duckdb.connect(str(build_db), read_only=True) as con:
        frame = con.sql(f"select * from {relation}").df()
    return validate_frame(frame, spec["name"], subject=meta["dagster"]["asset"],
                          key_columns=meta["batch"].get("key", []),
                          column_labels=meta["batch"].get("column_labels", {}),
                          parameters=shared_parameters(meta.get("parameters", {})))


def check_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """Every asset check evaluated in the run (dbt tests included), in the order they ran."""
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return [r.dagster_event.event_specific_data for r in records]


def blocks_publish(evaluation: dg.AssetCheckEvaluation) -> bool:
    """A failed check of severity ERROR: it stops the publish. A warning (the list check, a
    dbt test with severity warn) does not."""
    return not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR


def build_mart_check(spec: dict, model: Mapping[str, Any], model_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    """The check of a mart suite, on the frame of its gate ``model`` (a manifest node),
    whose asset ``model_key`` it depends on."""
    suite = spec["name"]
    meta = spec["meta"]
    asset = meta["dagster"]["asset"]
    relation = model["relation_name"]

    @dg.asset_check(
        pool=BUILD_DB_POOL,
        asset=dg.AssetKey(asset),
        name=meta["dagster"].get("check", f"gx_{suite}"),
        blocking=True,
        additional_deps=[model_key],
        description=f"{meta.get('description', '')} (Great Expectations suite expectations/{suite}.json, "
                    f"on the dbt model {model['name']})",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        settings = warehouse.settings()
        started = time.perf_counter()
        gate = run_mart_suite(spec, settings.build_db, relation)
        # The site index (which reads every stored result) is rendered by the publish step
        # once the checks have run, or here once a check of the run has failed with severity
        # ERROR: publish will not run, and a run launched from the UI has no refresh command
        # to render it after.
        blocked = not gate.success or any(map(blocks_publish, check_evaluations(context.instance, context.run.run_id)))
        page = record_validation(gate, warehouse_dir=settings.warehouse_dir, run_id=context.run.run_id, batch=asset,
                                 asset=asset, build_index=blocked)
        if not gate.success:
            context.log.error(gate.message())
        return dg.AssetCheckResult(
            passed=gate.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=gate.headline(),
            metadata={**gate_metadata(gate, page), "seconds": round(time.perf_counter() - started, 3)},
        )

    return _check


def mart_checks(manifest: Mapping[str, Any],
                asset_key_of: Callable[[Mapping[str, Any]], dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    """Every mart suite's check, its gate model found in the dbt ``manifest`` and keyed by
    ``asset_key_of`` (the dbt translator's)."""
    checks = []
    for spec in mart_suites():
        model = gate_model(spec, manifest)
        checks.append(build_mart_check(spec, model, asset_key_of(model)))
    return checks
