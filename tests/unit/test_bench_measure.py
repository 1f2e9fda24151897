"""The benchmark's event-log analysis (bench/measure.py) is pure: stage intervals from
the runs' events, and the split of the wall time among overlapping stages."""

from __future__ import annotations

import pytest

from bench.measure import REFRESH_STAGES, analyse, attribute, stage_intervals


def test_attribute_splits_overlaps_and_adds_up_to_the_wall_time():
    split = attribute([(0, 4, "ingest"), (2, 6, "dbt"), (8, 9, "publish")], (0, 10))
    assert split["wall"]["ingest"] == pytest.approx(3.0)
    assert split["wall"]["dbt"] == pytest.approx(3.0)
    assert split["wall"]["orchestration"] == pytest.approx(3.0)
    assert sum(split["wall"].values()) == pytest.approx(10.0)
    assert split["busy"]["ingest"] == pytest.approx(4.0)
    assert split["overlap_seconds"] == pytest.approx(2.0)


def _raw(at, read=1.0, gate=2.0, docs=0.5, write=0.5):
    return {"at": at, "read_seconds": read, "gate_seconds": gate, "data_docs_seconds": docs,
            "write_seconds": write, "dagster/row_count": 10}


def test_raw_phases_are_placed_backwards_from_each_partitions_event():
    runs = [
        {"run_id": "a", "job": "ingest_person_years", "start": 0.0, "end": 20.0, "steps": [
            {"key": "raw_person_years", "start": 1.0, "end": 19.0, "materializations": 2, "checks": [],
             "raw": [_raw(6.0), _raw(12.0), {"at": 13.0, "unchanged_since_run": "x", "dagster/row_count": 5}]}]},
        {"run_id": "b", "job": "refresh_warehouse", "start": 20.0, "end": 40.0, "steps": [
            {"key": "dbt_models", "start": 21.0, "end": 30.0, "materializations": 30, "raw": [], "checks": []},
            {"key": "marts_check", "start": 30.0, "end": 32.0, "materializations": 0, "raw": [],
             "checks": [{"check": "c", "passed": True, "seconds": None}]},
            {"key": "published_warehouse", "start": 32.0, "end": 36.0, "materializations": 1, "raw": [],
             "checks": [{"check": "privacy_gates", "passed": True, "seconds": 1.5}]},
            {"key": "report", "start": 36.0, "end": 37.0, "materializations": 1, "raw": [], "checks": []}]},
    ]
    intervals, details = stage_intervals(runs)
    assert (5.5, 6.0, "ingest") in intervals and (2.0, 3.0, "ingest") in intervals  # write last, read first
    assert (3.0, 5.0, "raw gates") in intervals
    assert details["raw_partitions_gated"] == 2 and details["raw_partitions_unchanged"] == 1
    assert details["raw_rows"] == 25 and details["runs"] == 2
    assert details["privacy_gate_seconds"] == 1.5 and details["mart_checks"] == 1
    assert details["other_steps"] == {"report": 1.0}
    result = analyse(runs, (-5.0, 45.0))
    stages = result["stages"]
    assert set(stages) == set(REFRESH_STAGES)
    assert sum(s["seconds"] for s in stages.values()) == pytest.approx(50.0)
    assert stages["ingest"]["seconds"] == pytest.approx(3.0)
    assert stages["raw gates"]["seconds"] == pytest.approx(5.0)
    assert stages["dbt"]["seconds"] == pytest.approx(9.0)
    assert result["details"]["before_first_run_seconds"] == pytest.approx(5.0)


def test_the_engines_section_replaces_itself_and_leaves_the_rest(tmp_path):
    from bench.engines import END, START, write_section

    def results(dbt_seconds: float) -> dict:
        refresh = {"wall_seconds": 100.0, "peak_rss_bytes": 1, "details": {"sampled_peak_rss_bytes": 2**30},
                   "stages": {s: {"seconds": 1.0} for s in ("mart gates", "publish")} | {"dbt": {"seconds": dbt_seconds}}}
        return {"command": "bench/engines.py", "machine": {"cores": 2, "code_revision": "abc", "date": "now"},
                "runs": [{"scale": 1.0, "generate": {"notes": {"person_years": 11}},
                          "refresh": {"duckdb": refresh, "spark": {**refresh, "stages": {**refresh["stages"],
                                                                                      "dbt": {"seconds": 50.0}}}}}]}

    benchmarks = tmp_path / "BENCHMARKS.md"
    benchmarks.write_text("# Benchmarks\n\nhand-written notes\n", encoding="utf-8")
    write_section(benchmarks, results(10.0))
    write_section(benchmarks, results(25.0))
    text = benchmarks.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nhand-written notes\n")
    assert text.count(START) == text.count(END) == 1
    assert "2.0 times as long on Spark (50.0 s against 25.0 s)" in text and "10.0 s" not in text
