"""The government area lists of 1 December (S3), derived from the S4 indicators of the
same year by the rules in force that year: the seed ref_list_rules, applied by
dagster_project/lists/rules.py (docs/list_rules.md).

Indicators are compared as published (rounded to their decimals); a suppressed
indicator meets no criterion. The history criterion reads the lists written before.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from dagster_project.generator.area_model import LIST_YEARS, AreaModel
from dagster_project.generator.indicators import format_value, published
from dagster_project.generator.names import variant
from dagster_project.lists.rules import ListHistory, rules_for
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
# Every udsat category from 2018, and those of the ghetto / parallelsamfund list among them.
UDSAT_CATEGORIES = (UDSAT, GHETTO, HARD_GHETTO, PARALLEL, OMDANNELSE)
GHETTO_LIKE = (GHETTO, HARD_GHETTO, PARALLEL, OMDANNELSE)


class Lists:
    """The lists of one year after another, each from its year's indicators (integers in
    published units, as indicators.py keeps them) and the lists before it."""

    def __init__(self) -> None:
        self.history = ListHistory()
        self.categories: dict[int, list[str | None]] = {}

    def year(self, year: int, indicators: dict[str, np.ndarray]) -> list[str | None]:
        rules = rules_for(year)
        values = published(indicators)
        n = len(values["BEBOERE"])
        before = self.history.listed_before(year, rules.history.history_years, n) if rules.history else None
        category = rules.classify(values, before)
        self.history.record(year, category)
        self.categories[year] = category
        return category


def classify(indicators: dict[int, dict[str, np.ndarray]]) -> dict[int, list[str | None]]:
    """year -> category per area (None if not listed), for 2010-2025."""
    lists = Lists()
    for year in LIST_YEARS:
        lists.year(year, indicators[year])
    return lists.categories


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
