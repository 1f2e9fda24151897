"""S2: the area and estate register readers."""

from __future__ import annotations

import pytest

from dagster_project.core.errors import SourceContractError
from dagster_project.sources.register.readers import AREAS_FILE, ESTATES_FILE, read_areas, read_estates


def test_register_files_read_with_provenance(small_world):
    landing, _, manifest = small_world
    areas = read_areas(landing / AREAS_FILE, landing)
    estates = read_estates(landing / ESTATES_FILE, landing)
    assert len(areas) == manifest["areas"] and len(estates) == manifest["estates"]
    assert areas["boligomraade_id"].is_unique and estates["afdeling_id"].is_unique
    assert set(estates["boligomraade_id"]) <= set(areas["boligomraade_id"])
    assert estates["antal_boliger"].dtype == "int64"
    assert (areas["_source_file"] == AREAS_FILE).all()
    assert areas["_source_row"].iloc[0] == 2


def test_extra_column_is_rejected(tmp_path):
    path = tmp_path / "register" / "boligomraader.csv"
    path.parent.mkdir()
    path.write_text("boligomraade_id,navn,kommunekode,ekstra\nBO101-01,Åparken,101,x\n", encoding="utf-8")
    with pytest.raises(SourceContractError) as err:
        read_areas(path, tmp_path)
    assert (err.value.file, err.value.column, err.value.rule) == (
        "register/boligomraader.csv", "ekstra", "column not in the source contract")


def test_non_numeric_dwellings_name_row_and_column(tmp_path):
    path = tmp_path / "register" / "afdelinger.csv"
    path.parent.mkdir()
    path.write_text("afdeling_id,boligorganisation,boligomraade_id,antal_boliger,opfoert_aar\n"
                    "1234-001,Boligselskabet Ø,BO101-01,120,1970\n1234-002,Boligselskabet Ø,BO101-01,mange,1971\n",
                    encoding="utf-8")
    with pytest.raises(SourceContractError) as err:
        read_estates(path, tmp_path)
    assert (err.value.row, err.value.column) == (3, "antal_boliger")
