"""The list forecast: every area of an indicator file classified by the rules of the list
of 1 December of a year (the seed ref_list_rules, docs/list_rules.md), so that a housing
organisation or a municipality can see a listing coming.

    python -m dagster_project list-rules --year Y --indicators FILE [--format csv]

FILE is in the S4 format (OMRAADE;INDIKATOR;TID;INDHOLD, UTF-8, decimal comma, '..' where
suppressed, the indicator codes of ref_indicators), read by the S4 reader's parser; it is
named anything and OMRAADE is any area code. The list of year Y is classified from the
rows of the latest TID in FILE not after Y (Y itself, or last year's indicators for next
year's list). Rows for indicators the year's rules do not use may be absent. Where the
rules have the history criterion (hårdt ghettoområde, omdannelsesområde), the previous
lists are classified from the rows of their years in FILE; a year FILE has no rows of
counts as not on the list. The areas are those with rows of the classified TID.

Bad input fails with the file, row, column and rule (SourceContractError), an unknown
indicator by its code, a year without rules with the years that have them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from dagster_project.lists.rules import Criterion, ListRulesError, describe_years, rules_for
from dagster_project.reference import indicator_codes
from dagster_project.core.errors import SourceContractError
from dagster_project.core.files import relative_name
from dagster_project.sources.indicators.readers import parse_indicator_rows


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    value: float | None  # None: suppressed
    met: bool

    @property
    def margin(self) -> Decimal | None:
        """How far the value lies on the meeting side of the threshold (exact decimals)."""
        if self.value is None:
            return None
        value = Decimal(repr(self.value))
        diff = value - self.criterion.threshold
        return diff if self.criterion.comparison in (">", ">=") else -diff


@dataclass(frozen=True)
class AreaForecast:
    area: str
    category: str | None
    criteria: tuple[CriterionResult, ...]


@dataclass(frozen=True)
class Forecast:
    list_year: int
    indicator_year: int
    history_years: tuple[int, ...]  # previous list years FILE had rows of (history criterion)
    areas: tuple[AreaForecast, ...]


class _Year:
    """The rows of one TID: per area, indicator -> value (NaN suppressed) and its first row."""

    def __init__(self, frame: pd.DataFrame):
        self.areas = list(dict.fromkeys(frame["omraade"]))
        self.first_row = frame.groupby("omraade", sort=False)["_source_row"].min().to_dict()
        self.values = {(a, i): v for a, i, v in zip(frame["omraade"], frame["indikator"], frame["indhold"], strict=True)}

    def arrays(self, areas: list[str], codes: tuple[str, ...], name: str, year: int, list_year: int
               ) -> dict[str, np.ndarray]:
        out = {}
        for code in codes:
            missing = [a for a in areas if (a, code) not in self.values]
            if missing:
                raise SourceContractError(
                    name, f"a row of {code} for every area of TID {year}: the rules of the list of {list_year} use it",
                    row=self.first_row[missing[0]], column="INDIKATOR", value=f"OMRAADE {missing[0]}")
            out[code] = np.array([self.values[(a, code)] for a in areas], dtype=np.float64)
        return out


def read_indicators(path: Path) -> pd.DataFrame:
    """FILE's rows (the S4 parser), every indicator a known code, one value per area,
    indicator and TID."""
    frame = parse_indicator_rows(path, Path.cwd())
    name = relative_name(path, Path.cwd())
    known = set(indicator_codes())
    unknown = ~frame["indikator"].isin(known)
    if unknown.any():
        row = frame[unknown].iloc[0]
        raise SourceContractError(name, "an indicator code of the S4 contract (ref_indicators)",
                                  row=int(row["_source_row"]), column="INDIKATOR", value=row["indikator"])
    duplicated = frame.duplicated(["omraade", "indikator", "tid"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise SourceContractError(name, "one value per area, indicator and TID", row=int(row["_source_row"]),
                                  column="INDHOLD", value=f"{row['omraade']} {row['indikator']} {row['tid']}")
    return frame


def forecast(path: Path, list_year: int) -> Forecast:
    """Classify every area of FILE by the rules of the list of 1 December ``list_year``."""
    rules = rules_for(list_year)  # ListRulesError names the years that have rules
    frame = read_indicators(path)
    name = relative_name(path, Path.cwd())
    tids = sorted(int(t) for t in frame["tid"].unique())
    usable = [t for t in tids if t <= list_year]
    if not usable:
        raise SourceContractError(name, f"indicators of {list_year} or earlier for the list of {list_year}",
                                  column="TID", value=f"TID {describe_years(tuple(tids))}")
    indicator_year = usable[-1]
    data = _Year(frame[frame["tid"] == indicator_year])
    areas = data.areas
    values = data.arrays(areas, rules.indicator_codes, name, indicator_year, list_year)

    before, history_years = None, ()
    if rules.history is not None:
        back = rules.history.history_years
        before = np.zeros(len(areas), dtype=np.int64)
        years = []
        for year in range(list_year - back, list_year):
            rows = frame[frame["tid"] == year]
            if rows.empty:
                continue
            try:
                previous = rules_for(year)
            except ListRulesError:
                continue  # no list that year: not on it
            years.append(year)
            earlier = _Year(rows)
            present = [a for a in areas if a in earlier.first_row]
            if not present:
                continue
            listed = previous.on_ghetto_list(earlier.arrays(present, previous.indicator_codes, name, year, list_year))
            on_list = dict(zip(present, listed, strict=True))
            before += np.array([on_list.get(a, False) for a in areas], dtype=np.int64)
        history_years = tuple(years)

    categories = rules.classify(values, before)
    met = rules.met(values, before)
    results = []
    for i, area in enumerate(areas):
        criteria = []
        for c in rules.criteria:
            value = float(before[i]) if c.is_history else float(values[c.indicator_code][i])
            criteria.append(CriterionResult(c, None if np.isnan(value) else value, bool(met[c.name][i])))
        results.append(AreaForecast(area, categories[i], tuple(criteria)))
    return Forecast(list_year, indicator_year, history_years, tuple(results))


def _number(value: float | Decimal | None) -> str:
    if value is None:
        return ""
    text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_csv(result: Forecast) -> str:
    """One header line (area, category, list_year, indicator_year, then value, threshold,
    met and margin of each criterion), one row per area; decimal point, empty where suppressed."""
    criteria = [c.criterion.name for c in result.areas[0].criteria] if result.areas else \
        [c.name for c in rules_for(result.list_year).criteria]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["area", "category", "list_year", "indicator_year",
                     *(f"{c}_{part}" for c in criteria for part in ("value", "threshold", "met", "margin"))])
    for area in result.areas:
        writer.writerow([area.area, area.category or "", result.list_year, result.indicator_year,
                         *(x for r in area.criteria for x in (_number(r.value), _number(r.criterion.threshold),
                                                               "true" if r.met else "false", _number(r.margin)))])
    return buffer.getvalue()


def to_text(result: Forecast) -> str:
    """A table for a person: per area its category and each criterion's value, marked
    '*' where it meets the rule."""
    rules = rules_for(result.list_year)
    lines = [f"The list of 1 December {result.list_year} by the rules of ref_list_rules, "
             f"from the indicators of {result.indicator_year}"
             + (f" (previous lists from {describe_years(result.history_years)})" if rules.history else "") + ":"]
    lines += [f"  {c.name}: {c.rule}" for c in rules.criteria]
    header = ["area", "category", *(c.name for c in rules.criteria)]
    rows = [[a.area, a.category or "-", *((_number(r.value) or "..") + ("*" if r.met else "") for r in a.criteria)]
            for a in result.areas]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines.append("")
    for row in (header, *rows):
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip())
    listed = sum(a.category is not None for a in result.areas)
    lines.append(f"\n{listed} of {len(result.areas)} areas listed; * = criterion met, .. = suppressed")
    return "\n".join(lines) + "\n"


def command(args) -> int:
    """`python -m dagster_project list-rules`: print the forecast, or the error and exit 1."""
    import sys

    path = Path(args.indicators)
    if not path.is_file():
        print(f"list-rules: {path}: no such file", file=sys.stderr)
        return 1
    try:
        result = forecast(path, args.year)
    except (SourceContractError, ListRulesError) as exc:
        print(f"list-rules: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(to_csv(result) if args.format == "csv" else to_text(result))
    return 0
