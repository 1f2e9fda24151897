"""The bad-input corpus (tests/corruptions.py): every corruption fails a full refresh with
a message naming file, row, column and rule; the failed gate's check carries its counts
and failing rows and links its Data Docs page; and every published file stays
byte-identical."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.automation.full_refresh import RefreshFailed, run_full_refresh
from dagster_project.quality.data_docs import index_page
from dagster_project.settings import get_settings
from tests.corruptions import CORRUPTIONS
from tests.reliability import private_environment, published_fingerprint

pytestmark = pytest.mark.slow


@pytest.fixture()
def private_env(refreshed, session_env, tmp_path, monkeypatch):
    return private_environment(session_env, tmp_path, monkeypatch)


def _failed_checks(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict]:
    checks = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        if not evaluation.passed:
            checks[evaluation.asset_check_key.to_user_string()] = evaluation.metadata
    return checks


def _tree_text(*roots: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for root in roots for p in root.rglob("*") if p.is_file() and p.suffix in (".html", ".json"))


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=lambda c: c.name)
def test_bad_input_fails_the_refresh_and_changes_nothing_published(corruption, private_env, defs, instance):
    warehouse = private_env.warehouse_dir
    before = published_fingerprint(warehouse)
    expected = corruption.apply(private_env.landing_dir)

    with pytest.raises(RefreshFailed) as err:
        run_full_refresh(defs, instance, get_settings(), progress=lambda _m: None, log_level="WARNING")
    message = str(err.value)
    for fragment in expected.fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert published_fingerprint(warehouse) == before

    failed = _failed_checks(instance, err.value.run_id)
    if expected.check is None:
        assert failed == {}, "a reader error stops the step before any gate"
        return
    assert expected.check in failed, f"{expected.check} did not fail; failed: {sorted(failed)}"
    metadata = failed[expected.check]
    assert metadata["expectations"].value > metadata["failed"].value >= 1
    assert metadata["errored"].value == 0
    rows = metadata["failing_rows"].value
    # a sample of failing rows, by row number (raw) or by key (mart)
    assert ("_source_row" in rows or "estate_id" in rows) and rows.count("\n") >= 2, rows
    page = warehouse / "data_docs" / metadata["data_docs_page"].value
    assert page.is_file() and metadata["data_docs"].value == page.resolve().as_uri()
    assert "Failed" in page.read_text(encoding="utf-8")
    assert metadata["data_docs_page"].value in index_page(warehouse).read_text(encoding="utf-8")

    shown = message + json.dumps({k: str(v.value) for check in failed.values() for k, v in check.items()})
    shown += _tree_text(warehouse / "data_docs", warehouse / "gx")
    for secret in expected.forbidden:
        assert secret not in shown, f"{secret!r} leaked into a message, check metadata or Data Docs"


def test_the_corpus_covers_at_least_twenty_kinds_of_bad_input():
    kinds = {c.kind for c in CORRUPTIONS}
    assert len(kinds) >= 20, sorted(kinds)
    assert len({c.name for c in CORRUPTIONS}) == len(CORRUPTIONS)
