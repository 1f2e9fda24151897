"""The refresh as a user runs it, beyond the happy path: a bad file that passes its raw
gate but breaks a dbt test, and the recovery after it is deleted; the same inputs
published once, byte-identical; a second refresh refused at once; a file no contract
knows named and refused."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dagster_project.automation.lock import EXIT_BUSY, refresh_lock
from dagster_project.automation.refresh import RefreshFailed, run_refresh
from dagster_project.core.raw_store import RawStore
from dagster_project.publish.warehouse import current_version, list_versions
from dagster_project.settings import REPO_ROOT, get_settings
from tests.conftest import in_process, make_environment
from tests.reliability import private_environment, private_instance, published_fingerprint, use_environment

pytestmark = pytest.mark.slow


@pytest.fixture()
def private_env(refreshed, session_env, tmp_path, monkeypatch):
    return private_environment(session_env, tmp_path, monkeypatch)


def _plan_of_a_later_start(env) -> tuple[Path, int, str, str]:
    """A registrations file line, and a plan of the same round that starts after the
    participation on it: within the round's period (the raw gate passes), outside the
    plan's (the dbt test fails)."""
    import duckdb

    with duckdb.connect(str(env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        plans = con.sql("select plan_id, funding_round, start_date from dim_helhedsplan").fetchall()
    for path in sorted(env.landing_dir.glob("deltagere/*/registreringer_*.csv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines[1:], start=2):
            fields = line.split(",")
            later = [p for p, r, start in plans if r == path.parent.name and str(start) > fields[3]]
            if later and fields[1] != later[0]:
                return path, number, fields[1], later[0]
    raise AssertionError("no registration before the start of another plan of its round")


def test_a_file_that_breaks_a_dbt_test_is_named_and_deleting_it_recovers(private_env, defs):
    env = private_env
    path, line, plan, later_plan = _plan_of_a_later_start(env)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = lines[line - 1].replace(f",{plan},", f",{later_plan},", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    relative = path.relative_to(env.landing_dir).as_posix()
    before = published_fingerprint(env.warehouse_dir)

    with private_instance(env) as instance:
        with pytest.raises(RefreshFailed) as failed:
            run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
        message = str(failed.value)
        assert "dbt test assert_registrations_within_plan_period failed on model stg_participants__registrations" \
            in message
        assert "within the period of the helhedsplan" in message  # the rule, in words
        assert f"landing file(s): {relative}" in message
        assert f"{relative} line {line}: plan_id={later_plan}" in message
        assert "How to recover" in message and "The dbt CLI process" not in message
        assert published_fingerprint(env.warehouse_dir) == before

        # Deleted, it leaves the raw layer, and the next refresh publishes again by itself.
        path.unlink()
        lines_seen: list[str] = []
        report = run_refresh(get_settings(), instance, progress=lines_seen.append, launcher=in_process(defs))
        key = f"{path.parent.name}_{path.stem.split('_')[1]}"
        assert f"raw_participant_registrations [{key}]: its landing file is gone; removed from the raw layer" \
            in lines_seen
        assert key not in RawStore(get_settings().raw_dir).partitions("raw_participant_registrations")
        assert key not in instance.get_dynamic_partitions("participant_registrations_files")
        assert report.unchanged_version is None
        assert current_version(env.warehouse_dir) != before["link current"].split("/")[-1]


def test_the_same_inputs_and_code_publish_once_with_byte_identical_parquet(private_env, defs, session_env,
                                                                            tmp_path, monkeypatch):
    # Refreshed again: nothing changed, nothing is published.
    versions = list_versions(private_env.warehouse_dir)
    with private_instance(private_env) as instance:
        report = run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
    assert report.unchanged_version == current_version(private_env.warehouse_dir) == versions[-1]
    assert list_versions(private_env.warehouse_dir) == versions
    assert [r.job for r in report.runs] == []  # every partition unchanged, the warehouse as published

    # Built again from nothing but the same landing files: the same bytes.
    fresh = make_environment(tmp_path / "fresh")
    shutil.copytree(session_env.landing_dir, fresh.landing_dir)
    use_environment(monkeypatch, fresh)
    with private_instance(fresh) as instance:
        run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
    exports = sorted(p.name for p in (session_env.warehouse_dir / "parquet").glob("*.parquet"))
    assert exports
    for name in exports:
        first = hashlib.sha256((session_env.warehouse_dir / "parquet" / name).read_bytes()).hexdigest()
        second = hashlib.sha256((fresh.warehouse_dir / "parquet" / name).read_bytes()).hexdigest()
        assert first == second, f"{name} differs between two builds of the same inputs"


def test_a_second_refresh_is_refused_at_once_naming_the_holder(private_env):
    with refresh_lock(private_env.work_dir) as holder:
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "dagster_project", "refresh"], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=60)
        seconds = time.perf_counter() - started
    assert result.returncode == EXIT_BUSY, result.stdout + result.stderr
    assert seconds < 5, f"refused only after {seconds:.1f} s"
    assert "REFRESH BUSY" in result.stdout and f"pid {holder['pid']}" in result.stdout
    assert holder["refresh_id"] in result.stdout


def test_a_landing_file_no_contract_knows_is_named_and_refused(private_env, defs):
    stray = private_env.landing_dir / "lbf" / "bevillinger_2023-26.json"
    stray.write_text("[]", encoding="utf-8")
    before = published_fingerprint(private_env.warehouse_dir)
    with private_instance(private_env) as instance, pytest.raises(RefreshFailed) as failed:
        run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
    assert "lbf/bevillinger_2023-26.json: rule 'a landing file is a file of the source contracts' violated" \
        in str(failed.value)
    assert "lbf/bevillinger_2011-14.csv" in str(failed.value)  # what the contract names instead
    assert published_fingerprint(private_env.warehouse_dir) == before
