"""The code location: `dagster dev -w workspace.yaml` loads `defs`. Everything in it is
built from the source registry (sources/registry.py) and the dbt manifest."""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.jobs import ALL_JOBS
from dagster_project.automation.schedules import monthly_full_refresh
from dagster_project.automation.sensors import landing_sensor, refresh_chain
from dagster_project.dbt.assets import dbt_models
from dagster_project.dbt.project import ProjectDbtCliResource, dbt_executable, dbt_project
from dagster_project.docs.assets import published_docs
from dagster_project.publish.assets import published_warehouse
from dagster_project.quality.checks import mart_checks
from dagster_project.quality.list_check import list_check
from dagster_project.reports.assets import effects_forest_plot
from dagster_project.resources import WarehouseResource
from dagster_project.sources.raw_assets import RAW_ASSETS

defs = dg.Definitions(
    # Every asset links to the code that defines it (the UI's code references).
    assets=dg.with_source_code_references([*RAW_ASSETS, dbt_models, published_warehouse, effects_forest_plot,
                                                 published_docs]),
    asset_checks=[*mart_checks(), list_check],
    jobs=ALL_JOBS,
    schedules=[monthly_full_refresh],
    sensors=[landing_sensor, refresh_chain],
    resources={
        "dbt": ProjectDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        "warehouse": WarehouseResource(),
    },
    # DuckDB allows one writing process: a run's steps run in its own process, in order.
    executor=dg.in_process_executor,
)
