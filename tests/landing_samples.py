"""Small landing files of sources S3-S7, written exactly as docs/source_contracts.md says,
for unit tests of the readers, gates, client and sensor (each test writes the few rows
it needs; the full refresh tests use the generator). Persons carry
*erstatningspersonnumre* (day of month + 60), which can never be real CPR numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.reference import MUNICIPAL_ELECTION_YEARS, indicator_codes, municipalities

LIST_HEADER = ("Område;Kommune;Beboere;Uden for arbejde/uddannelse (%);Dømte ift. landsgennemsnit;"
               "Kun grunduddannelse (%);Indkomst ift. region (%);Ikke-vestlige (%);Kategori")
REGISTRATION_HEADER = "cpr,helhedsplan_id,aktivitet,startdato,slutdato,registreret"
PANEL_TYPES = {
    "cpr": pa.string(), "aar": pa.int32(), "koen": pa.string(), "foedselsaar": pa.int32(), "herkomst": pa.string(),
    "boligomraade_id": pa.string(), "fritidsjob": pa.bool_(), "i_uddannelse": pa.bool_(), "beskaeftiget": pa.bool_(),
    "afgangseksamen": pa.bool_(), "skolefravaer_pct": pa.float64(), "mistanke_sigtelse": pa.bool_(),
    "foraelder_beskaeftiget": pa.bool_(),
}


def erstatning_cpr(i: int, birth_year: int = 1990) -> str:
    """The i-th test person's erstatningspersonnummer: day + 60, so never a real CPR number."""
    return f"{61 + i % 28:02d}{1 + (i // 28) % 12:02d}{birth_year % 100:02d}-{1000 + i % 9000:04d}"


def danish(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


# --- S3 ---------------------------------------------------------------------------------

def list_text(rows: Iterable[Sequence[object]]) -> str:
    """rows: (name, kommune, residents, outside %, convicted ratio, basic %, income %, non-Western %, category)."""
    lines = [LIST_HEADER]
    for name, kommune, residents, work, crime, school, income, origin, category in rows:
        lines.append(";".join([str(name), str(kommune), str(residents), danish(work), danish(crime, 2),
                               danish(school), danish(income), danish(origin), str(category)]))
    return "\r\n".join(lines) + "\r\n"


def write_area_list(landing: Path, year: int, rows: Iterable[Sequence[object]], *, bom: bool = True) -> Path:
    path = landing / "lister" / f"liste_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + list_text(rows).encode("utf-8"))
    return path


# --- S4 ---------------------------------------------------------------------------------

def write_indicators(landing: Path, year: int, rows: Iterable[tuple[str, str, str]], *, tid: int | None = None
                     ) -> Path:
    """rows: (area_id, indicator code, INDHOLD as written, e.g. '43,7' or '..')."""
    path = landing / "indikatorer" / f"indikatorer_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["OMRAADE;INDIKATOR;TID;INDHOLD"] + [f"{a};{c};{tid or year};{v}" for a, c, v in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def indicator_rows(area_ids: Sequence[str], year: int) -> list[tuple[str, str, str]]:
    """Every indicator for every area; a few suppressed ('..'), turnout only in election years."""
    rows = []
    for i, area in enumerate(area_ids):
        for j, code in enumerate(indicator_codes()):
            if code == "BEBOERE":
                value = str(1200 + 37 * i)
            elif code == "VALGDELTAGELSE_PCT" and year not in MUNICIPAL_ELECTION_YEARS:
                value = ".."
            elif (i + j) % 11 == 5:
                value = ".."
            elif code == "DOEMTE_RATIO":
                value = danish(0.8 + 0.3 * ((i + j) % 9), 2)
            elif code.endswith("_PR_1000"):
                value = danish(4 + (i * 7 + j) % 20)
            else:
                value = danish(10 + (i * 13 + j * 7) % 60)
            rows.append((area, code, value))
    return rows


# --- S5 ---------------------------------------------------------------------------------

def write_registrations(landing: Path, funding_round: str, year: int, rows: Iterable[Sequence[str]]) -> Path:
    """rows: (cpr, helhedsplan_id, aktivitet, startdato, slutdato, registreret)."""
    path = landing / "deltagere" / funding_round / f"registreringer_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REGISTRATION_HEADER.split(","))
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


# --- S6 ---------------------------------------------------------------------------------

def person_year_rows(year: int, n: int, area_ids: Sequence[str], *, first: int = 0) -> dict[str, list]:
    """n persons living in the given areas in ``year``, ages spread over 3-70, outcomes
    null outside the ages the contract gives them."""
    columns: dict[str, list] = {c: [] for c in PANEL_TYPES}
    for k in range(first, first + n):
        birth = year - (3 + (k * 7) % 68)
        age = year - birth
        columns["cpr"].append(erstatning_cpr(k, birth))
        columns["aar"].append(year)
        columns["koen"].append("MK"[k % 2])
        columns["foedselsaar"].append(birth)
        columns["herkomst"].append(("dansk", "ikke_vestlig_indvandrer", "ikke_vestlig_efterkommer",
                                    "vestlig_indvandrer")[k % 4])
        columns["boligomraade_id"].append(area_ids[k % len(area_ids)] if k % 10 else None)
        columns["fritidsjob"].append(k % 3 == 0 if 13 <= age <= 17 else None)
        columns["i_uddannelse"].append(k % 2 == 0)
        columns["beskaeftiget"].append(k % 5 != 0 if 16 <= age <= 66 else None)
        columns["afgangseksamen"].append(k % 4 != 0 if 15 <= age <= 17 else None)
        columns["skolefravaer_pct"].append(float(k % 23) if 6 <= age <= 16 else None)
        columns["mistanke_sigtelse"].append(k % 17 == 0 if age >= 10 else None)
        columns["foraelder_beskaeftiget"].append(k % 3 != 0 if age <= 17 else None)
    return columns


def write_person_years(landing: Path, year: int, columns: dict[str, list], *,
                       types: dict[str, pa.DataType] | None = None) -> Path:
    path = landing / "register" / f"personaar_{year}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    types = {**PANEL_TYPES, **(types or {})}
    pq.write_table(pa.table({c: pa.array(v, type=types[c]) for c, v in columns.items()}), path)
    return path


# --- S7 ---------------------------------------------------------------------------------

def folk1a_csv(first_year: int = 2008, last_year: int = 2025, *, bom: bool = True) -> bytes:
    """A FOLK1A answer in the API's format: Denmark and every kommune, every quarter."""
    lines = ["OMRÅDE;TID;INDHOLD"]
    codes = [m.code for m in municipalities()]
    for year in range(first_year, last_year + 1):
        for q in range(1, 5):
            people = [20_000 + 613 * (i + 1) + 11 * (year - first_year) + q for i in range(len(codes))]
            lines.append(f"000;{year}K{q};{sum(people)}")
            lines.extend(f"{code:03d};{year}K{q};{n}" for code, n in zip(codes, people, strict=True))
    return (b"\xef\xbb\xbf" if bom else b"") + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def write_folk1a_snapshot(landing: Path, data: bytes | None = None) -> Path:
    path = landing / "statbank" / "FOLK1A.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(folk1a_csv() if data is None else data)
    return path
