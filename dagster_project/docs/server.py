"""`make docs`: the warehouse directory's documentation over http on 127.0.0.1.

    /                           what there is: Data Docs, and per published version its data
                                dictionary, dbt docs and evaluation report, or why one is missing
    /data_docs/...              Great Expectations Data Docs of every gate
    /dbt_docs/                  dbt's docs site of the current version (a redirect)
    /reports/                   the same as /
    /reports/<version>/...      a version's documentation (site.py)

Nothing else of the warehouse directory is served: not the DuckDB files, the Parquet
exports, the GX result store or the publish log. The port is BOLIGSOCIAL_DOCS_PORT
(default 8765); the Dagster UI's Data Docs and documentation links point here
(settings.docs_url). No page loads anything from outside the server.
"""

from __future__ import annotations

import errno
import html
import http.server
import posixpath
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from dagster_project.docs.site import DBT_DOCS, DICTIONARY, EVALUATION, REPORTS
from dagster_project.settings import DOCS_HOST

DATA_DOCS = "data_docs"
SERVED = (DATA_DOCS, REPORTS)
DOCUMENTS = ((DICTIONARY, "data dictionary"), (f"{DBT_DOCS}/index.html", "dbt docs"),
             (EVALUATION, "evaluation report"))
MISSING = {
    DICTIONARY: "no data dictionary: the version was published before dictionaries were written, or its "
                "published_docs step failed (see the run in the Dagster UI; materialize published_docs to write "
                "it for the current version)",
    f"{DBT_DOCS}/index.html": "no dbt docs: the version was published before they were generated, or its "
                              "published_docs step failed (materialize published_docs for the current version)",
    EVALUATION: "no evaluation report for this version",
}


class DocsServerError(RuntimeError):
    pass


def _versions(warehouse_dir: Path) -> tuple[list[str], str | None]:
    from dagster_project.publish.warehouse import current_version, list_versions

    kept = list_versions(warehouse_dir)
    reports = warehouse_dir / REPORTS
    documented = [p.name for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")] \
        if reports.is_dir() else []
    return sorted(set(kept) | set(documented), reverse=True), current_version(warehouse_dir)


def _page(title: str, body: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #ccc; padding: .4rem .6rem; text-align: left; }}
th {{ background: #f0f0f0; }} .missing {{ color: #8a4b00; }} a {{ color: #0b5cad; }}
</style></head><body>{body}</body></html>
""".encode()


def index_page(warehouse_dir: Path) -> bytes:
    """The landing page: what is documented, and for what is not, why."""
    e = html.escape
    parts = [f"<h1>Boligsocial warehouse documentation</h1><p>Served from <code>{e(str(warehouse_dir))}</code>.</p>",
             "<h2>Data Docs</h2>"]
    if (warehouse_dir / DATA_DOCS / "index.html").is_file():
        parts.append(f'<p><a href="/{DATA_DOCS}/index.html">Great Expectations Data Docs</a>: every validation of '
                     "every gate, passed or failed, newest first.</p>")
    else:
        parts.append('<p class="missing">No Data Docs yet: no gate has run against this warehouse directory '
                     "(run a refresh).</p>")
    versions, current = _versions(warehouse_dir)
    parts.append("<h2>Published versions</h2>")
    if not versions:
        parts.append('<p class="missing">No version published yet (run a refresh).</p>')
    else:
        rows = []
        for version in versions:
            cells = []
            for relative, label in DOCUMENTS:
                if (warehouse_dir / REPORTS / version / relative).is_file():
                    cells.append(f'<td><a href="/{REPORTS}/{e(version)}/{e(relative)}">{e(label)}</a></td>')
                else:
                    cells.append(f'<td class="missing">{e(MISSING[relative])}</td>')
            mark = " (current)" if version == current else ""
            rows.append(f"<tr><td><code>{e(version)}</code>{mark}</td>{''.join(cells)}</tr>")
        header = "".join(f"<th>{e(label)}</th>" for _, label in DOCUMENTS)
        parts.append(f"<table><thead><tr><th>version</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return _page("Boligsocial warehouse documentation", "".join(parts))


def missing_page(warehouse_dir: Path, path: str) -> bytes:
    """A 404 that says what is missing and why, for a version's document."""
    e = html.escape
    parts = path.strip("/").split("/")
    message = f"<code>/{e(path.strip('/'))}</code> is not in the documentation."
    if len(parts) >= 3 and parts[0] == REPORTS:
        version, relative = parts[1], "/".join(parts[2:])
        versions, _ = _versions(warehouse_dir)
        if version not in versions:
            message = f"There is no published version <code>{e(version)}</code> in this warehouse directory."
        elif relative in MISSING:
            message = f"Version <code>{e(version)}</code> has {e(MISSING[relative])}."
    return _page("Not found", f"<h1>Not found</h1><p>{message}</p><p><a href=\"/\">All documentation</a></p>")


class DocsHandler(http.server.SimpleHTTPRequestHandler):
    """Files under the served folders of the warehouse directory, read-only."""

    warehouse_dir: Path

    def __init__(self, *args, warehouse_dir: Path, **kwargs) -> None:
        self.warehouse_dir = warehouse_dir
        super().__init__(*args, directory=str(warehouse_dir), **kwargs)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass  # one line per request is noise on the console of `make docs`

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def _respond(self, *, head: bool) -> None:
        raw = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        # '..' resolved before the folder is checked: /data_docs/../marts.duckdb is /marts.duckdb
        path = posixpath.normpath(raw) + ("/" if raw.endswith("/") and raw != "/" else "")
        top = path.strip("/").split("/", 1)[0]
        parts = path.strip("/").split("/")
        if path == "/" or (parts[0] == REPORTS and len(parts) <= 2):
            # /reports/ and /reports/<version>/: the versions and their documents
            return self._send(200, index_page(self.warehouse_dir), head)
        if top == DBT_DOCS:
            from dagster_project.publish.warehouse import current_version

            current = current_version(self.warehouse_dir)
            if current is None:
                return self._send(404, missing_page(self.warehouse_dir, path), head)
            return self._redirect(f"/{REPORTS}/{current}/{DBT_DOCS}/index.html")
        if path == "/favicon.ico":  # what a browser asks every site for: GX's
            path = f"/{DATA_DOCS}/static/images/favicon.ico"
            top = DATA_DOCS
        if top not in SERVED:
            return self._send(404, missing_page(self.warehouse_dir, path), head)
        local = Path(self.translate_path(path))
        if not local.resolve().is_relative_to((self.warehouse_dir / top).resolve()):
            return self._send(404, missing_page(self.warehouse_dir, path), head)
        if local.is_dir():
            if not path.endswith("/"):
                return self._redirect(path + "/")
            local = local / "index.html"
            path = path + "index.html"
        if not local.is_file():
            return self._send(404, missing_page(self.warehouse_dir, path), head)
        # The base class serves the file (types, caching headers, HEAD).
        self.path = path
        return super().do_HEAD() if head else super().do_GET()

    def _send(self, status: int, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class DocsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A browser that leaves a page cancels its downloads: not an error of the server.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def make_server(warehouse_dir: Path, port: int, host: str = DOCS_HOST) -> DocsServer:
    """The server, bound; a port already taken fails naming it."""
    handler = partial(DocsHandler, warehouse_dir=warehouse_dir)
    try:
        return DocsServer((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DocsServerError(
                f"port {port} on {host} is already in use: stop whatever serves it, or set BOLIGSOCIAL_DOCS_PORT "
                "to a free port") from None
        raise DocsServerError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


@contextmanager
def serving(warehouse_dir: Path, port: int) -> Iterator[DocsServer]:
    """The server in a background thread, for tests and tools; stopped afterwards."""
    server = make_server(warehouse_dir, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def status_lines(warehouse_dir: Path) -> list[str]:
    """What `make docs` prints before it serves: the documentation present, and what is missing."""
    lines = []
    if not (warehouse_dir / DATA_DOCS / "index.html").is_file():
        lines.append("no Data Docs yet: no gate has run against this warehouse directory (run a refresh)")
    versions, current = _versions(warehouse_dir)
    if not versions:
        lines.append(f"no published version in {warehouse_dir} (run a refresh)")
    for version in versions:
        missing = [MISSING[relative] for relative, _ in DOCUMENTS[:2]
                   if not (warehouse_dir / REPORTS / version / relative).is_file()]
        mark = " (current)" if version == current else ""
        lines += [f"version {version}{mark}: {m}" for m in missing]
    return lines


def serve(warehouse_dir: Path, port: int, say=print) -> None:
    server = make_server(warehouse_dir, port)
    for line in status_lines(warehouse_dir):
        say(line)
    say(f"Documentation of {warehouse_dir} on http://{DOCS_HOST}:{port}/ (Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

