"""The government area lists of 1 December (S3), derived from the S4 indicators of the
same year by the rules in force that year (docs/list_rules.md), exactly.

Indicators are integers in published units (tenths, hundredths for DOEMTE_RATIO), so each
threshold is an exact integer comparison; a suppressed indicator meets no criterion.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from dagster_project.generator.area_model import LIST_YEARS, AreaModel
from dagster_project.generator.indicators import SUPPRESSED, format_value
from dagster_project.generator.names import variant
from dagster_project.reference import municipalities

LIST_FILE = "lister/liste_{year}.csv"
LIST_COLUMNS = ("Område", "Kommune", "Beboere", "Uden for arbejde/uddannelse (%)", "Dømte ift. landsgennemsnit",
                "Kun grunduddannelse (%)", "Indkomst ift. region (%)", "Ikke-vestlige (%)", "Kategori")
# list column -> (indicator, decimals)
LIST_VALUES = (("BEBOERE", 0), ("UDEN_ARB_UDD_PCT", 1), ("DOEMTE_RATIO", 2), ("GRUNDSKOLE_PCT", 1),
               ("INDKOMST_REGION_PCT", 1), ("IKKE_VESTLIG_PCT", 1))

GHETTO = "ghettoområde"
HARD_GHETTO = "hårdt ghettoområde"
UDSAT = "udsat boligområde"
PARALLEL = "parallelsamfund"
OMDANNELSE = "omdannelsesområde"
FOREBYGGELSE = "forebyggelsesområde"
# Categories that count as "on the ghetto or parallelsamfund list" for the four-year rule.
GHETTO_LIKE = (GHETTO, HARD_GHETTO, PARALLEL, OMDANNELSE)
MIN_RESIDENTS = 1000


def _gt(values: np.ndarray, threshold: int) -> np.ndarray:
    return (values != SUPPRESSED) & (values > threshold)


def _ge(values: np.ndarray, threshold: int) -> np.ndarray:
    return (values != SUPPRESSED) & (values >= threshold)


def _lt(values: np.ndarray, threshold: int) -> np.ndarray:
    return (values != SUPPRESSED) & (values < threshold)


def classify(indicators: dict[int, dict[str, np.ndarray]]) -> dict[int, list[str | None]]:
    """year -> category per area (None if not listed), for 2010-2025."""
    categories: dict[int, list[str | None]] = {}
    for year in LIST_YEARS:
        v = indicators[year]
        big = v["BEBOERE"] >= MIN_RESIDENTS
        work, nonwestern = v["UDEN_ARB_UDD_PCT"], v["IKKE_VESTLIG_PCT"]
        basic, income, ratio = v["GRUNDSKOLE_PCT"], v["INDKOMST_REGION_PCT"], v["DOEMTE_RATIO"]
        n = len(big)
        category: list[str | None] = [None] * n
        if year <= 2017:
            met = (_gt(work, 400).astype(int) + _gt(nonwestern, 500) + _gt(v["DOEMTE_PCT"], 27)
                   + _gt(basic, 500) + _lt(income, 550))
            for a in np.flatnonzero(big & (met >= 3)):
                category[a] = GHETTO
        else:
            met = _gt(work, 400).astype(int) + _ge(ratio, 300) + _gt(basic, 600) + _lt(income, 550)
            udsat = big & (met >= 2)
            ghetto = udsat & _gt(nonwestern, 500)
            always = np.ones(n, dtype=bool)
            for back in range(1, 5):
                always &= np.array([c in GHETTO_LIKE for c in categories[year - back]])
            for a in np.flatnonzero(udsat):
                if not ghetto[a]:
                    category[a] = UDSAT
                elif year <= 2020:
                    category[a] = HARD_GHETTO if always[a] else GHETTO
                else:
                    category[a] = OMDANNELSE if always[a] else PARALLEL
            if year >= 2021:
                met = _gt(work, 300).astype(int) + _ge(ratio, 200) + _gt(basic, 600) + _lt(income, 650)
                prevention = ~udsat & big & _gt(nonwestern, 300) & (met >= 2)
                for a in np.flatnonzero(prevention):
                    category[a] = FOREBYGGELSE
        categories[year] = category
    return categories


def list_name(model: AreaModel, a: int) -> str:
    name = model.world.areas[a].name
    return variant(name) if model.uses_alias[a] else name


def write_lists(landing_dir: Path, model: AreaModel, indicators: dict[int, dict[str, np.ndarray]],
                categories: dict[int, list[str | None]]) -> list[Path]:
    names = {m.code: m.name for m in municipalities()}
    written = []
    for year in LIST_YEARS:
        listed = [a for a, c in enumerate(categories[year]) if c is not None]
        listed.sort(key=lambda a: (list_name(model, a), int(model.municipality[a])))
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(LIST_COLUMNS)
        for a in listed:
            writer.writerow([list_name(model, a), names[int(model.municipality[a])],
                             *(format_value(indicators[year][name][a], decimals) for name, decimals in LIST_VALUES),
                             categories[year][a]])
        path = landing_dir / LIST_FILE.format(year=year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
        written.append(path)
    return written


def list_sizes(categories: dict[int, list[str | None]]) -> dict[str, dict[str, int]]:
    sizes = {}
    for year, category in categories.items():
        counts: dict[str, int] = {}
        for c in category:
            if c is not None:
                counts[c] = counts.get(c, 0) + 1
        sizes[str(year)] = dict(sorted(counts.items()))
    return sizes
