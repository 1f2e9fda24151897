"""Data Docs: every validation stored and rendered by GX, at stable paths, pruned per suite
and partition, with CPR-shaped values masked."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dagster_project.quality import data_docs, gx_runner


@pytest.fixture()
def suite_dir(tmp_path, monkeypatch):
    suites = tmp_path / "suites"
    suites.mkdir()
    monkeypatch.setattr(gx_runner, "EXPECTATIONS_DIR", suites)
    gx_runner.load_suite.cache_clear()
    (suites / "demo.json").write_text(json.dumps({"name": "demo", "meta": {}, "expectations": [
        {"type": "expect_column_values_to_not_match_regex", "kwargs": {"column": "name", "regex": "[0-9]{6}-[0-9]{4}"},
         "meta": {"rule": "no CPR number in free text"}}]}), encoding="utf-8")
    yield suites
    gx_runner.load_suite.cache_clear()


def _gate(name: str):
    frame = pd.DataFrame({"name": ["ok", name], "_source_file": ["f.csv"] * 2, "_source_row": [2, 3],
                          "_source_locator": ["line 2", "line 3"]})
    return gx_runner.validate_frame(frame, "demo", subject="f.csv")


def test_a_failed_validation_gets_its_page_and_the_index_lists_it(suite_dir, tmp_path):
    warehouse = tmp_path / "warehouse"
    page = data_docs.record_validation(_gate("Plan v/ 610185-1234"), warehouse_dir=warehouse, run_id="run-1",
                                       batch="2011-14", asset="raw_demo", partition="2011-14")
    assert page.index == warehouse / "data_docs" / "index.html" and page.index.is_file()
    assert page.relative.startswith("validations/demo/run-1/") and page.relative.endswith("/2011-14.html")
    assert page.page == warehouse / "data_docs" / page.relative and page.page.is_file()
    html = page.page.read_text(encoding="utf-8")
    assert "Failed" in html and "******-****" in html
    assert page.relative in page.index.read_text(encoding="utf-8")
    assert (warehouse / "data_docs" / "expectations" / "demo.html").is_file()
    stored = "".join(p.read_text(encoding="utf-8") for p in (warehouse / "gx").rglob("*.json"))
    assert "610185" not in stored + html and "******-****" in stored


def test_old_results_and_their_pages_are_pruned_per_suite_and_partition(suite_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(data_docs, "KEEP_RESULTS", 2)
    warehouse = tmp_path / "warehouse"
    pages = [data_docs.record_validation(_gate("ok"), warehouse_dir=warehouse, run_id=f"run-{i}", batch="2011-14",
                                         asset="raw_demo") for i in range(4)]
    other = data_docs.record_validation(_gate("ok"), warehouse_dir=warehouse, run_id="run-9", batch="2015-18",
                                        asset="raw_demo")
    assert [p.page.is_file() for p in pages] == [False, False, True, True]
    assert other.page.is_file()
    assert len(list((warehouse / "gx" / "uncommitted" / "validations").rglob("*.json"))) == 3
    assert data_docs.rebuild(warehouse).is_file()


def _stable(html: str) -> str:
    """A page without what differs between two renders of it by GX itself (element ids,
    the render time in links)."""
    import re

    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", html)
    return re.sub(r"\?d=\d{8}T\d{6}\.\d+Z", "?d=<time>", html)


def test_a_page_is_the_page_gx_site_builder_renders(suite_dir, tmp_path):
    warehouse = tmp_path / "warehouse"
    page = data_docs.record_validation(_gate("Plan v/ 610185-1234"), warehouse_dir=warehouse, run_id="run-1",
                                       batch="2011-14", asset="raw_demo", partition="2011-14")
    ours = page.page.read_text(encoding="utf-8")
    suite_page = (warehouse / "data_docs" / "expectations" / "demo.html").read_text(encoding="utf-8")
    page.page.unlink()
    (warehouse / "data_docs" / "expectations" / "demo.html").unlink()
    data_docs.rebuild(warehouse)  # GX's own site builder, every page
    assert _stable(page.page.read_text(encoding="utf-8")) == _stable(ours)
    assert _stable((warehouse / "data_docs" / "expectations" / "demo.html").read_text(encoding="utf-8")) == \
        _stable(suite_page)
