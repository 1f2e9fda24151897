"""Synthetic CPR numbers: erstatningspersonnumre ``DDMMYY-SSSS`` with DD = day of birth + 60
(61-91), so they can never collide with a real CPR number; the last digit is odd for men
and even for women; unique across everyone the generator creates.

Serials are handed out per (DDMMYY, gender) in a scrambled order: the k-th person with a
given DDMMYY and gender gets ``2 * ((offset + k * 1237) mod 5000) + (1 for men, 0 for
women)``; 1237 is coprime to 5000, so the first 5,000 per cell are distinct.
"""

from __future__ import annotations

import numpy as np

_STEP = 1237
_PER_CELL = 5000
_CELLS = 100 * 12 * 31


class CprFactory:
    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._offset = rng.integers(0, _PER_CELL, size=_CELLS)
        self._issued = np.zeros((_CELLS, 2), dtype=np.int64)

    def issue(self, birth_year: np.ndarray, female: np.ndarray) -> np.ndarray:
        """A fresh CPR number (``U11``) for each person, with a random birth date in the year."""
        n = len(birth_year)
        if n == 0:
            return np.array([], dtype="U11")
        year_start = (birth_year.astype(np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        year_end = (birth_year.astype(np.int64) - 1969).astype("datetime64[Y]").astype("datetime64[D]")
        days = (year_end - year_start).astype(np.int64)
        born = year_start + np.floor(self._rng.random(n) * days).astype("timedelta64[D]")
        month_start = born.astype("datetime64[M]")
        month = month_start.astype(np.int64) % 12 + 1
        day = (born - month_start.astype("datetime64[D]")).astype(np.int64) + 1
        yy = birth_year.astype(np.int64) % 100
        cell = (yy * 12 + month - 1) * 31 + day - 1
        sex = (~female).astype(np.int64)  # 1 for men
        # Rank of each new person within its (cell, sex), after those issued before.
        key = cell * 2 + sex
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        first = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
        run_start = np.repeat(first, np.diff(np.r_[first, n]))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - run_start
        rank += self._issued[cell, sex]
        if rank.max() >= _PER_CELL:
            raise RuntimeError("more than 5,000 persons share a birth date and gender")
        np.add.at(self._issued, (cell, sex), 1)
        serial = 2 * ((self._offset[cell] + rank * _STEP) % _PER_CELL) + sex
        number = (day + 60) * 10**8 + month * 10**6 + yy * 10**4 + serial
        digits = np.char.zfill(number.astype("U10"), 10)
        chars = digits.view("U1").reshape(n, 10)
        out = np.empty((n, 11), dtype="U1")
        out[:, :6] = chars[:, :6]
        out[:, 6] = "-"
        out[:, 7:] = chars[:, 6:]
        return out.view("U11").reshape(n)
