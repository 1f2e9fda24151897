"""Readers for Landsbyggefonden's grant files (sources S1a, S1b, S1c).

Each round arrives in its own format; each reader returns the same raw shape: one row
per budget line as the provider reports it, amounts in integer øre, with provenance.

| column                         | meaning                                                          |
|--------------------------------|------------------------------------------------------------------|
| funding_round                  | '2011-14', '2015-18' or '2019-26' (the pulje)                    |
| plan_id, plan_name             | the boligsocial helhedsplan                                      |
| housing_organisations          | boligorganisation name(s), '|'-separated                         |
| municipality_code              | kommunekode                                                      |
| estate_ids                     | afdeling ids BBBB-AAA, ','-separated                             |
| budget_scope                   | 'plan' (2011-14: one line per plan) or 'focus_area'               |
| focus_areas                    | indsatsområde name(s) the line covers, '|'-separated             |
| budget_line_id                 | plan_id, or plan_id/focus area: unique within a file             |
| grant_lbf_ore                  | LBF grant, øre                                                   |
| cofinancing_municipality_ore   | kommunal medfinansiering, øre                                    |
| cofinancing_housing_org_ore    | boligorganisationens medfinansiering, øre                        |
| start_date, end_date           | the plan's period                                                |
| plan_local_cofinancing_share   | (kommune + boligorganisation) / total, over the whole plan       |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pandas as pd

from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name, sha256_file
from dagster_project.sources.delimited import first_missing_field
from dagster_project.sources.parsing import (
    check_columns,
    decode_text,
    parse_danish_amount,
    parse_danish_date,
    parse_int,
    require_file,
    require_text,
    utc_now,
    with_provenance,
)

RAW_COLUMNS = (
    "funding_round", "plan_id", "plan_name", "housing_organisations", "municipality_code", "estate_ids",
    "budget_scope", "focus_areas", "budget_line_id", "grant_lbf_ore", "cofinancing_municipality_ore",
    "cofinancing_housing_org_ore", "start_date", "end_date", "plan_local_cofinancing_share",
)

S1A_COLUMNS = (
    "Helhedsplan nr", "Helhedsplan", "Boligorganisation", "Afdelinger", "Kommunenr", "Bevilling kr",
    "Kommunal medfinansiering kr", "Boligorganisationens medfinansiering kr", "Startdato", "Slutdato",
    "Indsatsområder",
)
S1B_COLUMNS = (
    "helhedsplan_id", "navn", "boligorganisation", "kommunekode", "afdeling_ids", "indsatsomraade",
    "budget_lbf_kr", "budget_kommune_kr", "budget_boligorg_kr", "start", "slut",
)
S1B_SHEET = "Bevillinger"

# How each raw column is named in each round's file, so that a gate on the raw shape
# reports the column the provider knows.
SOURCE_COLUMN_NAMES = {
    "2011-14": {"plan_id": "Helhedsplan nr", "plan_name": "Helhedsplan", "housing_organisations": "Boligorganisation",
                "municipality_code": "Kommunenr", "estate_ids": "Afdelinger", "focus_areas": "Indsatsområder",
                "budget_line_id": "Helhedsplan nr", "grant_lbf_ore": "Bevilling kr",
                "cofinancing_municipality_ore": "Kommunal medfinansiering kr",
                "cofinancing_housing_org_ore": "Boligorganisationens medfinansiering kr", "start_date": "Startdato",
                "end_date": "Slutdato",
                "plan_local_cofinancing_share": "Kommunal medfinansiering kr + Boligorganisationens medfinansiering kr"},
    "2015-18": {"plan_id": "helhedsplan_id", "plan_name": "navn", "housing_organisations": "boligorganisation",
                "municipality_code": "kommunekode", "estate_ids": "afdeling_ids", "focus_areas": "indsatsomraade",
                "budget_line_id": "helhedsplan_id + indsatsomraade", "grant_lbf_ore": "budget_lbf_kr",
                "cofinancing_municipality_ore": "budget_kommune_kr", "cofinancing_housing_org_ore": "budget_boligorg_kr",
                "start_date": "start", "end_date": "slut",
                "plan_local_cofinancing_share": "budget_kommune_kr + budget_boligorg_kr"},
    "2019-26": {"plan_id": "id", "plan_name": "navn", "housing_organisations": "boligorganisationer",
                "municipality_code": "kommunekode", "estate_ids": "afdelinger", "focus_areas": "indsatsomraader.navn",
                "budget_line_id": "id + indsatsomraader.navn", "grant_lbf_ore": "budget.lbf",
                "cofinancing_municipality_ore": "budget.kommune", "cofinancing_housing_org_ore": "budget.boligorganisation",
                "start_date": "periode.start", "end_date": "periode.slut",
                "plan_local_cofinancing_share": "budget.kommune + budget.boligorganisation"},
}

GRANT_FILES = {
    "2011-14": "lbf/bevillinger_2011-14.csv",
    "2015-18": "lbf/bevillinger_2015-18.xlsx",
    "2019-26": "lbf/bevillinger_2019-26.json",
}


def read_grants_2011_14(path: Path, landing_dir: Path) -> pd.DataFrame:
    """S1a: cp1252 CSV, ';', Danish numbers and dd-mm-yyyy dates, one row per plan."""
    name = relative_name(path, landing_dir)
    require_file(path, name)
    text = decode_text(path.read_bytes(), name, "cp1252", delimiter=";")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = next(reader, None)
    if not header:
        raise SourceContractError(name, "file must have a header row", row=1)
    check_columns(name, header, S1A_COLUMNS)
    index = {c.strip(): i for i, c in enumerate(header)}
    records, rows, locators = [], [], []
    for fields in reader:
        row = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise SourceContractError(name, f"row must have {len(header)} fields separated by ';'", row=row,
                                      column=first_missing_field(header, fields), value=f"{len(fields)} fields")
        get = {c: fields[i] for c, i in index.items()}
        amounts = {
            key: parse_danish_amount(get[col], name=name, row=row, column=col)
            for key, col in (("grant_lbf_ore", "Bevilling kr"),
                             ("cofinancing_municipality_ore", "Kommunal medfinansiering kr"),
                             ("cofinancing_housing_org_ore", "Boligorganisationens medfinansiering kr"))
        }
        plan_id = require_text(get["Helhedsplan nr"], name=name, row=row, column="Helhedsplan nr")
        records.append({
            "plan_id": plan_id,
            "plan_name": require_text(get["Helhedsplan"], name=name, row=row, column="Helhedsplan"),
            "housing_organisations": require_text(get["Boligorganisation"], name=name, row=row,
                                                  column="Boligorganisation"),
            "municipality_code": parse_int(get["Kommunenr"], name=name, row=row, column="Kommunenr"),
            "estate_ids": _join_ids(get["Afdelinger"].split(","), name=name, row=row, column="Afdelinger"),
            "budget_scope": "plan",
            "focus_areas": _join_names(get["Indsatsområder"].split("|"), name=name, row=row,
                                       column="Indsatsområder"),
            "budget_line_id": plan_id,
            **amounts,
            "start_date": parse_danish_date(get["Startdato"], name=name, row=row, column="Startdato"),
            "end_date": parse_danish_date(get["Slutdato"], name=name, row=row, column="Slutdato"),
        })
        rows.append(row)
        locators.append(f"line {row}")
    return _finish(records, "2011-14", name, path, rows, locators)


def read_grants_2015_18(path: Path, landing_dir: Path) -> pd.DataFrame:
    """S1b: Excel workbook, sheet 'Bevillinger', one row per plan x indsatsområde."""
    name = relative_name(path, landing_dir)
    require_file(path, name)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise SourceContractError(name, "readable Excel workbook (.xlsx)", value=type(exc).__name__) from exc
    try:
        if S1B_SHEET not in workbook.sheetnames:
            raise SourceContractError(name, f"workbook must have a sheet '{S1B_SHEET}'",
                                      value=", ".join(workbook.sheetnames))
        sheet_rows = workbook[S1B_SHEET].iter_rows(values_only=True)
        header = next(sheet_rows, None)
        if not header or all(h is None for h in header):
            raise SourceContractError(name, "sheet must have a header row", row=1)
        header = ["" if h is None else str(h) for h in header]
        while header and header[-1] == "":
            header.pop()
        check_columns(name, header, S1B_COLUMNS)
        index = {c.strip(): i for i, c in enumerate(header)}
        records, rows, locators = [], [], []
        for row, values in enumerate(sheet_rows, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            get = {c: (values[i] if i < len(values) else None) for c, i in index.items()}
            plan_id = require_text(get["helhedsplan_id"], name=name, row=row, column="helhedsplan_id")
            focus_area = require_text(get["indsatsomraade"], name=name, row=row, column="indsatsomraade")
            records.append({
                "plan_id": plan_id,
                "plan_name": require_text(get["navn"], name=name, row=row, column="navn"),
                "housing_organisations": require_text(get["boligorganisation"], name=name, row=row,
                                                      column="boligorganisation"),
                "municipality_code": parse_int(get["kommunekode"], name=name, row=row, column="kommunekode"),
                "estate_ids": _join_ids(str(get["afdeling_ids"] or "").split(";"), name=name, row=row,
                                        column="afdeling_ids"),
                "budget_scope": "focus_area",
                "focus_areas": focus_area,
                "budget_line_id": f"{plan_id}/{focus_area}",
                "grant_lbf_ore": _number_to_ore(get["budget_lbf_kr"], name, row, "budget_lbf_kr"),
                "cofinancing_municipality_ore": _number_to_ore(get["budget_kommune_kr"], name, row,
                                                               "budget_kommune_kr"),
                "cofinancing_housing_org_ore": _number_to_ore(get["budget_boligorg_kr"], name, row,
                                                              "budget_boligorg_kr"),
                "start_date": _excel_date(get["start"], name, row, "start"),
                "end_date": _excel_date(get["slut"], name, row, "slut"),
            })
            rows.append(row)
            locators.append(f"sheet {S1B_SHEET} row {row}")
    finally:
        workbook.close()
    return _finish(records, "2015-18", name, path, rows, locators)


def read_grants_2019_26(path: Path, landing_dir: Path) -> pd.DataFrame:
    """S1c: JSON export of LBF's API, nested plans with a budget per indsatsområde."""
    name = relative_name(path, landing_dir)
    require_file(path, name)
    text = decode_text(path.read_bytes(), name, "utf-8")
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise SourceContractError(name, "valid JSON", row=exc.lineno, value=exc.msg) from exc
    if not isinstance(document, dict):
        raise SourceContractError(name, "top level must be an object", row="$")
    for key in ("pulje", "udtrukket", "helhedsplaner"):
        if key not in document:
            raise SourceContractError(name, "required key is missing", row="$", column=key)
    if document["pulje"] != "2019-26":
        raise SourceContractError(name, "pulje must be '2019-26'", row="$", column="pulje", value=document["pulje"])
    plans = document["helhedsplaner"]
    if not isinstance(plans, list):
        raise SourceContractError(name, "must be a list", row="$", column="helhedsplaner")
    records, rows, locators = [], [], []
    for i, plan in enumerate(plans):
        where = f"$.helhedsplaner[{i}]"
        if not isinstance(plan, dict):
            raise SourceContractError(name, "plan must be an object", row=where)
        for key in ("id", "navn", "kommunekode", "boligorganisationer", "afdelinger", "periode", "indsatsomraader"):
            if key not in plan:
                raise SourceContractError(name, "required key is missing", row=where, column=key)
        plan_id = require_text(plan["id"], name=name, row=where, column="id")
        estates = plan["afdelinger"]
        if not isinstance(estates, list) or not all(isinstance(e, dict) and "id" in e for e in estates):
            raise SourceContractError(name, "afdelinger must be a list of {id, navn}", row=where, column="afdelinger")
        organisations = plan["boligorganisationer"]
        if not isinstance(organisations, list) or not organisations:
            raise SourceContractError(name, "boligorganisationer must be a non-empty list", row=where,
                                      column="boligorganisationer")
        period = plan["periode"] if isinstance(plan["periode"], dict) else {}
        start = _iso_date(period.get("start"), name, where, "periode.start")
        end = _iso_date(period.get("slut"), name, where, "periode.slut")
        focus_lines = plan["indsatsomraader"]
        if not isinstance(focus_lines, list) or not focus_lines:
            raise SourceContractError(name, "indsatsomraader must be a non-empty list", row=where,
                                      column="indsatsomraader")
        for j, line in enumerate(focus_lines):
            line_where = f"{where}.indsatsomraader[{j}]"
            if not isinstance(line, dict) or not isinstance(line.get("budget"), dict):
                raise SourceContractError(name, "indsatsområde must be {navn, budget}", row=line_where)
            focus_area = require_text(line.get("navn"), name=name, row=line_where, column="navn")
            budget = line["budget"]
            records.append({
                "plan_id": plan_id,
                "plan_name": require_text(plan["navn"], name=name, row=where, column="navn"),
                "housing_organisations": _join_names([str(o) for o in organisations], name=name, row=where,
                                                     column="boligorganisationer"),
                "municipality_code": parse_int(plan["kommunekode"], name=name, row=where, column="kommunekode"),
                "estate_ids": _join_ids([str(e["id"]) for e in estates], name=name, row=where, column="afdelinger"),
                "budget_scope": "focus_area",
                "focus_areas": focus_area,
                "budget_line_id": f"{plan_id}/{focus_area}",
                "grant_lbf_ore": _number_to_ore(budget.get("lbf"), name, line_where, "budget.lbf"),
                "cofinancing_municipality_ore": _number_to_ore(budget.get("kommune"), name, line_where,
                                                               "budget.kommune"),
                "cofinancing_housing_org_ore": _number_to_ore(budget.get("boligorganisation"), name, line_where,
                                                              "budget.boligorganisation"),
                "start_date": start,
                "end_date": end,
            })
            rows.append(i + 1)
            locators.append(line_where)
    return _finish(records, "2019-26", name, path, rows, locators)


GRANT_READERS: dict[str, Callable[[Path, Path], pd.DataFrame]] = {
    "2011-14": read_grants_2011_14,
    "2015-18": read_grants_2015_18,
    "2019-26": read_grants_2019_26,
}


def read_grants(funding_round: str, landing_dir: Path) -> pd.DataFrame:
    """Read one round's grant file from the landing directory."""
    return GRANT_READERS[funding_round](landing_dir / GRANT_FILES[funding_round], landing_dir)


def _finish(records: list[dict], funding_round: str, name: str, path: Path, rows: list[int],
            locators: list[str]) -> pd.DataFrame:
    if not records:
        raise SourceContractError(name, "file must hold at least one grant")
    frame = pd.DataFrame.from_records(records)
    frame.insert(0, "funding_round", funding_round)
    total = frame["grant_lbf_ore"] + frame["cofinancing_municipality_ore"] + frame["cofinancing_housing_org_ore"]
    local = frame["cofinancing_municipality_ore"] + frame["cofinancing_housing_org_ore"]
    by_plan = frame.assign(_total=total, _local=local).groupby("plan_id")[["_total", "_local"]].transform("sum")
    # Rounded to 6 decimals so that a plan at exactly 25 % is not failed by float rounding.
    share = by_plan["_local"] / by_plan["_total"].where(by_plan["_total"] != 0)
    frame["plan_local_cofinancing_share"] = share.astype("float64").round(6)
    for column in ("grant_lbf_ore", "cofinancing_municipality_ore", "cofinancing_housing_org_ore",
                   "municipality_code"):
        frame[column] = frame[column].astype("int64")
    frame = frame[list(RAW_COLUMNS)]
    return with_provenance(frame, name=name, sha256=sha256_file(path), rows=rows, locators=locators,
                           loaded_at=utc_now())


def _join_ids(parts: list[str], *, name: str, row: int | str, column: str) -> str:
    ids = [p.strip() for p in parts if p.strip()]
    if not ids:
        raise SourceContractError(name, "at least one afdeling id", row=row, column=column)
    return ",".join(ids)


def _join_names(parts: list[str], *, name: str, row: int | str, column: str) -> str:
    names = [p.strip() for p in parts if p.strip()]
    if not names:
        raise SourceContractError(name, "at least one value", row=row, column=column)
    return "|".join(names)


def _number_to_ore(value: object, name: str, row: int | str, column: str) -> int:
    """An amount in kroner as a number (Excel cell or JSON number) -> øre, exactly."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise SourceContractError(name, "amount in kroner as a number", row=row, column=column, value=value)
    try:
        amount = Decimal(str(value)) * 100
    except InvalidOperation:
        raise SourceContractError(name, "amount in kroner as a number", row=row, column=column, value=value) from None
    if amount != amount.to_integral_value():
        raise SourceContractError(name, "amount with at most 2 decimals", row=row, column=column, value=value)
    return int(amount)


def _excel_date(value: object, name: str, row: int, column: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise SourceContractError(name, "Excel date cell", row=row, column=column, value=value)


def _iso_date(value: object, name: str, row: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SourceContractError(name, "ISO date yyyy-mm-dd", row=row, column=column, value=value) from None
