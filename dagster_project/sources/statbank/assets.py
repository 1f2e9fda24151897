"""Raw asset for Statistics Denmark's FOLK1A (S7): from the Statbank API when
BOLIGSOCIAL_STATBANK_URL is set, else from the bundled snapshot in the landing directory."""
# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.

import dagster as dg

from dagster_project.quality import parameters
from dagster_project.resources import WarehouseResource
from dagster_project.sources.ingest import OWNERS, ingest, raw_check_spec
from dagster_project.sources.statbank.client import URL_VARIABLE, StatbankClient, StatbankError, statbank_url
from dagster_project.sources.statbank.readers import SNAPSHOT_FILE, SOURCE_COLUMN_NAMES, TABLE, read_folk1a_snapshot


@dg.asset(
    check_specs=[raw_check_spec("raw_statbank_folk1a")],
    group_name="sources",
    kinds={"python", "parquet"},
    owners=OWNERS,
    tags={"source": "S7", "provider": "Danmarks_Statistik", "pii": "false"},
    description=(
        "Population by kommune and quarter (Statbank table FOLK1A), the national reference "
        f"series. Fetched from the Statbank API (POST <base>/v1/data) when {URL_VARIABLE} is "
        f"set; otherwise read from the bundled snapshot {SNAPSHOT_FILE}, which has the API's "
        "answer format."
    ),
    metadata={"landing_files": dg.MetadataValue.json([SNAPSHOT_FILE]), "statbank_table": TABLE},
)
def raw_statbank_folk1a(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    url = statbank_url()
    if url:
        client = StatbankClient(url)
        context.log.info(f"fetching {TABLE} from {client.data_url}")
        files, read, subject = [], client.folk1a, f"POST {client.data_url} table {TABLE}"
    else:
        path = settings.landing_dir / SNAPSHOT_FILE
        files, read, subject = [path], (lambda: read_folk1a_snapshot(path, settings.landing_dir)), None
    try:
        yield from ingest(context, asset="raw_statbank_folk1a", partition=None, landing_dir=settings.landing_dir,
                          raw_dir=settings.raw_dir, files=files, read=read, subject=subject,
                          parameters=parameters.raw_statbank_folk1a(), column_labels=SOURCE_COLUMN_NAMES)
    except StatbankError as exc:
        context.log.error(str(exc))
        raise dg.Failure(description=f"raw_statbank_folk1a: {exc}",
                         metadata={"url": exc.url, "status": str(exc.status or ""), "body_excerpt": exc.excerpt or ""}
                         ) from None
