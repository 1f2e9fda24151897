"""The evaluation report of the session's published version: written beside the version by
the evaluation_report asset after publish, linked from its materialization, complete, and
self-contained: headless Chromium (Debian's, through Playwright) renders it with the
network off, and the page asks for nothing but itself."""

from __future__ import annotations

import re

import dagster as dg
import duckdb
import pytest

from tests.integration.dagster_ui import chromium

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(refreshed, instance, session_env):
    materialization = instance.get_latest_materialization_event(dg.AssetKey("evaluation_report"))
    assert materialization is not None and materialization.run_id == refreshed.runs[-1].run_id
    metadata = materialization.asset_materialization.metadata
    version = session_env.warehouse_dir.joinpath("current").resolve().name
    path = session_env.warehouse_dir / "reports" / version / "evaluation.html"
    assert metadata["path"].value == str(path)
    assert metadata["report"].value == path.as_uri()
    assert metadata["published_version"].value == version
    return path, version


def test_the_report_holds_the_version_its_effects_areas_lists_and_landing_files(report, session_env):
    path, version = report
    page = path.read_text(encoding="utf-8")
    info = (session_env.warehouse_dir / "versions" / version / "version.json").read_text(encoding="utf-8")
    assert version in page
    assert re.search(r'"code_revision": "([^"]+)"', info).group(1) in page
    for section in ("Effects of the activities on their participants", "Areas", "Government lists",
                    "Landing files of this version"):
        assert f"<h2>{section}</h2>" in page
    # Every landing file of the version, with its checksum.
    for sha in re.findall(r'"sha256": "([0-9a-f]{64})"', info):
        assert sha in page
    # The headline table: 18 primary rows, the four headlines highlighted, with the truth.
    assert page.count("<tr class=headline>") == 4
    assert "interval covers truth" in page
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        treated = con.sql("""select treated_n from rpt_aktivitet_effekter where activity_code = 'fritidsjob'
                             and outcome = 'fritidsjob' and horizon = 0 and subgroup = 'all'""").fetchone()[0]
        years = con.sql("select distinct year from fct_omraade_aar where list_published and list_category is not null"
                        ).fetchall()
    # withheld where the profile minus it would give 1-4 (docs/privacy.md)
    assert (f"<td>{treated:,}</td>" if treated is not None else "<td>withheld</td>") in page
    assert all(f"<tr><td>{year}</td>" in page for (year,) in years)


def test_the_report_is_self_contained(report):
    page = report[0].read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and "@import" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    # The four figures (forest plot, area trend, suspicions per cohort, every indicator's event
    # study), each embedded as a PNG data URI.
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)
    # No address outside the page (the PNGs' base64 may contain "//": left out of the search).
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page).replace("file://", "")
    assert not re.search(r"(?:https?:)?//[a-z0-9]", text, re.IGNORECASE)


def test_the_report_renders_offline_in_headless_chromium(report):
    path, version = report
    requests = []
    with chromium() as page:
        page.context.set_offline(True)
        page.context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
        page.goto(path.as_uri(), wait_until="load")
        assert page.title() == f"Evaluation report {version}"
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
        headline_rows = page.locator("tr.headline").count()
        text = page.inner_text("body")
    # Nothing but the page itself is asked for (data: URIs are no requests).
    assert set(requests) <= {path.as_uri()}, requests
    assert len(images) == 4 and all(done and w > 300 and h > 100 for done, w, h in images), images
    assert headline_rows == 4
    assert "Cohort difference-in-differences" in text
