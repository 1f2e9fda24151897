"""Bad input fails the refresh with file, row, column and rule, and the published
warehouse stays byte-identical."""

from __future__ import annotations

import shutil

import pytest

from dagster_project.automation.full_refresh import RefreshFailed, run_full_refresh
from dagster_project.publish.warehouse import current_version
from dagster_project.settings import get_settings
from tests.conftest import sha256
from tests.corruptions import SKELETON_CORRUPTIONS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("corruption", SKELETON_CORRUPTIONS, ids=lambda c: c.name)
def test_bad_grant_file_fails_and_publishes_nothing(corruption, refreshed, defs, instance, session_env, tmp_path,
                                                    monkeypatch):
    landing = tmp_path / "landing"
    shutil.copytree(session_env.landing_dir, landing)
    corruption.apply(landing)
    monkeypatch.setenv("BOLIGSOCIAL_LANDING_DIR", str(landing))

    marts = session_env.warehouse_dir / "marts.duckdb"
    before, version = sha256(marts), current_version(session_env.warehouse_dir)
    with pytest.raises(RefreshFailed) as err:
        run_full_refresh(defs, instance, get_settings(), progress=lambda _m: None, log_level="WARNING")
    message = str(err.value)
    for fragment in corruption.expected:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert sha256(marts) == before
    assert current_version(session_env.warehouse_dir) == version
