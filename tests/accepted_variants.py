"""What real exports legitimately do, and the warehouse accepts (docs/source_contracts.md,
"What real exports do, and is accepted"): the opposite of tests/corruptions.py. A gate that
refuses a file a provider really sends is a defect too.

Each variant edits a copy of the landing directory in place, the way a provider's tools
write the same delivery differently. ``same_values``: the variant changes how the file is
written, not what it says, so the reader returns the same values as for the original and
the published tables stay the same; otherwise (co-financing of exactly 25 %) it is a
value the contract allows at its very edge. tests/unit/test_accepted_variants.py reads and
gates each variant alone; tests/integration/test_accepted_input.py refreshes with all of
them at once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from tests.corruptions import AREAS, ESTATES, FOLK1A, INDICATORS, PANEL, S1A, S1B, S1C, list_file


@dataclass(frozen=True)
class Variant:
    name: str  # what the provider's tool did, as an operator would say it
    source: str  # S1a, S1b, ...
    files: tuple[str, ...]  # landing files it writes differently (a glob for S5)
    apply: Callable[[Path], None]
    same_values: bool = True


def _line_endings(path: Path, newline: str) -> None:
    text = path.read_bytes().replace(b"\r\n", b"\n")
    path.write_bytes(text if newline == "\n" else text.replace(b"\n", b"\r\n"))


def s1a_lf(landing: Path) -> None:
    _line_endings(landing / S1A, "\n")


def s1a_empty_rows_at_the_end(landing: Path) -> None:
    # Excel's "save as CSV" writes the rows a sheet once had as rows of empty fields.
    with open(landing / S1A, "ab") as f:
        f.write(b";;;;;;;;;;\r\n" * 3 + b"\r\n")


def s1b_empty_rows_at_the_end(landing: Path) -> None:
    workbook = openpyxl.load_workbook(landing / S1B)
    sheet = workbook["Bevillinger"]
    last = sheet.max_row
    for row in range(last + 1, last + 4):  # formatted, emptied rows that Excel keeps in the sheet
        for column in range(1, 13):
            sheet.cell(row=row, column=column, value="" if column % 2 else None).number_format = "#,##0.00"
    workbook.save(landing / S1B)


def s1b_amounts_as_binary_floats(landing: Path) -> None:
    """Excel stores a number cell as a binary double: 1234567,10 typed is stored as the
    double nearest to it, which a program summing budget lines misses by a unit or two in
    the last place (1234567.1000000001)."""
    workbook = openpyxl.load_workbook(landing / S1B)
    sheet = workbook["Bevillinger"]
    header = [c.value for c in sheet[1]]
    for name in ("budget_lbf_kr", "budget_kommune_kr", "budget_boligorg_kr"):
        column = header.index(name) + 1
        for row in range(2, sheet.max_row + 1):
            cell = sheet.cell(row=row, column=column)
            if isinstance(cell.value, (int, float)) and cell.value != 0:  # 0 is stored exactly
                cell.value = math.nextafter(float(cell.value), math.inf)
    workbook.save(landing / S1B)


def _edit_json(landing: Path, edit: Callable[[dict], None]) -> None:
    document = json.loads((landing / S1C).read_text(encoding="utf-8"))
    edit(document)
    (landing / S1C).write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def s1c_amounts_as_binary_floats(landing: Path) -> None:
    """An export that serialises doubles writes their shortest repr: 0.1 + 0.2 is
    0.30000000000000004."""
    def edit(document):
        for plan in document["helhedsplaner"]:
            for line in plan["indsatsomraader"]:
                for key, amount in line["budget"].items():
                    if amount != 0:  # 0 is stored exactly
                        line["budget"][key] = math.nextafter(float(amount), -math.inf)
    _edit_json(landing, edit)


def s1c_cofinancing_of_exactly_25_percent(landing: Path) -> None:
    """A plan whose kommune and boligorganisation pay exactly a quarter of its budget, the
    smallest share the round allows."""
    def edit(document):
        for line in document["helhedsplaner"][0]["indsatsomraader"]:
            line["budget"] = {"lbf": 300000.0, "kommune": 60000.0, "boligorganisation": 40000.0}
    _edit_json(landing, edit)


def s1c_on_one_line(landing: Path) -> None:
    document = json.loads((landing / S1C).read_text(encoding="utf-8"))
    (landing / S1C).write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def s2_spaces_around_fields(landing: Path) -> None:
    # "a, b, c": a spreadsheet's CSV export with a space after each separator.
    path = landing / AREAS
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert not any("," in field or '"' in field for row in rows for field in row)  # nothing to quote
    path.write_text("".join(", ".join(row) + "\n" for row in rows), encoding="utf-8")


def s2_crlf(landing: Path) -> None:
    for name in (AREAS, ESTATES):
        _line_endings(landing / name, "\r\n")


def s3_lf(landing: Path) -> None:
    _line_endings(landing / list_file(landing).path, "\n")


def s4_lf(landing: Path) -> None:
    _line_endings(landing / INDICATORS, "\n")


def s5_crlf(landing: Path) -> None:
    for path in sorted(landing.glob("deltagere/*/registreringer_*.csv")):
        mtime = path.stat().st_mtime
        _line_endings(path, "\r\n")
        os.utime(path, (mtime, mtime))  # the same delivery: a transfer that keeps the provider's time


def s6_dictionary_encoded_text(landing: Path) -> None:
    """pandas writes a categorical column as a Parquet dictionary column: the same text,
    stored once per distinct value."""
    table = pq.read_table(landing / PANEL)
    columns = {name: (table.column(name).dictionary_encode() if pa.types.is_string(table.column(name).type)
                      else table.column(name)) for name in table.column_names}
    pq.write_table(pa.table(columns), landing / PANEL)


def s7_lf_without_bom(landing: Path) -> None:
    data = (landing / FOLK1A).read_bytes().removeprefix(b"\xef\xbb\xbf")
    (landing / FOLK1A).write_bytes(data.replace(b"\r\n", b"\n"))


VARIANTS = [
    Variant("S1a with LF line endings", "S1a", (S1A,), s1a_lf),
    Variant("S1a with empty rows at the end", "S1a", (S1A,), s1a_empty_rows_at_the_end),
    Variant("S1b with empty rows at the end of the sheet", "S1b", (S1B,), s1b_empty_rows_at_the_end),
    Variant("S1b amounts as binary floats", "S1b", (S1B,), s1b_amounts_as_binary_floats),
    Variant("S1c amounts as binary floats", "S1c", (S1C,), s1c_amounts_as_binary_floats),
    Variant("S1c co-financing of exactly 25 %", "S1c", (S1C,), s1c_cofinancing_of_exactly_25_percent,
            same_values=False),
    Variant("S1c on one line", "S1c", (S1C,), s1c_on_one_line),
    Variant("S2 registers with CRLF line endings", "S2", (AREAS, ESTATES), s2_crlf),
    Variant("S2 header and values with a space after each comma", "S2", (AREAS,), s2_spaces_around_fields),
    Variant("S3 list with LF line endings", "S3", ("lister/liste_*.csv",), s3_lf),
    Variant("S4 indicators with LF line endings", "S4", (INDICATORS,), s4_lf),
    Variant("S5 registrations with CRLF line endings", "S5", ("deltagere/*/registreringer_*.csv",), s5_crlf),
    Variant("S6 text columns dictionary-encoded (pandas categoricals)", "S6", (PANEL,), s6_dictionary_encoded_text),
    Variant("S7 snapshot with LF line endings, without BOM", "S7", (FOLK1A,), s7_lf_without_bom),
]
