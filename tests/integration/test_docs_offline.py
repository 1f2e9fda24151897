"""The documentation renders with no network, as on a research server without internet:
the docs server (`make docs`) on 127.0.0.1, headless Chromium (Debian's, through
Playwright) with every request to anywhere else blocked, and each page must need none.

Data Docs: the index lists every stored validation and suite (bootstrap-table, built by
jQuery from the vendored scripts), and every validation and suite page it links renders
with Bootstrap's styles. The version's data dictionary lists the label tables, and dbt's
docs site loads its manifest and catalog and shows a published model.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from dagster_project.docs.server import serving
from dagster_project.publish.warehouse import current_version
from tests.integration.dagster_ui import CHROMIUM, CHROMIUM_FLAGS

pytestmark = pytest.mark.slow

LOCAL = ("http://127.0.0.1:", "data:", "blob:", "about:")
# dbt-docs' index.html asks its own server for three URLs it never meant to load: two
# Angular templates bound with src= instead of ng-src= ("{{ getIcon(item.type, 'on') }}")
# and a favicon link whose webpack placeholder was never filled ("${require(...)}"). They
# 404 on the docs server; nothing outside it is asked for.
DBT_DOCS_UNBOUND = ("/dbt_docs/%7B%7B%20getIcon(", "/dbt_docs/$%7Brequire(")
# Bootstrap 4's font stack: the vendored stylesheet applied (the browser's default is a serif).
BOOTSTRAP_FONT = "-apple-system"


@dataclass
class Traffic:
    """Every request a page made that was not to the docs server, failed, or logged an error."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def problems(self, known: tuple[str, ...] = ()) -> dict[str, list[str]]:
        """What went wrong, less the local failures named by ``known``. A resource that
        failed to load is listed by its URL in ``failed``; the console's line for it is not
        repeated."""
        problems = {"blocked": self.blocked,
                    "failed": [f for f in self.failed if not any(k in f for k in known)],
                    "errors": [e for e in self.errors if not e.startswith("Failed to load resource")]}
        return {k: v for k, v in problems.items() if v}


@contextmanager
def offline_page() -> Iterator[tuple[Any, Traffic]]:
    """A headless Chromium page whose network is the loopback docs server only."""
    from playwright.sync_api import sync_playwright

    traffic = Traffic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})

            def route(request_route):
                url = request_route.request.url
                if url.startswith(LOCAL):
                    request_route.continue_()
                else:
                    traffic.blocked.append(url)
                    request_route.abort("internetdisconnected")

            context.route("**/*", route)
            page = context.new_page()
            page.on("requestfailed", lambda r: traffic.failed.append(f"{r.url}: {r.failure}"))
            page.on("response", lambda r: traffic.failed.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None)
            page.on("console", lambda m: traffic.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: traffic.errors.append(str(e)))
            yield page, traffic
        finally:
            browser.close()


@pytest.fixture(scope="module")
def docs_server(refreshed, session_env) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with serving(session_env.warehouse_dir, port):
        yield f"http://127.0.0.1:{port}"


def _styled(page) -> bool:
    return BOOTSTRAP_FONT in page.evaluate("() => getComputedStyle(document.body).fontFamily")


def test_data_docs_index_and_every_page_render_with_no_network(docs_server, session_env):
    stored = list((session_env.warehouse_dir / "gx" / "uncommitted" / "validations").rglob("*.json"))
    suites = {p.stem for p in (session_env.warehouse_dir / "gx" / "expectations").glob("*.json")}
    with offline_page() as (page, traffic):
        page.goto(f"{docs_server}/data_docs/index.html", wait_until="networkidle")
        assert page.evaluate("() => typeof window.jQuery === 'function' && typeof jQuery.fn.bootstrapTable"
                             " === 'function' && typeof window.vegaEmbed === 'function'"), traffic.problems()
        assert _styled(page)
        # the rows bootstrap-table built, as [page, suite], of the validations and the suites tables
        rows = page.evaluate("""(cls) => jQuery('table.' + cls).bootstrapTable('getData')
            .map(r => [r._table_row_link_path, r._expectation_suite_name_sort])""", "ge-index-page-validation-results-table")
        validations = [tuple(r) for r in rows]
        suite_pages = [tuple(r) for r in page.evaluate("""(cls) => jQuery('table.' + cls).bootstrapTable('getData')
            .map(r => [r._table_row_link_path, null])""", "ge-index-page-expectation_suites-table")]
        # the list of validations is there: every stored result, every suite
        assert len(validations) == len(stored) > 0
        assert {suite for _, suite in validations} == suites
        assert len(suite_pages) == len(suites)
        assert page.get_by_text(f"Showing 1 to 10 of {len(stored)} rows").first.is_visible()
        for link, _suite in validations + suite_pages:
            page.goto(f"{docs_server}/data_docs/{link}", wait_until="load")
            assert _styled(page), link
            assert page.locator("nav.navbar img").first.evaluate("i => i.complete && i.naturalWidth > 0"), link
        assert traffic.problems() == {}, json.dumps(traffic.problems(), indent=1)[:3000]


def test_the_version_s_dictionary_and_dbt_docs_render_with_no_network(docs_server, session_env):
    version = current_version(session_env.warehouse_dir)
    with offline_page() as (page, traffic):
        page.goto(f"{docs_server}/", wait_until="load")
        page.get_by_role("link", name="data dictionary").first.click()
        page.wait_for_load_state("load")
        assert page.url == f"{docs_server}/reports/{version}/data_dictionary.html"
        for label_table in ("lbl_aktivitet", "lbl_udfald", "lbl_indikator", "lbl_listekategori", "lbl_pulje"):
            assert page.locator(f"section[id='marts.{label_table}'] tbody tr").count() >= 3, label_table
        page.goto(f"{docs_server}/dbt_docs/", wait_until="networkidle")
        assert page.url.split("#", 1)[0] == f"{docs_server}/reports/{version}/dbt_docs/index.html"
        page.goto(page.url.split("#", 1)[0] + "#!/model/model.boligsocial.lbl_pulje", wait_until="networkidle")
        page.get_by_text("Label table of Landsbyggefonden's funding rounds").first.wait_for(timeout=60_000)
        assert traffic.blocked == [], traffic.blocked
        assert traffic.problems(known=DBT_DOCS_UNBOUND) == {}, \
            json.dumps(traffic.problems(known=DBT_DOCS_UNBOUND), indent=1)[:3000]
