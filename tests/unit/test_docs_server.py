"""The documentation server (`make docs`): a real HTTP server on 127.0.0.1 serving the
warehouse directory's Data Docs and per-version reports, and nothing else of it."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from dagster_project.docs.server import DocsServerError, make_server, serving, status_lines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str) -> tuple[int, str, dict]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture()
def warehouse(tmp_path):
    """Two published versions: the current one documented, the older one not."""
    root = tmp_path / "warehouse"
    for version in ("20260101T000000Z-aaaaaaaa", "20260201T000000Z-bbbbbbbb"):
        (root / "versions" / version).mkdir(parents=True)
        (root / "versions" / version / "marts.duckdb").write_bytes(b"not for the web")
    (root / "current").symlink_to("versions/20260201T000000Z-bbbbbbbb")
    (root / "marts.duckdb").symlink_to("current/marts.duckdb")
    docs = root / "reports" / "20260201T000000Z-bbbbbbbb"
    (docs / "dbt_docs").mkdir(parents=True)
    (docs / "dbt_docs" / "index.html").write_text("<html>dbt</html>", encoding="utf-8")
    (docs / "data_dictionary.html").write_text("<html>dictionary</html>", encoding="utf-8")
    (root / "data_docs").mkdir()
    (root / "data_docs" / "index.html").write_text("<html>gx</html>", encoding="utf-8")
    return root


def test_it_serves_data_docs_and_each_version_s_documents_and_says_what_is_missing(warehouse):
    port = _free_port()
    with serving(warehouse, port):
        base = f"http://127.0.0.1:{port}"
        status, body, _ = _get(f"{base}/")
        assert status == 200 and 'href="/data_docs/index.html"' in body
        assert 'href="/reports/20260201T000000Z-bbbbbbbb/data_dictionary.html"' in body
        # the older version has neither: a clear message in its place, not a link to a broken page
        assert "20260101T000000Z-aaaaaaaa" in body and body.count("no data dictionary") == 1
        assert _get(f"{base}/data_docs/index.html")[:2] == (200, "<html>gx</html>")
        assert _get(f"{base}/reports/20260201T000000Z-bbbbbbbb/data_dictionary.html")[1] == "<html>dictionary</html>"
        status, _, headers = _get(f"{base}/dbt_docs/")
        assert status == 302 and headers["Location"] == "/reports/20260201T000000Z-bbbbbbbb/dbt_docs/index.html"
        status, body, _ = _get(f"{base}/reports/20260101T000000Z-aaaaaaaa/data_dictionary.html")
        assert status == 404 and "Version <code>20260101T000000Z-aaaaaaaa</code> has no data dictionary" in body
        status, body, _ = _get(f"{base}/reports/20990101T000000Z-cccccccc/dbt_docs/index.html")
        assert status == 404 and "no published version <code>20990101T000000Z-cccccccc</code>" in body
        for private in ("/marts.duckdb", "/versions/20260101T000000Z-aaaaaaaa/marts.duckdb", "/gx/",
                        "/data_docs/../marts.duckdb", "/reports/../current/marts.duckdb"):
            status, body, _ = _get(base + private)
            assert status == 404 and "not for the web" not in body, private
    lines = status_lines(warehouse)
    assert any(line.startswith("version 20260101T000000Z-aaaaaaaa: no data dictionary") for line in lines)
    assert not any("bbbbbbbb" in line for line in lines)


def test_a_port_already_taken_fails_naming_it(warehouse):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DocsServerError, match=rf"port {port} on 127.0.0.1 is already in use.*BOLIGSOCIAL_DOCS_PORT"):
            make_server(warehouse, port)


def test_an_empty_warehouse_directory_says_so(tmp_path):
    port = _free_port()
    with serving(tmp_path, port):
        status, body, _ = _get(f"http://127.0.0.1:{port}/")
    assert status == 200 and "No Data Docs yet" in body and "No version published yet" in body


def test_the_docs_url_follows_boligsocial_docs_port(monkeypatch):
    from dagster_project.settings import SettingsError, get_settings

    monkeypatch.delenv("BOLIGSOCIAL_DOCS_PORT", raising=False)
    assert get_settings().docs_url("data_docs/index.html") == "http://127.0.0.1:8765/data_docs/index.html"
    monkeypatch.setenv("BOLIGSOCIAL_DOCS_PORT", "9001")
    assert get_settings().docs_base_url == "http://127.0.0.1:9001/"
    monkeypatch.setenv("BOLIGSOCIAL_DOCS_PORT", "99999")
    with pytest.raises(SettingsError, match="BOLIGSOCIAL_DOCS_PORT='99999'"):
        get_settings()
