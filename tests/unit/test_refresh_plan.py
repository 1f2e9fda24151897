"""The refresh plan (pure argument builders) and the landing inventory, on real files."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.automation.inventory import reconcile, take_inventory, unknown_message
from dagster_project.automation.plan import full_refresh, ingestion_runs, next_runs, sources_of_files
from dagster_project.core.raw_store import RawStore
from dagster_project.settings import Settings
from dagster_project.sources.registry import BY_ASSET, SOURCES
from tests.landing_samples import write_area_list, write_registrations

ROWS = [("Åparken", "Odense", 1500, 45.2, 3.1, 62.0, 51.5, 55.0, "udsat boligområde")]
REGISTRATION = [("610198-1234", "201114-003", "fritidsjob", "2013-03-01", "2013-08-31", "2013-02-20T09:30:00")]
PARTITIONS = {"raw_lbf_grants": ["2011-14", "2015-18", "2019-26"], "raw_area_lists": ["2010", "2011"],
              "raw_area_indicators": ["2008"], "raw_person_years": ["2008", "2009", "2010"],
              "raw_participant_registrations": ["2011-14_2013"]}


def test_a_full_refresh_is_one_run_per_ingestion_job_then_the_warehouse():
    plan = full_refresh(PARTITIONS)
    jobs = [r.job for r in plan]
    assert len(plan) == 7 <= 8 and len(set(jobs)) == 7
    assert jobs[0] == "ingest_person_years"  # the largest first, the others beside it
    assert jobs[-1] == "refresh_warehouse" and set(plan[-1].after) == set(jobs[:-1])
    panel = plan[0]
    assert panel.partition_range == ("2008", "2010") and panel.label.endswith("3 partitions]")
    registrations = next(r for r in plan if r.job == "ingest_participant_registrations")
    assert registrations.after == ("ingest_lbf_grants",)
    tags = panel.run_tags({"x": "y"})
    assert tags["dagster/asset_partition_range_start"] == "2008" and tags["x"] == "y"


def test_runs_start_when_what_they_wait_for_succeeded():
    plan = full_refresh(PARTITIONS)
    first = {r.job for r in next_runs(plan, {})}
    assert "ingest_participant_registrations" not in first and "refresh_warehouse" not in first
    status = {job: "success" for job in first}
    assert {r.job for r in next_runs(plan, status)} == {"ingest_participant_registrations"}
    status["ingest_participant_registrations"] = "failure"
    assert next_runs(plan, status) == []  # a failure stops the refresh before the warehouse


def test_a_source_without_partitions_is_not_run_and_dependents_follow_their_gate():
    runs = ingestion_runs({**PARTITIONS, "raw_area_indicators": []})
    assert "ingest_area_indicators" not in {r.job for r in runs}
    assert [s.asset for s in sources_of_files({"raw_lbf_grants"})] == ["raw_lbf_grants",
                                                                       "raw_participant_registrations"]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(landing_dir=tmp_path / "landing", work_dir=tmp_path / "work",
                    warehouse_dir=tmp_path / "warehouse", truth_dir=tmp_path / "truth", keep_versions=5)


def test_the_inventory_claims_every_file_and_names_the_ones_no_contract_knows(settings):
    landing = settings.landing_dir
    write_area_list(landing, 2019, ROWS)
    write_area_list(landing, 2031, ROWS)  # a list year without list rules: its gate fails on it
    (landing / "lister" / ".~lock.liste_2019.csv#").write_text("")  # an editor's lock file: not a landing file
    write_registrations(landing, "2015-2018", 2016, REGISTRATION)  # a round folder spelled differently
    (landing / "lbf").mkdir()
    (landing / "lbf" / "bevillinger_2023-26.json").write_text("[]")
    (landing / "register").mkdir()
    (landing / "register" / "noter.txt").write_text("")
    inventory = take_inventory(landing)
    assert inventory.keys["raw_area_lists"] == {"2019": "lister/liste_2019.csv", "2031": "lister/liste_2031.csv"}
    assert inventory.keys["raw_participant_registrations"] == {
        "deltagere/2015-2018/registreringer_2016.csv": "deltagere/2015-2018/registreringer_2016.csv"}
    assert inventory.unknown == ["lbf/bevillinger_2023-26.json", "register/noter.txt"]
    message = unknown_message(inventory)
    assert "lbf/bevillinger_2023-26.json: rule 'a landing file is a file of the source contracts' violated" in message
    assert "register/personaar_<YYYY>.parquet" in message  # what the contracts name in register/
    assert "lbf/bevillinger_2015-18.xlsx" in inventory.missing


def test_reconciling_registers_new_files_and_removes_what_is_gone(settings, tmp_path):
    write_area_list(settings.landing_dir, 2019, ROWS)
    write_area_list(settings.landing_dir, 2020, ROWS)
    store = RawStore(settings.raw_dir)
    import pandas as pd

    for key in ("2019", "2020"):
        store.write("raw_area_lists", key, pd.DataFrame({"a": [1]}), {"asset": "raw_area_lists", "partition": key,
                                                                      "sources": []})
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        first = reconcile(settings, instance, take_inventory(settings.landing_dir))
        assert first.added == {"raw_area_lists": ["2019", "2020"]} and first.removed == {}
        (settings.landing_dir / "lister" / "liste_2020.csv").unlink()
        second = reconcile(settings, instance, take_inventory(settings.landing_dir))
        assert second.removed == {"raw_area_lists": ["2020"]}
        assert instance.get_dynamic_partitions(BY_ASSET["raw_area_lists"].partitions_name) == ["2019"]
        assert store.partitions("raw_area_lists") == ["2019"]
        assert second.lines() == ["raw_area_lists [2020]: its landing file is gone; removed from the raw layer"]


def test_every_source_of_the_registry_declares_its_files_and_gates_after_what_it_reads():
    seen = set()
    for source in SOURCES:
        assert source.landing.patterns and source.landing.contract
        assert set(source.gated_against) <= seen, source.asset
        seen.add(source.asset)
