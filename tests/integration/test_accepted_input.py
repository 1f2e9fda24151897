"""What real exports legitimately do is accepted end to end (tests/accepted_variants.py):
with every variant applied at once, a full refresh succeeds and publishes the same figures,
row for row, except where the one variant that changes values (a plan at exactly 25 %
local co-financing) reaches; that plan is published at exactly a quarter."""

from __future__ import annotations

import json

import duckdb
import pytest

from dagster_project.automation.refresh import run_refresh
from dagster_project.dbt.project import dbt_project
from dagster_project.publish.warehouse import current_version
from dagster_project.settings import get_settings
from tests.accepted_variants import VARIANTS
from tests.published_snapshot import table_digests
from tests.conftest import in_process
from tests.reliability import private_environment, private_instance

pytestmark = pytest.mark.slow


@pytest.fixture()
def private_env(refreshed, session_env, tmp_path, monkeypatch):
    return private_environment(session_env, tmp_path, monkeypatch)


def _downstream_of_the_grants() -> set[str]:
    """Published models that read the grants (where the 25 % plan's amounts can reach)."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    seen, todo = set(), [k for k in manifest["sources"] if k.endswith(".raw_lbf_grants")]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {manifest["nodes"][n]["name"] for n in seen if n in manifest["nodes"]}


def test_real_export_variants_refresh_and_publish_the_same_figures(private_env, defs):
    before_version = current_version(private_env.warehouse_dir)
    before = table_digests(private_env.warehouse_dir / "current")
    for variant in VARIANTS:
        variant.apply(private_env.landing_dir)

    with private_instance(private_env) as instance:
        run_refresh(get_settings(), instance, progress=lambda _m: None, launcher=in_process(defs))

    assert current_version(private_env.warehouse_dir) != before_version, "the refresh published no new version"
    after = table_digests(private_env.warehouse_dir / "current")
    grants = _downstream_of_the_grants()
    assert "fct_bevilling" in grants
    changed = sorted(name for name in before if before[name] != after[name])
    assert all(name.split(".", 1)[1] in grants for name in changed), changed
    # The participants' side reads the plans (ids, periods), never their amounts: unchanged.
    participant_side = {"fct_deltagelse", "rpt_participant_profile", "rpt_aktivitet_effekter"}
    assert not participant_side & {name.split(".", 1)[1] for name in changed}, changed
    with duckdb.connect(str(private_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        # The other rounds' grants, read from re-saved CSV and float-typed Excel, are the same to the øre.
        rows = con.sql("select * from fct_bevilling where funding_round <> '2019-26' order by all").fetchall()
        share = con.sql("select local_cofinancing_share from dim_helhedsplan where plan_id = '201926-001'").fetchall()
    with duckdb.connect(str(private_env.warehouse_dir / "versions" / before_version / "marts.duckdb"),
                        read_only=True) as con:
        assert rows == con.sql("select * from fct_bevilling where funding_round <> '2019-26' order by all").fetchall()
    assert share == [(0.25,)]
