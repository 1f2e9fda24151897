"""BOLIGSOCIAL_DUCKDB_MEMORY: DuckDB's memory_limit in the dbt build (settings.py,
dbt/profiles.yml). DuckDB's own default, 80 % of memory, let the build at scale 10 take
21 GB of a 24 GB machine; the warehouse's default is 60 %."""

from __future__ import annotations

import os

import pytest

from dagster_project.settings import SettingsError, default_duckdb_memory, get_settings


def test_the_default_is_sixty_percent_of_this_machine_in_whole_gb(monkeypatch):
    monkeypatch.delenv("BOLIGSOCIAL_DUCKDB_MEMORY", raising=False)
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    value = get_settings().duckdb_memory
    assert value == default_duckdb_memory()
    assert value.endswith("GB")
    assert int(value[:-2]) == max(1, int(total * 0.6 / 1e9))


def test_a_set_value_reaches_dbt_and_a_malformed_one_is_refused(monkeypatch):
    monkeypatch.setenv("BOLIGSOCIAL_DUCKDB_MEMORY", "12 GiB")
    assert get_settings().dbt_env()["BOLIGSOCIAL_DUCKDB_MEMORY"] == "12GiB"
    for bad in ("12", "60%", "lots"):
        monkeypatch.setenv("BOLIGSOCIAL_DUCKDB_MEMORY", bad)
        with pytest.raises(SettingsError, match=f"BOLIGSOCIAL_DUCKDB_MEMORY='{bad}'"):
            get_settings()
