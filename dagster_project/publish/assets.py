"""The publish asset: the last step of a refresh, run only when every gate passed."""

import json

import dagster as dg

from dagster_project.catalog import OWNERS, pii_tags
from dagster_project.core.published import PublishedTable
from dagster_project.core.raw_store import RawStore
from dagster_project.dbt.project import dbt_project
from dagster_project.publish.inputs import version_digest, warehouse_inputs_digest
from dagster_project.publish.privacy_gates import (
    RULE_CPR,
    RULE_DIFFERENCE,
    RULE_PII,
    RULE_SMALL_COUNT,
    RULE_UNDECLARED,
    parse_additive,
)
from dagster_project.publish.warehouse import PrivacyGateFailed, current_version, publish
from dagster_project.quality.checks import check_evaluations, mart_suites
from dagster_project.quality.data_docs import build_index
from dagster_project.resources import BUILD_DB_POOL, WarehouseResource
from dagster_project.versioning import code_revision


def published_tables() -> list[PublishedTable]:
    """Models whose dbt meta says ``publish: marts`` or ``publish: restricted``, with their
    ``meta.pii``, the ``meta.count`` declarations of their columns and the counts that add up
    by construction (``meta.additive``)."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    tables = []
    for node in manifest["nodes"].values():
        meta = {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}
        target = meta.get("publish")
        if node["resource_type"] == "model" and target:
            if target not in ("marts", "restricted"):
                raise ValueError(f"model {node['name']}: meta.publish must be 'marts' or 'restricted', not {target!r}")
            declared = {name: _column_meta(column).get("count") for name, column in node["columns"].items()}
            for name, value in declared.items():
                if value is not None and not isinstance(value, bool):
                    raise ValueError(f"model {node['name']}, column {name}: meta.count must be true or false")
            tables.append(PublishedTable(
                name=node.get("alias") or node["name"], schema=node["schema"], database=target,
                pii=bool(meta.get("pii")),
                count_columns=frozenset(n for n, v in declared.items() if v is True),
                not_count_columns=frozenset(n for n, v in declared.items() if v is False),
                additive=parse_additive(node["name"], meta.get("additive"))))
    return sorted(tables, key=lambda t: (t.database, t.name))


def _column_meta(column: dict) -> dict:
    return {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}


PUBLISHED_TABLES = published_tables()


def _checks_of_run(context: dg.AssetExecutionContext) -> list[dict]:
    """Every asset check evaluated in this run, with its verdict."""
    return [{"check": e.asset_check_key.to_user_string(), "passed": bool(e.passed), "severity": e.severity.value}
            for e in check_evaluations(context.instance, context.run_id)]


def gated_assets() -> list[str]:
    """Assets with a blocking mart-style suite that are not published themselves (such as
    int_area__lists_resolved): publishing depends on them, so that their gate, too, stops
    the publish when it fails."""
    published = {t.name for t in PUBLISHED_TABLES}
    return sorted({s["meta"]["dagster"]["asset"] for s in mart_suites()} - published)


PRIVACY_GATES = "privacy_gates"


@dg.asset(
    pool=BUILD_DB_POOL,
    deps=[dg.AssetKey(t.name) for t in PUBLISHED_TABLES] + [dg.AssetKey(name) for name in gated_assets()],
    check_specs=[dg.AssetCheckSpec(
        PRIVACY_GATES, asset="published_warehouse", blocking=True,
        description=("Privacy gates on the new version before the switch (publish/privacy_gates.py): "
                     f"'{RULE_CPR}'; '{RULE_SMALL_COUNT}'; '{RULE_DIFFERENCE}'; '{RULE_UNDECLARED}'; '{RULE_PII}'."))],
    group_name="publish",
    kinds={"duckdb", "parquet"},
    owners=OWNERS,
    # restricted.duckdb holds pseudonymised person-level data once a model is published there.
    tags={"layer": "publish", **pii_tags(any(t.database == "restricted" for t in PUBLISHED_TABLES))},
    description=(
        "Publishes the gated marts for analysts: builds a new version of marts.duckdb, "
        "restricted.duckdb and Parquet exports from the dbt build, switches the warehouse to it "
        "in one atomic step and logs the publish (run, code revision, source checksums, checks). "
        "Runs only if every blocking check upstream passed in this run. Each published model gets "
        "an observation naming the version that holds it."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    # The mart checks of this run rendered their pages only: the Data Docs index lists them now.
    build_index(settings.warehouse_dir)
    checks = _checks_of_run(context)
    failed = [c["check"] for c in checks if not c["passed"] and c["severity"] == "ERROR"]
    if failed:
        # Blocking checks already stop this step; this guards against a check without `blocking`.
        raise dg.Failure(description=f"not publishing: checks failed in this run: {', '.join(failed)}")
    sources = [
        {"asset": s["asset"], "partition": s["partition"], "file": f["file"], "sha256": f["sha256"],
         "gated_in_run": s["run_id"]}
        for s in RawStore(settings.raw_dir).sidecars() for f in s["sources"]
    ]
    previous = current_version(settings.warehouse_dir)
    digest = warehouse_inputs_digest(settings)
    if previous and version_digest(settings.warehouse_dir, previous) == digest:
        # The same inputs and code give the same tables: a new version would only repeat it.
        context.log.info(f"inputs and code unchanged since version {previous}: nothing published")
        yield dg.MaterializeResult(data_version=dg.DataVersion(previous), metadata={
            "version": previous, "published": False,
            "reason": "inputs and code unchanged since this version (publish/inputs.py)",
            "inputs_digest": digest})
        yield _privacy_check_unchanged(previous)
        return
    try:
        result = publish(
            build_db=settings.build_db,
            warehouse_dir=settings.warehouse_dir,
            tables=PUBLISHED_TABLES,
            run_id=context.run_id,
            code_revision=code_revision(),
            sources=sources,
            checks=checks,
            keep_versions=settings.keep_versions,
            inputs_digest=digest,
            restricted_group=settings.restricted_group,
        )
    except PrivacyGateFailed as failed:
        context.log.error(str(failed))
        yield _privacy_check(failed.report)
        raise dg.Failure(description=f"not publishing, nothing was switched: {failed}") from None
    context.log.info(f"published version {result.version} to {settings.warehouse_dir}")
    for table in PUBLISHED_TABLES:
        # The figures an analyst reads in this version are this run's materialization of the model.
        context.log_event(dg.AssetObservation(
            asset_key=dg.AssetKey(table.name),
            metadata={
                "published_version": result.version,
                "published_to": f"{table.database}.duckdb",
                "published_rows": dg.MetadataValue.int(result.tables[table.name]),
                "published_path": dg.MetadataValue.path(str(result.path / f"{table.database}.duckdb")),
            },
        ))
    yield dg.MaterializeResult(
        # The published version is this asset's data version: the UI shows it on the asset.
        data_version=dg.DataVersion(result.version),
        metadata={
            "version": result.version,
            "previous_version": previous or "(none)",
            "marts_db": dg.MetadataValue.path(str(result.marts_db)),
            "version_path": dg.MetadataValue.path(str(result.path)),
            "tables": dg.MetadataValue.json(result.tables),
            "checks_passed": sum(1 for c in checks if c["passed"]),
            # Every gate's validation of this run, on the documentation server (`make docs`).
            "data_docs": dg.MetadataValue.url(settings.docs_url("data_docs/index.html")),
            "source_files": len(sources),
            "code_revision": code_revision(),
            "engine": settings.engine,  # what ran the dbt build (BOLIGSOCIAL_ENGINE)
            "published": True,
            "inputs_digest": digest,
        }
    )
    yield _privacy_check(result.privacy)


def _privacy_check_unchanged(version: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(check_name=PRIVACY_GATES, passed=True, severity=dg.AssetCheckSeverity.ERROR,
                               description=f"nothing new published: version {version}, which passed these gates "
                                           "when it was published, stays current")


def _privacy_check(report) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=PRIVACY_GATES,
        passed=report.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=report.message() if not report.passed else "no CPR number, no count of 1-4, none by differencing, "
                                                               "no undeclared count, person-level facts only in "
                                                               "restricted.duckdb",
        metadata={**report.summary(), "violations": dg.MetadataValue.json([str(v) for v in report.violations]),
                  "seconds": round(report.seconds, 3)},
    )
