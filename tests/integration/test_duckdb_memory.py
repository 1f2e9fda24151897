"""BOLIGSOCIAL_DUCKDB_MEMORY: DuckDB's memory_limit in the dbt build (settings.py,
dbt/profiles.yml). DuckDB's own default, 80 % of memory, let the build at scale 10 hold
21 GB of a 24 GB machine (docs/constraints.md, "Memory at scale")."""

from __future__ import annotations

import os
import subprocess

import duckdb
import pytest

from dagster_project.dbt.project import dbt_executable
from dagster_project.settings import DBT_PROJECT_DIR, SettingsError, get_settings


def _reported(value: str | None = None) -> str:
    """memory_limit as DuckDB reports it, set to ``value`` (None: DuckDB's own default)."""
    with duckdb.connect() as con:
        if value:
            con.execute(f"SET memory_limit = '{value}'")
        return con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_the_setting_is_the_memory_limit_of_dbts_duckdb(monkeypatch, tmp_path):
    monkeypatch.setenv("BOLIGSOCIAL_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("BOLIGSOCIAL_DUCKDB_MEMORY", "1234MB")  # unlike any default
    settings = get_settings()
    settings.build_db.parent.mkdir(parents=True)
    shown = subprocess.run(
        [dbt_executable(), "show", "--inline", "select current_setting('memory_limit') as memory_limit",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--quiet",
         "--output", "json"],
        cwd=DBT_PROJECT_DIR, env={**os.environ, **settings.dbt_env()},
        capture_output=True, text=True, timeout=300, check=True).stdout
    assert _reported("1234MB") != _reported()
    assert f'"memory_limit": "{_reported("1234MB")}"' in shown


def test_the_default_is_below_duckdbs_own_and_a_malformed_value_is_refused(monkeypatch):
    monkeypatch.delenv("BOLIGSOCIAL_DUCKDB_MEMORY", raising=False)
    default = get_settings().duckdb_memory
    assert default.endswith("GB")
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0 < int(default[:-2]) * 1e9 < 0.8 * total  # DuckDB's own: 80 % of memory
    for bad in ("12", "60%", "lots"):
        monkeypatch.setenv("BOLIGSOCIAL_DUCKDB_MEMORY", bad)
        with pytest.raises(SettingsError, match=f"BOLIGSOCIAL_DUCKDB_MEMORY='{bad}'"):
            get_settings()
