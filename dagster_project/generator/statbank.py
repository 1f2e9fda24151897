"""The bundled Statbank snapshot (S7): FOLK1A, population on the first day of each quarter
by kommune and for all of Denmark (``000``), 2008K1-2025K4, in exactly the API's CSV answer
format (UTF-8 with BOM, ``;``, CRLF, header ``OMRÅDE;TID;INDHOLD``, codes not labels).

Denmark is Denmark whatever the scale: the series does not depend on the scale. The
largest kommuner start near their real 2008 populations; the others are drawn around
the rest of the total. Denmark grows from about 5.48 to about 5.99 million, the cities
faster than the countryside; ``000`` is the exact sum of the kommuner.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from dagster_project.generator.area_model import FIRST_YEAR, LAST_YEAR, stream
from dagster_project.reference import municipalities

FOLK1A_FILE = "statbank/FOLK1A.csv"
FOLK1A_HEADER = ("OMRÅDE", "TID", "INDHOLD")
DENMARK = "000"
DENMARK_START = 5_475_791
DENMARK_END = 5_992_000

# Approximate populations on 1 January 2008 and yearly growth of the largest and smallest kommuner.
KNOWN_2008 = {
    101: (509_861, 0.0150), 147: (93_444, 0.0075), 751: (298_538, 0.0125), 461: (187_929, 0.0060),
    851: (195_145, 0.0075), 561: (114_244, 0.0025), 630: (104_678, 0.0085), 621: (87_888, 0.0075),
    615: (80_945, 0.0110), 730: (93_682, 0.0025), 740: (87_565, 0.0060), 657: (84_946, 0.0030),
    791: (92_046, 0.0030), 825: (2_000, -0.0050), 563: (3_200, -0.0010), 741: (4_100, -0.0040),
    492: (6_800, -0.0080),
}


def quarters() -> list[str]:
    return [f"{year}K{q}" for year in range(FIRST_YEAR, LAST_YEAR + 1) for q in range(1, 5)]


def folk1a(seed: int) -> tuple[list[str], np.ndarray]:
    """(kommunekoder as three-digit text, populations per kommune and quarter)."""
    rng = stream(seed, "statbank")
    munis = municipalities()
    codes = [f"{m.code:03d}" for m in munis]
    n = len(munis)
    start = np.zeros(n)
    growth = np.zeros(n)
    unknown = np.array([m.code not in KNOWN_2008 for m in munis])
    for i, m in enumerate(munis):
        if m.code in KNOWN_2008:
            start[i], growth[i] = KNOWN_2008[m.code]
    rest = DENMARK_START - start.sum()
    draws = rng.lognormal(0.0, 0.5, size=unknown.sum())
    start[unknown] = draws / draws.sum() * rest
    growth[unknown] = rng.normal(0.002, 0.004, size=unknown.sum())
    q = np.arange(len(quarters())) / 4.0
    population = start[:, None] * (1 + growth[:, None]) ** q[None, :]
    population *= 1 + rng.normal(0, 0.0004, size=population.shape)
    # Scale every quarter to Denmark's path, then round; 000 is the sum of the rounded values.
    target = DENMARK_START * (DENMARK_END / DENMARK_START) ** (q / q[-1])
    population *= target / population.sum(axis=0)
    return codes, np.round(population).astype(np.int64)


def write_folk1a(landing_dir: Path, seed: int) -> Path:
    codes, population = folk1a(seed)
    periods = quarters()
    buffer = io.StringIO(newline="")
    buffer.write(";".join(FOLK1A_HEADER) + "\r\n")
    for code, series in [(DENMARK, population.sum(axis=0)), *zip(codes, population, strict=True)]:
        for period, value in zip(periods, series, strict=True):
            buffer.write(f"{code};{period};{int(value)}\r\n")
    path = landing_dir / FOLK1A_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path
