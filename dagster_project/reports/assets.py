"""Assets after every publish: the forest plot of the published effects and the evaluation
report of the published version."""

import base64
import json
import os

import dagster as dg

from dagster_project.catalog import after_publish
from dagster_project.docs.site import EVALUATION, version_dir
from dagster_project.publish.warehouse import MARTS_DB, VERSIONS, current_version
from dagster_project.reports.evaluation import build_report, read_inputs, suspicion_targets_of
from dagster_project.reports.forest_plot import draw, read_primary_effects, with_truth
from dagster_project.reports.truth import true_area_effects, true_effects, truth_file
from dagster_project.resources import WarehouseResource

FIGURE = "figures/aktivitet_effekter_forest.png"
TRUTH_LABEL = "true effect on the treated (validation: generator's truth)"


@after_publish(
    kinds={"python", "matplotlib"},
    description=(
        "Forest plot of the activities' effects on their primary outcome in the participation year and one "
        "and two years after: the naive comparison and the matched estimate (coarsened exact matching, ATT) "
        "with 95 % intervals, read from rpt_aktivitet_effekter in the published marts.duckdb. Where the "
        "generator's truth exists (the embedded default only) the true effect on the treated is drawn beside "
        "them as validation. A PNG under the warehouse directory (figures/); docs/effects.md explains it."
    ),
)
def effects_forest_plot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    version = current_version(settings.warehouse_dir)
    effects = read_primary_effects(settings.warehouse_dir / MARTS_DB)
    truth = true_effects(settings.truth_dir)
    plotted = with_truth(effects, truth)
    path = draw(plotted, settings.warehouse_dir / FIGURE,
                title=f"Effects of the activities on their primary outcome (published version {version})",
                truth_label=TRUTH_LABEL if truth is not None else None)
    image = base64.b64encode(path.read_bytes()).decode("ascii")
    context.log.info(f"forest plot of {len(effects)} rows written to {path}")
    return dg.MaterializeResult(metadata={
        "plot": dg.MetadataValue.md(f"![forest plot of the activities' effects](data:image/png;base64,{image})"),
        "path": dg.MetadataValue.path(str(path)),
        "published_version": version or "(none)",
        "rows": len(effects),
        "suppressed_rows": int(effects["is_suppressed"].sum()),
        "truth": (dg.MetadataValue.path(str(truth_file(settings.truth_dir))) if truth is not None
                  else "none: real data have no truth"),
        "docs": dg.MetadataValue.path("docs/effects.md"),
    })


@after_publish(
    kinds={"python", "html"},
    description=(
        "Evaluation report of the published version: one self-contained HTML page (inline CSS, figures as "
        "data URIs, nothing fetched from a network) with the headline effects and their intervals (and the "
        "generator's truth where one exists), the forest plot, the area trend, the cohort event studies, the "
        "list counts by year, and the version's code revision and landing files. Written to "
        "reports/<version>/evaluation.html under the warehouse directory; docs/effects.md explains it."
    ),
)
def evaluation_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    version = current_version(settings.warehouse_dir)
    if version is None:
        raise dg.Failure(description=f"no published version in {settings.warehouse_dir}: nothing to report on")
    manifest_path = settings.truth_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    inputs = read_inputs(settings.warehouse_dir / VERSIONS / version, truth=true_effects(settings.truth_dir),
                         area_truth=true_area_effects(settings.truth_dir),
                         suspicion_targets=suspicion_targets_of(manifest))
    page = build_report(inputs)
    path = version_dir(settings.warehouse_dir, version) / EVALUATION  # served by make docs beside the dictionary
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, path)
    context.log.info(f"evaluation report of version {version} written to {path}")
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.url(path.as_uri()),
        "path": dg.MetadataValue.path(str(path)),
        "published_version": version,
        "bytes": len(page.encode("utf-8")),
        "headline_rows": len(inputs.effects),
        "truth": (dg.MetadataValue.path(str(truth_file(settings.truth_dir))) if inputs.truth is not None
                  else "none: real data have no truth"),
        "docs": dg.MetadataValue.path("docs/effects.md"),
    })
