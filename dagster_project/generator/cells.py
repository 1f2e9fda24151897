"""The coarsening shared by selection and matching: who takes part in an activity depends
only on these cells (and the participation year), so coarsened exact matching on the same
cells recovers the effect on the treated. docs/generator.md states them for the warehouse.

Ages are ``aar - foedselsaar`` (the age reached during the year).
"""

from __future__ import annotations

import numpy as np

AGE_BANDS = ((6, 9), (10, 12), (13, 15), (16, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64))
AGE_BAND_LABELS = tuple(f"{lo}-{hi}" for lo, hi in AGE_BANDS)
NO_BAND = -1

ORIGINS = ("dansk", "vestlig_indvandrer", "vestlig_efterkommer", "ikke_vestlig_indvandrer",
           "ikke_vestlig_efterkommer")
ORIGIN_GROUPS = ("dansk", "vestlig", "ikke_vestlig")
# origin code (index in ORIGINS) -> origin group code (index in ORIGIN_GROUPS)
ORIGIN_GROUP_OF = np.array([0, 1, 1, 2, 2], dtype=np.int8)

# Baseline: the previous year's value of the activity's primary outcome as the panel shows it.
UNKNOWN = "unknown"
BINARY_BASELINES = ("0", "1", UNKNOWN)
ABSENCE_BANDS = ("<5", "5-10", "10-20", ">=20")
ABSENCE_BASELINES = ABSENCE_BANDS + (UNKNOWN,)
# Parents' employment: foraelder_beskaeftiget in the participation year (children only).
PARENT_LABELS = ("0", "1", UNKNOWN)


def age_band(age: np.ndarray) -> np.ndarray:
    """Index into AGE_BANDS, or NO_BAND outside 6-64."""
    out = np.full(age.shape, NO_BAND, dtype=np.int8)
    for i, (lo, hi) in enumerate(AGE_BANDS):
        out[(age >= lo) & (age <= hi)] = i
    return out


def binary_baseline(previous: np.ndarray) -> np.ndarray:
    """previous: int8 -1 unknown / 0 / 1 -> index into BINARY_BASELINES."""
    return np.where(previous < 0, 2, previous).astype(np.int8)


def absence_baseline(previous_pct: np.ndarray) -> np.ndarray:
    """previous absence in % (nan unknown) -> index into ABSENCE_BASELINES: <5, [5,10), [10,20), >=20."""
    out = np.full(previous_pct.shape, 4, dtype=np.int8)
    known = ~np.isnan(previous_pct)
    out[known] = np.searchsorted(np.array([5.0, 10.0, 20.0]), previous_pct[known], side="right")
    return out


def parent_cell(parent_employed: np.ndarray) -> np.ndarray:
    """foraelder_beskaeftiget as int8 -1 (adults: not applicable) / 0 / 1 -> index into PARENT_LABELS."""
    return np.where(parent_employed < 0, 2, parent_employed).astype(np.int8)
