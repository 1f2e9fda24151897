"""Bad input, made from good landing files the way real deliveries go wrong.

Each corruption edits a copy of the landing directory in place and returns the
fragments the refresh's error message must contain: file, row, column and rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

S1A = "lbf/bevillinger_2011-14.csv"
S1B = "lbf/bevillinger_2015-18.xlsx"
S1C = "lbf/bevillinger_2019-26.json"


@dataclass(frozen=True)
class Corruption:
    name: str
    apply: Callable[[Path], None]
    expected: tuple[str, ...]  # fragments of the error message


def _s1a_lines(landing: Path) -> list[str]:
    return (landing / S1A).read_bytes().decode("cp1252").split("\r\n")


def _write_s1a(landing: Path, lines: list[str]) -> None:
    (landing / S1A).write_bytes("\r\n".join(lines).encode("cp1252"))


def duplicated_plan_id(landing: Path) -> None:
    lines = _s1a_lines(landing)
    lines.insert(3, lines[1])  # line 2 again as line 4
    _write_s1a(landing, lines)


def unknown_municipality(landing: Path) -> None:
    lines = _s1a_lines(landing)
    fields = lines[2].split(";")
    fields[4] = "999"
    lines[2] = ";".join(fields)
    _write_s1a(landing, lines)


def missing_column(landing: Path) -> None:
    lines = [";".join(f for i, f in enumerate(line.split(";")) if i != 9) if line else line
             for line in _s1a_lines(landing)]
    _write_s1a(landing, lines)


def unparseable_amount(landing: Path) -> None:
    workbook = openpyxl.load_workbook(landing / S1B)
    workbook["Bevillinger"]["H3"] = "kr. 250.000"
    workbook.save(landing / S1B)


def cofinancing_under_25_percent(landing: Path) -> None:
    path = landing / S1C
    document = json.loads(path.read_text(encoding="utf-8"))
    for line in document["helhedsplaner"][1]["indsatsomraader"]:
        line["budget"]["kommune"] = round(line["budget"]["lbf"] * 0.1, 2)
        line["budget"]["boligorganisation"] = round(line["budget"]["lbf"] * 0.05, 2)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


SKELETON_CORRUPTIONS = [
    Corruption("duplicated plan id", duplicated_plan_id,
               (S1A, "line 4", "column 'Helhedsplan nr'", "appears only once")),
    Corruption("unparseable amount", unparseable_amount,
               (S1B, "row 3", "column 'budget_kommune_kr'", "amount in kroner as a number", "kr. 250.000")),
    Corruption("co-financing under 25 %", cofinancing_under_25_percent,
               (S1C, "$.helhedsplaner[1]", "budget.kommune + budget.boligorganisation", "at least 25 %")),
    Corruption("unknown kommune code", unknown_municipality,
               (S1A, "line 3", "column 'Kommunenr'", "one of Denmark's 98 kommuner", "999")),
    Corruption("missing column", missing_column,
               (S1A, "row 1", "column 'Slutdato'", "required column is missing")),
]
