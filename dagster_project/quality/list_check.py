"""The list check as a warning in the run: every row of rpt_omraade_listekontrol (a
disagreement between the government's published list and the list rules applied to the
official indicators, with the criterion that differs) is listed on a non-blocking asset
check of severity WARN, and logged as a warning.

A disagreement is not a failure of the refresh: the published list is the government's
decision, and the report is how analysts see where it departs from the rules or from
the indicators. The report's own gate (expectations/rpt_omraade_listekontrol.json) is
blocking: it fails when the report is incomplete or malformed, not when it has rows.
"""

# Dagster reads the context annotation at definition time: no `from __future__ import annotations`.
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.resources import BUILD_DB_POOL, WarehouseResource

REPORT = "rpt_omraade_listekontrol"
CHECK_NAME = "list_check"
MAX_LISTED = 50
COLUMNS = ("list_year", "area_id", "area_name", "disagreement", "published_category", "computed_category",
           "criterion", "official_value", "list_value", "explanation")


def disagreements(build_db: Path) -> tuple[list[dict], dict[str, int]]:
    """The report's rows, and what the check covered (list years and area-years)."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.sql(f"select {', '.join(COLUMNS)} from reports.{REPORT} "
                       "order by list_year, area_id, criterion").fetchall()
        years, area_years = con.sql(
            "select count(distinct list_year), count(*) from intermediate.int_area__lists_rules "
            "where list_delivered").fetchone()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows], {"list_years": years, "area_years": area_years}


def describe(row: dict) -> str:
    published = row["published_category"] or "not listed"
    computed = row["computed_category"] or "not listed"
    return (f"{row['list_year']} {row['area_id']} ({row['area_name']}): list says {published}, "
            f"the rules say {computed}; criterion {row['criterion']}: {row['explanation']}")


def _table(rows: list[dict]) -> str:
    header = "| year | area | kind | published | computed | criterion | official | list |\n|---|---|---|---|---|---|---|---|"
    lines = [f"| {r['list_year']} | {r['area_id']} {r['area_name']} | {r['disagreement']} | "
             f"{r['published_category'] or '-'} | {r['computed_category'] or '-'} | {r['criterion']} | "
             f"{'..' if r['official_value'] is None else r['official_value']} | "
             f"{'-' if r['list_value'] is None else r['list_value']} |" for r in rows[:MAX_LISTED]]
    more = [f"\n... and {len(rows) - MAX_LISTED} more rows in {REPORT}"] if len(rows) > MAX_LISTED else []
    return "\n".join([header, *lines, *more])


@dg.asset_check(
    pool=BUILD_DB_POOL,
    asset=dg.AssetKey(REPORT),
    name=CHECK_NAME,
    blocking=False,
    description=("The government's lists agree with the list rules (docs/list_rules.md) applied to the official "
                 "indicators (S4): every disagreement in rpt_omraade_listekontrol, with the criterion that differs, "
                 "is listed here as a warning. Non-blocking: a disagreement does not stop the publish."),
)
def list_check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    rows, covered = disagreements(warehouse.settings().build_db)
    area_years = sorted({(r["list_year"], r["area_id"]) for r in rows})
    for row in rows:
        context.log.warning(f"list check: {describe(row)}")
    headline = (f"the lists of {covered['list_years']} years agree with the rules for all {covered['area_years']} "
                "area-years" if not rows else
                f"{len(area_years)} area-year(s) where the published list and the rules disagree "
                f"({len(rows)} criterion rows in {REPORT})")
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        description=headline,
        metadata={
            "disagreements": dg.MetadataValue.int(len(area_years)),
            "rows": dg.MetadataValue.int(len(rows)),
            "list_years_checked": dg.MetadataValue.int(covered["list_years"]),
            "area_years_checked": dg.MetadataValue.int(covered["area_years"]),
            "criteria": dg.MetadataValue.json(sorted({r["criterion"] for r in rows})),
            "disagreement_rows": dg.MetadataValue.md(_table(rows) if rows else "no disagreement"),
        },
    )
