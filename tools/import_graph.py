"""The import graph of dagster_project, read from the code's own import statements
(module level and inside functions alike), and the layering rules it must keep.

    .venv/bin/python tools/import_graph.py            # modules, arrows, circles, upward arrows
    .venv/bin/python tools/import_graph.py --edges    # every arrow

A module's layer is that of the first pattern in LAYERS its name matches. Data flows one
way (sources -> raw -> staging -> marts -> reports -> publish), so a module may import
only modules of its own layer or below; the code location (definitions) and the
command line sit on top and may import anything. tests/unit/test_import_graph.py keeps
the graph free of circles and upward arrows.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import sys
from pathlib import Path

PACKAGE = "dagster_project"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Lowest first. The generator writes landing files for the embedded default: a producer
# beside the pipeline that follows the source contracts (file names, columns) and reads
# reference data; no pipeline module imports it. The list rules (lists/rules.py, the seed
# ref_list_rules applied) are reference data too: the generator's lists and the list
# forecast (reports layer) both use them.
LAYERS: list[tuple[str, list[str]]] = [
    ("core", ["dagster_project.core", "dagster_project.core.*", "dagster_project.settings", "dagster_project.versioning"]),
    ("reference", ["dagster_project.reference", "dagster_project.pseudonym", "dagster_project.catalog",
                   "dagster_project.resources", "dagster_project.lists.rules"]),
    ("quality", ["dagster_project.quality", "dagster_project.quality.*"]),
    ("sources", ["dagster_project.sources", "dagster_project.sources.*"]),
    ("generator", ["dagster_project.generator", "dagster_project.generator.*"]),
    ("dbt", ["dagster_project.dbt", "dagster_project.dbt.*"]),
    ("publish", ["dagster_project.publish", "dagster_project.publish.*"]),
    ("reports", ["dagster_project.reports", "dagster_project.reports.*", "dagster_project.docs", "dagster_project.docs.*",
                 "dagster_project.lists",
                 "dagster_project.lists.*"]),
    ("automation", ["dagster_project.automation", "dagster_project.automation.*"]),
    ("top", ["dagster_project.definitions", "dagster_project.cli", "dagster_project.__main__", "dagster_project"]),
]
# What a side layer may import; no other layer may import a side layer.
SIDE_LAYERS = {"generator": {"core", "reference", "sources", "generator"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> tuple[int, str]:
    for index, (name, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, p) for p in patterns):
            return index, name
    raise SystemExit(f"{module}: in no layer of tools/import_graph.py LAYERS")


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports (``from a.b import c`` counts a.b.c if that
    is a module, else a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != me and name != PACKAGE:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    paths = sorted(ROOT.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return result


def upward(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Arrows from a module to one in a higher layer (or outside a side layer's reach)."""
    wrong = []
    for source, targets in sorted(edges.items()):
        source_index, source_layer = layer_of(source)
        for target in sorted(targets):
            target_index, target_layer = layer_of(target)
            if source_layer == "top":
                continue
            allowed = SIDE_LAYERS.get(source_layer)
            if allowed is not None:
                if target_layer not in allowed:
                    wrong.append((source, target))
            elif target_index > source_index or target_layer in SIDE_LAYERS and target_layer != source_layer:
                wrong.append((source, target))
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", action="store_true", help="print every arrow")
    args = parser.parse_args(argv)
    edges = graph()
    found_circles, found_upward = circles(edges), upward(edges)
    print(f"modules: {len(edges)}")
    print(f"arrows: {sum(len(t) for t in edges.values())}")
    print(f"circles: {len(found_circles)}")
    for component in found_circles:
        print(f"  circle: {' <-> '.join(component)}")
    print(f"upward arrows: {len(found_upward)}")
    for source, target in found_upward:
        print(f"  {source} ({layer_of(source)[1]}) -> {target} ({layer_of(target)[1]})")
    if args.edges:
        for source, targets in sorted(edges.items()):
            for target in sorted(targets):
                print(f"{source} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
