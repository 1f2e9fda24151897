"""Area indicators (S4, LBF "Boligsociale Data"): one Statbank-style file per year.

Values are published rounded: BEBOERE as an integer, DOEMTE_RATIO to two decimals,
everything else (percentages, rates per 1,000) to one decimal. Internally every value is
an integer in those units (tenths or hundredths), so the list rules compare exact numbers.

Computed from the panel (S6) exactly, over the persons with ``boligomraade_id`` = the area
in the indicator's year, ages ``aar - foedselsaar``, each value ``k / n`` (times 100 or
1,000) rounded half up from the exact fraction, ``..`` when n < 20:

| indicator | n (denominator) | k (numerator) |
|---|---|---|
| BEBOERE | - | persons (never suppressed) |
| UDEN_ARB_UDD_PCT | ages 18-64 | beskaeftiget not true and i_uddannelse false |
| IKKE_VESTLIG_PCT | all residents | herkomst ikke_vestlig_* |
| NEET_15_24_PCT | ages 15-24 | beskaeftiget not true (null counts as not) and i_uddannelse false |
| MISTANKE_10_14_PR_1000 | ages 10-14 | mistanke_sigtelse true |
| SIGTEDE_15_17_PR_1000 | ages 15-17 | mistanke_sigtelse true |
| AFGANGSEKSAMEN_PCT | age 16 | afgangseksamen true |
| FRITIDSJOB_13_17_PCT | ages 13-17 | fritidsjob true |

The others come from the area's disadvantage, its residents' non-Western share,
an area-specific offset, persistent noise and a trend (docs/generator.md), and are
suppressed when the panel has fewer than 20 persons in their population: DOEMTE_PCT and
DOEMTE_RATIO (ages 18+), GRUNDSKOLE_PCT (30-59), INDKOMST_REGION_PCT (15-64),
VALGDELTAGELSE_PCT (18+; only in municipal election years, `..` in the others).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from dagster_project.generator.area_model import YEARS, AreaModel, stream

INDICATOR_FILE = "indikatorer/indikatorer_{year}.csv"
INDICATOR_HEADER = ("OMRAADE", "INDIKATOR", "TID", "INDHOLD")
SUPPRESSED = -1
MIN_PERSONS = 20
ELECTION_YEARS = (2009, 2013, 2017, 2021, 2025)

# indicator -> decimals as published
INDICATORS = {
    "BEBOERE": 0,
    "UDEN_ARB_UDD_PCT": 1,
    "DOEMTE_PCT": 1,
    "DOEMTE_RATIO": 2,
    "GRUNDSKOLE_PCT": 1,
    "INDKOMST_REGION_PCT": 1,
    "IKKE_VESTLIG_PCT": 1,
    "NEET_15_24_PCT": 1,
    "MISTANKE_10_14_PR_1000": 1,
    "SIGTEDE_15_17_PR_1000": 1,
    "AFGANGSEKSAMEN_PCT": 1,
    "FRITIDSJOB_13_17_PCT": 1,
    "VALGDELTAGELSE_PCT": 1,
}
# panel indicator -> (numerator count, denominator count, per)
FROM_PANEL = {
    "UDEN_ARB_UDD_PCT": ("k_uden", "n_18_64", 100),
    "IKKE_VESTLIG_PCT": ("k_ikke_vestlig", "beboere", 100),
    "NEET_15_24_PCT": ("k_neet", "n_15_24", 100),
    "MISTANKE_10_14_PR_1000": ("k_mistanke_10_14", "n_10_14", 1000),
    "SIGTEDE_15_17_PR_1000": ("k_sigtede_15_17", "n_15_17", 1000),
    "AFGANGSEKSAMEN_PCT": ("k_afgangseksamen_16", "n_16", 100),
    "FRITIDSJOB_13_17_PCT": ("k_fritidsjob_13_17", "n_13_17", 100),
}
# National share of adults convicted (%), the reference of DOEMTE_RATIO: falling, as
# convictions did, so that the fixed threshold of DOEMTE_PCT (2.7 %, lists 2010-2017) is
# met by fewer areas each year while the ratio has no trend.
NATIONAL_CONVICTED_PCT = {year: round(0.59 - 0.0145 * (year - 2008), 4) for year in YEARS}
# The yearly noise of the modelled indicators is AR(1) per area with this correlation (the
# providers' values move little from one year to the next), N(0, 1) in every year.
NOISE_PERSISTENCE = 0.8


def aggregate_year(n_areas: int):
    """The counts per area the panel indicators need, from one year of the panel as shown."""

    def aggregate(year: int, area: np.ndarray, shown: dict[str, np.ndarray], age: np.ndarray,
                  origin: np.ndarray) -> dict[str, np.ndarray]:
        res = area >= 0
        a = area[res]
        ag = age[res]
        emp = shown["beskaeftiget"][res] == 1
        edu = shown["i_uddannelse"][res] == 1
        crime = shown["mistanke_sigtelse"][res] == 1

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(a[mask], minlength=n_areas).astype(np.int64)

        def between(lo: int, hi: int) -> np.ndarray:
            return (ag >= lo) & (ag <= hi)

        return {
            "beboere": count(np.ones(len(a), dtype=bool)),
            "n_18_64": count(between(18, 64)), "k_uden": count(between(18, 64) & ~emp & ~edu),
            "k_ikke_vestlig": count(np.isin(origin[res], (3, 4))),
            "n_15_24": count(between(15, 24)), "k_neet": count(between(15, 24) & ~emp & ~edu),
            "n_10_14": count(between(10, 14)), "k_mistanke_10_14": count(between(10, 14) & crime),
            "n_15_17": count(between(15, 17)), "k_sigtede_15_17": count(between(15, 17) & crime),
            "n_16": count(ag == 16), "k_afgangseksamen_16": count((ag == 16) & (shown["afgangseksamen"][res] == 1)),
            "n_13_17": count(between(13, 17)), "k_fritidsjob_13_17": count(between(13, 17)
                                                                           & (shown["fritidsjob"][res] == 1)),
            "n_18_plus": count(ag >= 18), "n_30_59": count(between(30, 59)), "n_15_64": count(between(15, 64)),
        }

    return aggregate


def rounded_ratio(k: np.ndarray, n: np.ndarray, per: int, decimals: int) -> np.ndarray:
    """round(per * k / n, decimals) half up, exactly, in units of 10**-decimals; SUPPRESSED if n < 20."""
    scale = per * 10**decimals
    safe_n = np.maximum(n, 1)
    value = (2 * scale * k + safe_n) // (2 * safe_n)
    return np.where(n < MIN_PERSONS, SUPPRESSED, value)


def _round_units(x: np.ndarray, decimals: int) -> np.ndarray:
    return np.floor(x * 10**decimals + 0.5).astype(np.int64)


class IndicatorModel:
    """The indicators of one year after another (in year order: the noise of each year is
    drawn from one stream in turn), from the panel's aggregates and the area's
    disadvantage in that year as it stands when the year is computed."""

    def __init__(self, model: AreaModel, seed: int):
        self.model = model
        self.rng = stream(seed, "indicators")
        self.next_year = YEARS[0]
        self.noise: np.ndarray | None = None  # (3, areas): crime, basic schooling, income

    def year(self, year: int, agg: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """indicator -> integer value per area (in published units), SUPPRESSED for `..`."""
        if year != self.next_year:
            raise ValueError(f"indicators are computed year by year: expected {self.next_year}, got {year}")
        self.next_year += 1
        rng, model = self.rng, self.model
        n = len(model.area_ids)
        d = model.disadvantage[:, year - YEARS[0]]
        o = model.offsets
        t = year - 2008
        values = {"BEBOERE": agg["beboere"]}
        for name, (k, denominator, per) in FROM_PANEL.items():
            values[name] = rounded_ratio(agg[k], agg[denominator], per, INDICATORS[name])
        z = np.stack([rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)])
        rho = NOISE_PERSISTENCE
        self.noise = z if self.noise is None else rho * self.noise + np.sqrt(1 - rho**2) * z
        e = self.noise
        # The composition of the year's residents: non-Western share (%) above the average area's.
        nonwestern = 100.0 * agg["k_ikke_vestlig"] / np.maximum(agg["beboere"], 1) - 41.0
        # The ratio to the national share convicted has no trend; the share falls with the national one.
        ratio = 1.85 + 1.5 * d + 0.75 * o[:, 2] + 0.6 * e[0]
        convicted = np.clip(ratio * NATIONAL_CONVICTED_PCT[year], 0.05, 8.0)
        basic = np.clip(41.0 + 8.0 * d + 0.1 * nonwestern + 7.0 * o[:, 0] + 3.0 * e[1] - 0.5 * t, 8.0, 90.0)
        income = np.clip(76.0 - 12.0 * d - 0.15 * nonwestern - 10.0 * o[:, 1] + 4.5 * e[2] - 0.1 * t, 25.0, 120.0)
        turnout = np.clip(56.0 - 7.0 * d + 4.0 * o[:, 3] + rng.normal(0, 2.0, n), 20.0, 85.0)
        adults = agg["n_18_plus"] < MIN_PERSONS
        values["DOEMTE_PCT"] = np.where(adults, SUPPRESSED, _round_units(convicted, 1))
        values["DOEMTE_RATIO"] = np.where(adults, SUPPRESSED,
                                          _round_units(convicted / NATIONAL_CONVICTED_PCT[year], 2))
        values["GRUNDSKOLE_PCT"] = np.where(agg["n_30_59"] < MIN_PERSONS, SUPPRESSED, _round_units(basic, 1))
        values["INDKOMST_REGION_PCT"] = np.where(agg["n_15_64"] < MIN_PERSONS, SUPPRESSED, _round_units(income, 1))
        values["VALGDELTAGELSE_PCT"] = (np.where(adults, SUPPRESSED, _round_units(turnout, 1))
                                        if year in ELECTION_YEARS else np.full(n, SUPPRESSED))
        return {name: np.asarray(values[name], dtype=np.int64) for name in INDICATORS}


def compute_indicators(model: AreaModel, aggregates: dict[int, dict[str, np.ndarray]],
                       seed: int) -> dict[int, dict[str, np.ndarray]]:
    """year -> indicator -> integer value per area (in published units), SUPPRESSED for `..`."""
    indicators = IndicatorModel(model, seed)
    return {year: indicators.year(year, aggregates[year]) for year in YEARS}


def published(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One year's indicators as floats in the units S4 publishes them in, NaN for `..`
    (what the list rules compare)."""
    return {name: np.where(v == SUPPRESSED, np.nan, v / 10 ** INDICATORS[name]) for name, v in values.items()}


def format_value(value: int, decimals: int) -> str:
    """Integer in units of 10**-decimals -> Danish decimal text; SUPPRESSED -> '..'."""
    if value == SUPPRESSED:
        return ".."
    if decimals == 0:
        return str(value)
    whole, frac = divmod(int(value), 10**decimals)
    return f"{whole},{frac:0{decimals}d}"


def write_indicators(landing_dir: Path, model: AreaModel, indicators: dict[int, dict[str, np.ndarray]]) -> list[Path]:
    written = []
    for year, values in indicators.items():
        buffer = io.StringIO(newline="")
        buffer.write(";".join(INDICATOR_HEADER) + "\r\n")
        for a, area_id in enumerate(model.area_ids):
            for name, decimals in INDICATORS.items():
                buffer.write(f"{area_id};{name};{year};{format_value(values[name][a], decimals)}\r\n")
        path = landing_dir / INDICATOR_FILE.format(year=year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        written.append(path)
    return written
