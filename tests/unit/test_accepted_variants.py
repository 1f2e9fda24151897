"""What real exports legitimately do is accepted (tests/accepted_variants.py): each variant
is read by its source's reader and passes its raw gate, and a variant that changes how a
file is written, not what it says, reads as the same values as the original."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from dagster_project.quality import parameters
from dagster_project.quality.gx_runner import validate_frame
from dagster_project.sources.indicators.readers import SOURCE_COLUMN_NAMES as INDICATOR_LABELS
from dagster_project.sources.indicators.readers import read_area_indicators
from dagster_project.sources.lbf.readers import GRANT_FILES, read_grants
from dagster_project.sources.lists.readers import SOURCE_COLUMN_NAMES as LIST_LABELS
from dagster_project.sources.lists.readers import read_area_list
from dagster_project.sources.panel.readers import read_person_years
from dagster_project.sources.participants.readers import partition_key, read_registrations, split_key
from dagster_project.sources.register.readers import read_areas, read_estates
from dagster_project.sources.statbank.readers import read_folk1a_snapshot
from tests.accepted_variants import VARIANTS, Variant
from tests.corruptions import AREAS, ESTATES, FOLK1A

ROUND_OF = {path: funding_round for funding_round, path in GRANT_FILES.items()}
# Provenance that names the delivery itself, not its values.
OF_THE_DELIVERY = ["_source_sha256", "_loaded_at"]


def _gated(name: str, landing: Path) -> pd.DataFrame:
    """The file read by its reader, after its raw gate passed (with the parameters a refresh gives it)."""
    path = landing / name
    if name in ROUND_OF:
        funding_round = ROUND_OF[name]
        frame, suite, params = read_grants(funding_round, landing), "raw_lbf_grants", \
            parameters.raw_lbf_grants(funding_round)
    elif name == AREAS:
        frame, suite, params = read_areas(path, landing), "raw_register_areas", parameters.raw_register_areas()
    elif name == ESTATES:
        areas = read_areas(landing / AREAS, landing)
        frame, suite, params = read_estates(path, landing), "raw_register_estates", \
            {"area_ids": sorted(areas["boligomraade_id"].unique())}
    elif name.startswith("lister/"):
        frame = read_area_list(path, landing)
        suite, params = "raw_area_lists", parameters.raw_area_lists(int(frame["list_year"].iloc[0]))
    elif name.startswith("indikatorer/"):
        frame = read_area_indicators(path, landing)
        suite, params = "raw_area_indicators", parameters.raw_area_indicators(int(frame["file_year"].iloc[0]))
    elif name.startswith("deltagere/"):
        funding_round, year = split_key(partition_key(name))
        frame, suite = read_registrations(path, landing), "raw_participant_registrations"
        params = {**parameters.raw_participant_registrations(funding_round, year, landing / "no-raw-layer", path),
                  "plan_ids": sorted(set(read_grants(funding_round, landing)["plan_id"]))}
    elif name.startswith("register/personaar_"):
        frame, suite, params = read_person_years(path, landing), "raw_person_years", \
            parameters.raw_person_years(int(name[-12:-8]))
    elif name == FOLK1A:
        frame, suite, params = read_folk1a_snapshot(path, landing), "raw_statbank_folk1a", \
            parameters.raw_statbank_folk1a()
    else:
        raise AssertionError(f"no reader for {name}")
    labels = INDICATOR_LABELS if suite == "raw_area_indicators" else LIST_LABELS if suite == "raw_area_lists" else {}
    gate = validate_frame(frame, suite, subject=name, parameters=params, column_labels=labels)
    assert gate.success, gate.message()
    return frame.drop(columns=OF_THE_DELIVERY)


def _files(variant: Variant, landing: Path) -> list[str]:
    return sorted({p.relative_to(landing).as_posix() for pattern in variant.files for p in landing.glob(pattern)})


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_a_real_export_variant_is_read_and_passes_its_gate(variant, small_world, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_world[0], landing)
    files = _files(variant, landing)
    assert files, variant.files
    before = {name: _gated(name, landing) for name in files} if variant.same_values else {}
    variant.apply(landing)
    for name in files:
        after = _gated(name, landing)
        if variant.same_values:
            pd.testing.assert_frame_equal(after, before[name], check_dtype=True, obj=name)


def test_a_plan_at_exactly_25_percent_local_cofinancing_is_read_as_exactly_a_quarter(small_world, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_world[0], landing)
    next(v for v in VARIANTS if "25 %" in v.name).apply(landing)
    frame = _gated("lbf/bevillinger_2019-26.json", landing)
    assert (frame.loc[frame["_source_locator"].str.startswith("$.helhedsplaner[0]."),
                      "plan_local_cofinancing_share"] == 0.25).all()


def test_amounts_are_read_at_excel_precision_and_no_closer(tmp_path):
    """A binary float of a typed amount is that amount; a real third decimal is refused."""
    from dagster_project.core.errors import SourceContractError
    from dagster_project.sources.lbf.readers import _number_to_ore

    assert _number_to_ore(1234567.0999999999, "f", 2, "c") == 123456710
    assert _number_to_ore(0.1 + 0.2, "f", 2, "c") == 30
    assert _number_to_ore(8689001.250000002, "f", 2, "c") == 868900125
    for bad in (1234.567, 0.001, float("nan"), float("inf"), 1e13):
        with pytest.raises(SourceContractError):
            _number_to_ore(bad, "f", 2, "c")
