"""Raw assets for the area and estate register (S2)."""

import dagster as dg

from dagster_project.quality import parameters
from dagster_project.resources import WarehouseResource
from dagster_project.sources.ingest import OWNERS, ingest, raw_check_spec
from dagster_project.sources.register.readers import AREAS_FILE, ESTATES_FILE, read_areas, read_estates


@dg.asset(
    check_specs=[raw_check_spec("raw_register_areas")],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S2", "pii": "false"},
    description="The register of almene boligområder: id, name and kommune of every area (S2).",
    metadata={"landing_files": dg.MetadataValue.json([AREAS_FILE])},
)
def raw_register_areas(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    path = settings.landing_dir / AREAS_FILE
    yield from ingest(context, asset="raw_register_areas", partition=None, landing_dir=settings.landing_dir,
                      raw_dir=settings.raw_dir, files=[path], read=lambda: read_areas(path, settings.landing_dir),
                      parameters=parameters.raw_register_areas())


@dg.asset(
    check_specs=[raw_check_spec("raw_register_estates")],
    # The gate checks every estate's area against the gated area register.
    deps=[raw_register_areas],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S2", "pii": "false"},
    description="The register of boligafdelinger: owner, area, dwellings and year built of every estate (S2).",
    metadata={"landing_files": dg.MetadataValue.json([ESTATES_FILE])},
)
def raw_register_estates(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    path = settings.landing_dir / ESTATES_FILE
    yield from ingest(context, asset="raw_register_estates", partition=None, landing_dir=settings.landing_dir,
                      raw_dir=settings.raw_dir, files=[path], read=lambda: read_estates(path, settings.landing_dir),
                      parameters=parameters.raw_register_estates(settings.raw_dir))
