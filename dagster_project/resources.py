"""Dagster resources. Paths default to the environment (dagster_project/settings.py) and
are resolved when a run starts, so one set of definitions serves every environment."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import dagster as dg

from dagster_project.settings import Settings, get_settings


# The concurrency pool of every step that opens the dbt build database (DuckDB allows one
# writing process, and no reader beside it): dbt, the mart gates, publish. The instance
# limits it to one step at a time across all runs (concurrency.pools.default_limit: 1 in
# the dagster.yaml the commands write), so runs a UI backfill starts side by side queue
# for the database instead of failing on its lock.
BUILD_DB_POOL = "warehouse_build_db"


class WarehouseResource(dg.ConfigurableResource):
    """Where landing files, the gated raw layer, the dbt build and the published
    warehouse live. Leave a field unset to use its environment variable or default."""

    landing_dir: str | None = None
    work_dir: str | None = None
    warehouse_dir: str | None = None

    def settings(self) -> Settings:
        settings = get_settings()
        overrides = {k: Path(v).resolve() for k, v in
                     (("landing_dir", self.landing_dir), ("work_dir", self.work_dir),
                      ("warehouse_dir", self.warehouse_dir)) if v}
        return replace(settings, **overrides)
