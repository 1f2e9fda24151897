"""Data Docs: every validation stored and rendered by GX, at stable paths, pruned per suite
and partition, with CPR-shaped values masked."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest

from dagster_project.quality import data_docs, data_docs_offline, gx_runner


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


def _loads(html: str) -> list[str]:
    """What a page loads: scripts, stylesheets, images, CSS url()s (links to other pages are not loads)."""
    tags = re.findall(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*"([^"]+)"', html, flags=re.I)
    return tags + re.findall(r"url\(\s*['\"]?([^)'\"]+)", html)


def test_every_page_loads_only_files_of_the_site_vendored_from_npm(suite_dir, tmp_path):
    """No CDN, no S3 logo: each script, stylesheet, font and image a page (or a stylesheet
    it loads) needs is a file under data_docs/, and the vendored ones are the pinned bytes."""
    warehouse = tmp_path / "warehouse"
    data_docs.record_validation(_gate("x"), warehouse_dir=warehouse, run_id="run-1", batch="2011-14", asset="raw_demo")
    site = warehouse / "data_docs"
    pages = sorted(site.rglob("*.html"))
    assert {p.relative_to(site).parts[0] for p in pages} == {"index.html", "expectations", "validations"}
    seen = set()
    queue = [(page, _loads(page.read_text(encoding="utf-8"))) for page in pages]
    while queue:
        source, loads = queue.pop()
        for load in loads:
            if load.startswith(("data:", "#")):
                continue
            assert not re.match(r"^(https?:)?//", load), f"{source.relative_to(site)} loads {load} from outside"
            target = (source.parent / load.split("?", 1)[0].split("#", 1)[0]).resolve()
            assert target.is_file() and target.is_relative_to(site.resolve()), f"{source}: {load} does not resolve"
            if target.suffix == ".css" and target not in seen:
                queue.append((target, _loads(target.read_text(encoding="utf-8"))))
            seen.add(target)
    vendored = {p.relative_to(site / "static" / "vendor").as_posix() for p in seen
                if p.is_relative_to((site / "static" / "vendor").resolve())}
    assert {"jquery@3.7.1/dist/jquery.min.js", "bootstrap@4.3.1/dist/css/bootstrap.min.css",
            "@fortawesome/fontawesome-free@6.6.0/webfonts/fa-solid-900.woff2"} <= vendored
    pinned = data_docs_offline.vendored_files()
    for relative in vendored:
        assert hashlib.sha256((site / "static" / "vendor" / relative).read_bytes()).hexdigest() == pinned[relative]


def test_the_committed_vendor_files_match_their_pins():
    assert data_docs_offline.check_vendored() == []
    for package in data_docs_offline.manifest()["packages"]:
        assert package["integrity"].startswith("sha512-") and package["version"].count(".") == 2, package


def test_a_gx_template_loading_an_unknown_url_fails_naming_it():
    with pytest.raises(data_docs_offline.OfflineTemplateError, match=r"page\.j2 loads https://cdn\.example/x\.js"):
        data_docs_offline.rewrite_template("page.j2", '<script src="https://cdn.example/x.js"></script>')
    # every template GX 1.x loads something in is known, and rewritten without a CDN URL
    from jinja2 import Environment, PackageLoader

    for name, folder in data_docs_offline.TEMPLATES.items():
        source = PackageLoader("great_expectations", folder).get_source(Environment(), name)[0]
        assert "cdn" not in data_docs_offline.rewrite_template(name, source).replace("offline_root", "")
