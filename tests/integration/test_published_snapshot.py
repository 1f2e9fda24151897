"""What analysts read does not change unless a change means it to: the published tables
of the test-scale world equal, row for row, the digests recorded in
tests/snapshots/published_marts.json.

A change that alters a published table on purpose (a new column, a corrected estimate)
records the new digests in the same commit, with the reason in its message:

    python -m dagster_project refresh --generate --scale 0.05 --seed 2011   # in a scratch BOLIGSOCIAL_DATA_DIR
    python tests/published_snapshot.py $BOLIGSOCIAL_DATA_DIR/warehouse > tests/snapshots/published_marts.json
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.published_snapshot import table_digests

SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "published_marts.json"

pytestmark = pytest.mark.slow


def test_published_tables_equal_the_recorded_snapshot(refreshed, session_env):
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    current = table_digests(session_env.warehouse_dir / "current")
    assert sorted(current) == sorted(recorded), "published tables differ from the snapshot"
    changed = {name: {"recorded": recorded[name], "now": current[name]}
               for name in recorded if recorded[name] != current[name]}
    assert not changed, f"published tables changed: {json.dumps(changed, indent=1)[:4000]}"
