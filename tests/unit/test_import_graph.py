"""The code's own imports keep the layers: no circle, and no module imports a layer above
its own (tools/import_graph.py declares the layers)."""

from __future__ import annotations

import importlib.util
import sys

from dagster_project.settings import REPO_ROOT


def _tool():
    spec = importlib.util.spec_from_file_location("import_graph", REPO_ROOT / "tools" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module
    spec.loader.exec_module(module)
    return module


def test_no_import_circle_and_no_upward_import():
    tool = _tool()
    edges = tool.graph()
    assert len(edges) > 50  # the tool reads the whole package
    assert tool.circles(edges) == []
    assert tool.upward(edges) == []


def test_the_tool_finds_a_circle_and_an_upward_import():
    tool = _tool()
    edges = {"dagster_project.core.a": {"dagster_project.publish.b"},
             "dagster_project.publish.b": {"dagster_project.core.a"}}
    assert tool.circles(edges) == [["dagster_project.core.a", "dagster_project.publish.b"]]
    assert tool.upward(edges) == [("dagster_project.core.a", "dagster_project.publish.b")]
