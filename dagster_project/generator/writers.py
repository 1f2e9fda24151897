"""Writers: the synthetic world, written exactly as each provider delivers its file
(docs/source_contracts.md). Everything here is the provider's side of the contract."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import xlsxwriter

from dagster_project.generator.world import Plan, World
from dagster_project.sources.lbf.readers import GRANT_FILES, S1A_COLUMNS, S1B_COLUMNS, S1B_SHEET
from dagster_project.sources.register.readers import (
    AREA_COLUMNS,
    AREAS_FILE,
    ESTATE_COLUMNS,
    ESTATES_FILE,
)


def danish_amount(ore: int) -> str:
    """123456750 øre -> '1.234.567,50'."""
    sign = "-" if ore < 0 else ""
    kroner, rest = divmod(abs(ore), 100)
    return f"{sign}{kroner:,}".replace(",", ".") + f",{rest:02d}"


def kroner(ore: int) -> float:
    """øre as a kroner number with at most two decimals (exact in a double below 2**53 øre)."""
    return round(ore / 100, 2)


def _organisations(plan: Plan) -> list[str]:
    return [o.name for o in plan.organisations]


def write_grants_2011_14(world: World, landing_dir: Path) -> Path:
    path = landing_dir / GRANT_FILES["2011-14"]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(S1A_COLUMNS)
    for plan in world.plans["2011-14"]:
        writer.writerow([
            plan.plan_id, plan.name, " / ".join(_organisations(plan)),
            ",".join(e.estate_id for e in plan.estates), plan.municipality_code,
            danish_amount(plan.lbf_ore), danish_amount(plan.municipality_ore), danish_amount(plan.housing_org_ore),
            plan.start.strftime("%d-%m-%Y"), plan.end.strftime("%d-%m-%Y"),
            "|".join(line.focus_area for line in plan.lines),
        ])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def write_grants_2015_18(world: World, landing_dir: Path) -> Path:
    path = landing_dir / GRANT_FILES["2015-18"]
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    # A fixed creation time keeps the file byte-for-byte reproducible.
    workbook.set_properties({"created": dt.datetime(2019, 1, 15, 9, 0, 0), "author": "Landsbyggefonden"})
    sheet = workbook.add_worksheet(S1B_SHEET)
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, S1B_COLUMNS)
    row = 1
    for plan in world.plans["2015-18"]:
        for line in plan.lines:
            sheet.write_row(row, 0, [plan.plan_id, plan.name, " / ".join(_organisations(plan)),
                                     plan.municipality_code, ";".join(e.estate_id for e in plan.estates),
                                     line.focus_area])
            sheet.write_number(row, 6, kroner(line.lbf_ore), money_format)
            sheet.write_number(row, 7, kroner(line.municipality_ore), money_format)
            sheet.write_number(row, 8, kroner(line.housing_org_ore), money_format)
            sheet.write_datetime(row, 9, dt.datetime.combine(plan.start, dt.time()), date_format)
            sheet.write_datetime(row, 10, dt.datetime.combine(plan.end, dt.time()), date_format)
            row += 1
    workbook.close()
    return path


def write_grants_2019_26(world: World, landing_dir: Path) -> Path:
    path = landing_dir / GRANT_FILES["2019-26"]
    document = {
        "pulje": "2019-26",
        "udtrukket": "2026-10-01T06:00:00+02:00",
        "helhedsplaner": [
            {
                "id": plan.plan_id,
                "navn": plan.name,
                "kommunekode": plan.municipality_code,
                "boligorganisationer": _organisations(plan),
                "afdelinger": [{"id": e.estate_id, "navn": f"Afd. {e.estate_id[-3:]} {e.organisation.name}"}
                               for e in plan.estates],
                "periode": {"start": plan.start.isoformat(), "slut": plan.end.isoformat()},
                "indsatsomraader": [
                    {"navn": line.focus_area,
                     "budget": {"lbf": kroner(line.lbf_ore), "kommune": kroner(line.municipality_ore),
                                "boligorganisation": kroner(line.housing_org_ore)}}
                    for line in plan.lines
                ],
            }
            for plan in world.plans["2019-26"]
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_register(world: World, landing_dir: Path) -> list[Path]:
    areas_path, estates_path = landing_dir / AREAS_FILE, landing_dir / ESTATES_FILE
    areas_path.parent.mkdir(parents=True, exist_ok=True)
    with open(areas_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(AREA_COLUMNS)
        for area in world.areas:
            writer.writerow([area.area_id, area.name, area.municipality_code])
    with open(estates_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ESTATE_COLUMNS)
        for estate in world.estates:
            writer.writerow([estate.estate_id, estate.organisation.name, estate.area_id, estate.dwellings,
                             estate.built_year])
    return [areas_path, estates_path]
