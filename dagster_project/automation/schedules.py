"""The monthly full refresh, as a Dagster schedule.

Dagster cannot put assets with different partitions in one run, so the scheduled job
is a single op that performs the full refresh as a sequence of runs in the same
instance (full_refresh.py), exactly as `python -m dagster_project refresh` does."""

import dagster as dg

from dagster_project.automation.full_refresh import run_full_refresh
from dagster_project.resources import WarehouseResource


@dg.op(description="Ingest every raw partition, rebuild, gate and publish the warehouse.")
def full_refresh_op(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> None:
    from dagster_project.definitions import defs  # the op runs the jobs these definitions hold

    report = run_full_refresh(defs, context.instance, warehouse.settings(), progress=context.log.info,
                              tags={"boligsocial/parent_run_id": context.run_id})
    context.log.info(f"full refresh done: {len(report.runs)} runs in {report.seconds:.1f} s")


@dg.job(name="full_refresh", executor_def=dg.in_process_executor,
        description="Full refresh of the warehouse: every raw partition, then dbt, gates and publish.")
def full_refresh_job() -> None:
    full_refresh_op()


monthly_full_refresh = dg.ScheduleDefinition(
    name="monthly_full_refresh",
    job=full_refresh_job,
    cron_schedule="0 4 1 * *",
    execution_timezone="Europe/Copenhagen",
    description="Full refresh at 04:00 Copenhagen time on the first day of every month.",
)
