"""The Dagster code location: `dagster dev -w workspace.yaml` loads `defs`."""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.jobs import ingest_jobs, refresh_warehouse_job
from dagster_project.automation.schedules import full_refresh_job, monthly_full_refresh
from dagster_project.automation.sensors import landing_sensor, refresh_after_landing
from dagster_project.dbt.assets import dbt_models
from dagster_project.dbt.project import ProjectDbtCliResource, dbt_executable, dbt_project
from dagster_project.publish.assets import published_warehouse
from dagster_project.quality.checks import mart_checks
from dagster_project.quality.list_check import list_check
from dagster_project.reports.assets import effects_forest_plot, evaluation_report
from dagster_project.resources import WarehouseResource
from dagster_project.sources.indicators.assets import raw_area_indicators
from dagster_project.sources.lbf.assets import raw_lbf_grants
from dagster_project.sources.lists.assets import raw_area_lists
from dagster_project.sources.panel.assets import raw_person_years
from dagster_project.sources.participants.assets import raw_participant_registrations
from dagster_project.sources.register.assets import raw_register_areas, raw_register_estates
from dagster_project.sources.statbank.assets import raw_statbank_folk1a

RAW_ASSETS = [
    raw_lbf_grants, raw_register_areas, raw_register_estates, raw_area_lists, raw_area_indicators,
    raw_participant_registrations, raw_person_years, raw_statbank_folk1a,
]

defs = dg.Definitions(
    # Every asset links to the code that defines it (the UI's code references).
    assets=dg.with_source_code_references(
        [*RAW_ASSETS, dbt_models, published_warehouse, effects_forest_plot, evaluation_report]),
    asset_checks=[*mart_checks(), list_check],
    jobs=[*ingest_jobs, refresh_warehouse_job, full_refresh_job],
    schedules=[monthly_full_refresh],
    sensors=[landing_sensor, refresh_after_landing],
    resources={
        "dbt": ProjectDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        "warehouse": WarehouseResource(),
    },
    # DuckDB allows one writing process: steps run in the run's own process, in order.
    executor=dg.in_process_executor,
)
