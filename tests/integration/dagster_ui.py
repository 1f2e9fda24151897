"""A real Dagster UI for tests: `dagster-webserver` on 127.0.0.1 against a test instance,
its GraphQL API, and headless Chromium (Debian's, driven by Playwright) for screenshots."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Playwright cannot download its own browser here; Debian's chromium with these flags works
# headless as root, offline, and without background traffic.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

METADATA = """
fragment Meta on MetadataEntry {
  label
  __typename
  ... on TextMetadataEntry { text }
  ... on IntMetadataEntry { intValue }
  ... on FloatMetadataEntry { floatValue }
  ... on BoolMetadataEntry { boolValue }
  ... on JsonMetadataEntry { jsonString }
  ... on PathMetadataEntry { path }
  ... on UrlMetadataEntry { url }
  ... on MarkdownMetadataEntry { mdStr }
  ... on TableColumnLineageMetadataEntry {
    lineage { columnName columnDeps { assetKey { path } columnName } }
  }
  ... on TableSchemaMetadataEntry { schema { columns { name type description } } }
}
"""

NODES = METADATA + """
query Nodes($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) {
    assetKey { path }
    groupName
    kinds
    owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
    tags { key value }
    metadataEntries { ...Meta }
    dependencyKeys { path }
  }
}
"""

EVENTS = METADATA + """
query Events($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    __typename
    ... on AssetNode {
      partitionKeys
      assetMaterializations(limit: 100) { partition runId timestamp metadataEntries { ...Meta } }
      assetObservations(limit: 10) { runId timestamp metadataEntries { ...Meta } }
      assetChecksOrError { ... on AssetChecks { checks { name blocking description } } }
    }
  }
}
"""

CHECK_EXECUTIONS = METADATA + """
query Checks($key: AssetKeyInput!, $check: String!) {
  assetCheckExecutions(assetKey: $key, checkName: $check, limit: 50) {
    runId status partition timestamp
    evaluation { success metadataEntries { ...Meta } }
  }
}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metadata_values(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """GraphQL metadata entries as plain values (JSON parsed, lineage as {column: [(asset, column)]})."""
    values: dict[str, Any] = {}
    for entry in entries:
        kind = entry["__typename"]
        if kind == "JsonMetadataEntry":
            value: Any = json.loads(entry["jsonString"])
        elif kind == "TableColumnLineageMetadataEntry":
            value = {row["columnName"]: [("/".join(d["assetKey"]["path"]), d["columnName"]) for d in row["columnDeps"]]
                     for row in entry["lineage"]}
        elif kind == "TableSchemaMetadataEntry":
            value = entry["schema"]["columns"]
        else:
            value = next((entry[k] for k in ("text", "intValue", "floatValue", "boolValue", "path", "url", "mdStr")
                          if k in entry), None)
        values[entry["label"]] = value
    return values


@dataclass
class DagsterWebserver:
    """A running `dagster-webserver` (its own process group, so its code server stops with it)."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.url}/graphql", method="POST",
                                         data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        if answer.get("errors"):
            raise AssertionError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def wait_until_loaded(self, timeout: float = 120) -> float:
        """Wait until the code location is loaded; returns the seconds it took."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise AssertionError(f"dagster-webserver exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                entries = self.graphql("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                                       "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
                                       )["workspaceOrError"]["locationEntries"]
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                entries = []
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [e["locationOrLoadError"] for e in entries
                          if e["locationOrLoadError"]["__typename"] != "RepositoryLocation"]
                if errors:
                    raise AssertionError(f"code location failed to load: {errors}")
                return time.perf_counter() - started
            time.sleep(0.5)
        raise AssertionError(f"dagster-webserver not ready after {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@contextmanager
def dagster_webserver(repo_root: Path, env: Mapping[str, str], log_path: Path) -> Iterator[DagsterWebserver]:
    """`dagster-webserver -w workspace.yaml` on a free port of 127.0.0.1, stopped afterwards."""
    port = free_port()
    executable = Path(sys.executable).parent / "dagster-webserver"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen([str(executable), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
                                   cwd=repo_root, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = DagsterWebserver(process, port, log_path)
    try:
        yield server
    finally:
        server.stop()


def asset_node(server: DagsterWebserver, key: str) -> dict[str, Any]:
    """An asset's definition: group, kinds, owners, tags, definition metadata, dependencies."""
    (node,) = server.graphql(NODES, {"keys": [{"path": key.split("/")}]})["assetNodes"]
    return node


def upstream_lineage(server: DagsterWebserver, target: str) -> dict[str, dict[str, Any]]:
    """Every asset upstream of ``target`` (and the target), asked level by level from GraphQL."""
    nodes: dict[str, dict[str, Any]] = {}
    frontier = [target]
    while frontier:
        answer = server.graphql(NODES, {"keys": [{"path": key.split("/")} for key in frontier]})["assetNodes"]
        found = {"/".join(n["assetKey"]["path"]): n for n in answer}
        missing = set(frontier) - set(found)
        if missing:
            raise AssertionError(f"assets not in the code location: {sorted(missing)}")
        nodes.update(found)
        frontier = sorted({"/".join(d["path"]) for n in found.values() for d in n["dependencyKeys"]} - set(nodes))
    return nodes


def asset_events(server: DagsterWebserver, key: str) -> dict[str, Any]:
    node = server.graphql(EVENTS, {"key": {"path": key.split("/")}})["assetNodeOrError"]
    assert node["__typename"] == "AssetNode", node
    return node


def latest_per_partition(events: list[dict[str, Any]]) -> dict[str | None, dict[str, Any]]:
    latest: dict[str | None, dict[str, Any]] = {}
    for event in sorted(events, key=lambda e: int(e["timestamp"])):
        latest[event.get("partition")] = event
    return latest


def check_executions(server: DagsterWebserver, key: str, check: str) -> list[dict[str, Any]]:
    return server.graphql(CHECK_EXECUTIONS, {"key": {"path": key.split("/")}, "check": check})["assetCheckExecutions"]


@contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A headless Chromium page (Playwright, Debian's browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            yield context.new_page()
        finally:
            browser.close()


# Decodes a PNG in the browser and measures it: a blank or failed render is one flat colour.
_PIXEL_STATS = """async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  const colours = new Set();
  let inked = 0, samples = 0;
  for (let i = 0; i < data.length; i += 4 * 7) {
    samples++;
    colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) inked++;
  }
  return {width: img.width, height: img.height, colours: colours.size, inked: inked / samples};
}"""


def pixel_stats(page: Any, png: bytes) -> dict[str, float]:
    import base64

    return page.evaluate(_PIXEL_STATS, base64.b64encode(png).decode())
