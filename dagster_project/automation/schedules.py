"""The monthly full refresh, as a Dagster schedule.

A tick reconciles the raw layer with the landing directory (automation/inventory.py)
and requests the refresh's first run, `ingest_unpartitioned_sources`; refresh_chain
(automation/sensors.py) then requests the rest of the plan as runs succeed: every
partitioned source over all its partitions, then `refresh_warehouse`. Every run goes
through the instance's run queue; no run starts another. The same plan as the refresh
command's (automation/plan.py), with the same gates and the same publish.
"""

from __future__ import annotations

import dagster as dg

from dagster_project.automation.inventory import reconcile, take_inventory, unknown_message
from dagster_project.automation.jobs import ingest_unpartitioned_job
from dagster_project.automation.lock import RefreshBusy, refresh_lock
from dagster_project.automation.plan import TRIGGER_TAG, full_refresh
from dagster_project.automation.sensors import PLAN_TAG, busy_reason, run_request
from dagster_project.automation.state import ordered_partitions
from dagster_project.resources import WarehouseResource

TRIGGER = "schedule"


@dg.schedule(
    name="monthly_full_refresh",
    job=ingest_unpartitioned_job,
    cron_schedule="0 4 1 * *",
    execution_timezone="Europe/Copenhagen",
    description="Full refresh at 04:00 Copenhagen time on the first day of every month: every raw source, then dbt, "
                "the gates and publish, run by run through the run queue (refresh_chain carries it on).",
)
def monthly_full_refresh(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    if reason := busy_reason(settings, context.instance):
        return dg.SkipReason(f"not refreshing: {reason}")
    inventory = take_inventory(settings.landing_dir)
    if inventory.unknown:
        context.log.error(unknown_message(inventory))
        return dg.SkipReason(f"not refreshing: files no source contract knows: {', '.join(inventory.unknown)}")
    try:
        with refresh_lock(settings.work_dir):
            for line in reconcile(settings, context.instance, inventory).lines():
                context.log.info(line)
    except RefreshBusy as busy:
        return dg.SkipReason(f"not refreshing: {busy}")
    plan = full_refresh(ordered_partitions(context.instance))
    when = context.scheduled_execution_time
    refresh_id = f"schedule-{when:%Y%m%dT%H%M}"
    first = next(r for r in plan if r.job == ingest_unpartitioned_job.name)
    return run_request(first, refresh_id, {TRIGGER_TAG: TRIGGER, PLAN_TAG: ",".join(r.job for r in plan)})
