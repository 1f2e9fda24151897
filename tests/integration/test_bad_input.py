"""The bad-input corpus (tests/corruptions.py): every corruption fails a full refresh with
a message naming file, row, column and rule; the failed gate's check carries its counts
and failing rows and links its Data Docs page; no secret it lists (a CPR number) shows
in the message, the failed run's log, the check or Data Docs; and every published file
stays byte-identical. The entries that reach the warehouse build (a dbt build each) fail
one refresh together, each with its own gate, rows and message."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.automation.refresh import RefreshFailed, run_refresh
from dagster_project.quality.data_docs import index_page
from dagster_project.settings import get_settings
from tests.conftest import in_process
from tests.corruptions import CORRUPTIONS, REACHING_THE_BUILD
from tests.reliability import private_environment, private_instance, published_fingerprint

pytestmark = pytest.mark.slow


@pytest.fixture()
def private_env(refreshed, session_env, tmp_path, monkeypatch):
    return private_environment(session_env, tmp_path, monkeypatch)


@pytest.fixture()
def own_instance(private_env):
    """A Dagster instance of the test's own: its partitions follow its own landing files."""
    with private_instance(private_env) as inst:
        yield inst


def _failed_checks(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict]:
    checks = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        if not evaluation.passed:
            checks[evaluation.asset_check_key.to_user_string()] = evaluation.metadata
    return checks


def _run_log_text(instance: dg.DagsterInstance, run_id: str) -> str:
    """Every message and event of the failed run, as the Dagster UI would show them."""
    return "\n".join(record.user_message + str(record.dagster_event or "") for record in instance.all_logs(run_id))


def _tree_text(*roots: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for root in roots for p in root.rglob("*") if p.is_file() and p.suffix in (".html", ".json"))


def _assert_named(expected, message: str, failed: dict[str, dict], warehouse: Path, shown: str) -> None:
    """What the failed refresh must say and show about one corruption (``shown``: what an
    operator sees besides the message), and what it must not."""
    for fragment in expected.fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    if expected.check is None:
        # A reader error stops its partition before the suite: the partition's check fails
        # with where and why (file, row, column, rule), and no expectation ran.
        for check in failed.values():
            assert "expectations" not in check, "a reader error stops the partition before any gate"
            assert {"file", "rule"} <= set(check) and check["rule"].value in message, check
    else:
        assert expected.check in failed, f"{expected.check} did not fail; failed: {sorted(failed)}"
        metadata = failed[expected.check]
        assert metadata["failed"].value >= 1 and metadata["errored"].value == 0
        assert metadata["passed"].value + metadata["failed"].value == metadata["expectations"].value
        if metadata["expectations"].value > 1:
            assert metadata["passed"].value >= 1, "every rule failed: the frame, not the corruption, is wrong"
        rows = metadata["failing_rows"].value
        assert any(c in rows for c in ("_source_row", "_source_locator", "_source_file", "estate_id")) \
            and rows.count("\n") >= 2, rows
        page = warehouse / "data_docs" / metadata["data_docs_page"].value
        assert page.is_file() and metadata["data_docs"].value == get_settings().docs_url(
            f"data_docs/{metadata['data_docs_page'].value}")
        assert "Failed" in page.read_text(encoding="utf-8")
        assert metadata["data_docs_page"].value in index_page(warehouse).read_text(encoding="utf-8")
        shown += _tree_text(warehouse / "data_docs", warehouse / "gx")
    for secret in expected.forbidden:
        assert secret not in shown, f"{secret!r} leaked into a message, run log, check metadata or Data Docs"


def _failed_refresh(instance: dg.DagsterInstance, defs) -> tuple[str, dict[str, dict], str]:
    """The failed refresh's message, its failed checks, and everything else it shows."""
    with pytest.raises(RefreshFailed) as err:
        run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))
    message = str(err.value)
    failed = _failed_checks(instance, err.value.run_id) if err.value.run_id else {}
    shown = message + (_run_log_text(instance, err.value.run_id) if err.value.run_id else "")
    shown += json.dumps({k: str(v.value) for check in failed.values() for k, v in check.items()})
    return message, failed, shown


@pytest.mark.parametrize("corruption", [c for c in CORRUPTIONS if not c.reaches_build], ids=lambda c: c.name)
def test_bad_input_fails_the_refresh_and_changes_nothing_published(corruption, private_env, defs, own_instance):
    warehouse = private_env.warehouse_dir
    before = published_fingerprint(warehouse)
    expected = corruption.apply(private_env.landing_dir)
    assert expected.check is None or expected.check.startswith("raw_"), \
        f"{expected.check} is a gate of the warehouse build: mark the entry reaches_build=True"

    message, failed, shown = _failed_refresh(own_instance, defs)
    assert published_fingerprint(warehouse) == before
    _assert_named(expected, message, failed, warehouse, shown)


def test_the_entries_that_reach_the_build_fail_one_refresh_each_named_and_change_nothing_published(
        private_env, defs, own_instance):
    # Together, as on Spark (tests/integration/test_spark.py): each breaks another file and
    # must fail its own gate with its own rows, so one dbt build serves all of them.
    warehouse = private_env.warehouse_dir
    before = published_fingerprint(warehouse)
    assert len(REACHING_THE_BUILD) >= 3
    expected = {c.name: c.apply(private_env.landing_dir) for c in REACHING_THE_BUILD}
    for name, wanted in expected.items():
        assert wanted.check and not wanted.check.startswith("raw_"), f"{name} fails at its raw gate ({wanted.check})"

    message, failed, shown = _failed_refresh(own_instance, defs)
    assert published_fingerprint(warehouse) == before
    for wanted in expected.values():
        _assert_named(wanted, message, failed, warehouse, shown)


def test_the_corpus_covers_at_least_twenty_kinds_of_bad_input_in_every_source():
    kinds = {c.kind for c in CORRUPTIONS}
    assert len(kinds) >= 20, sorted(kinds)
    assert len({c.name for c in CORRUPTIONS}) == len(CORRUPTIONS)
    assert {c.source for c in CORRUPTIONS} >= {"S1a", "S1b", "S1c", "S2", "S3", "S4", "S5", "S6", "S7"}
    # The kinds issue 6 names, each in at least one source.
    assert kinds >= {"malformed CPR", "raw CPR in a free-text field", "empty file", "truncated file",
                     "suppressed where no suppression is allowed"}, sorted(kinds)
