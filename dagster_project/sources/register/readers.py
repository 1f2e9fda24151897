"""Readers for the area and estate register (source S2): two UTF-8 CSV files.

Column names stay as the provider delivers them; dbt staging renames them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dagster_project.sources.delimited import int_field, read_delimited, text_field

AREAS_FILE = "register/boligomraader.csv"
ESTATES_FILE = "register/afdelinger.csv"

AREA_COLUMNS = {"boligomraade_id": text_field, "navn": text_field, "kommunekode": int_field}
ESTATE_COLUMNS = {
    "afdeling_id": text_field,
    "boligorganisation": text_field,
    "boligomraade_id": text_field,
    "antal_boliger": int_field,
    "opfoert_aar": int_field,
}


def read_areas(path: Path, landing_dir: Path) -> pd.DataFrame:
    """boligomraader.csv: one row per boligområde."""
    return read_delimited(path, landing_dir, AREA_COLUMNS)


def read_estates(path: Path, landing_dir: Path) -> pd.DataFrame:
    """afdelinger.csv: one row per boligafdeling, with the area it belongs to."""
    return read_delimited(path, landing_dir, ESTATE_COLUMNS)
