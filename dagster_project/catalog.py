"""What every asset must tell an auditor in the Dagster UI, and the rules that enforce it.

Every asset has a description, an owner, a group per layer, kinds and code references;
every asset that person-level data can reach says whether it holds such data (tag
``pii``); marts and reports document every column; every check says what it vouches for. ``catalog_problems`` lists each rule an asset breaks; a test runs it on the
code location, so a new asset cannot forget any of this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

# Groups in layer order: an asset may depend only on assets of its own or an earlier layer.
# dbt seeds (reference data) may feed any layer.
# gates: the frames the mart suites validate (dbt/models/gates/), read by their checks only.
LAYER_ORDER = {"sources": 0, "reference": 0, "staging": 1, "intermediate": 2, "marts": 3, "reports": 4,
               "gates": 5, "publish": 6}
# Layers analysts query, and the gates' frames (what a failing row's columns mean): every column documented.
DOCUMENTED_LAYERS = ("marts", "reports", "gates")
# Who answers for an asset that does not name its own owner (a dbt model may, in meta.owner).
OWNERS = ["team:data-engineering"]
PII_TAG = "pii"
PII_VALUES = ("true", "false")
PUBLISH_TAG = "publish"
# Column names that are person-level identifiers (a CPR number or its pseudonym).
PERSON_COLUMN = re.compile(r"(^|_)(cpr|person_id|person_key|pseudonym)($|_)", re.IGNORECASE)
# dagster-dbt's description of a dbt resource without one in its yml.
DBT_PLACEHOLDER = re.compile(r"^dbt (model|seed|snapshot|source) \S+$")


def pii_tags(holds_person_data: bool) -> dict[str, str]:
    """The tag that says whether an asset holds person-level data."""
    return {PII_TAG: "true" if holds_person_data else "false"}


def after_publish(*, kinds: set[str], description: str, pool: str | None = None):
    """The asset decorator of what is made from each published version after the switch
    (its documentation, figures and report): it holds no person-level data. ``pool``: the
    concurrency pool of a step that opens the build database."""
    return dg.asset(deps=["published_warehouse"], group_name="publish", kinds=kinds, owners=OWNERS,
                    tags={"layer": "publish", **pii_tags(False)}, description=description, pool=pool)


def catalog_problems(defs: dg.Definitions) -> list[str]:
    """Every rule an asset of ``defs`` breaks, as 'asset: problem'."""
    graph = defs.resolve_asset_graph()
    nodes = {key: graph.get(key) for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    problems: list[str] = []
    for key, node in sorted(nodes.items(), key=lambda item: item[0].to_user_string()):
        name = key.to_user_string()
        problems += [f"{name}: {p}" for p in _asset_problems(node)]
        for parent_key in node.parent_keys:
            parent = nodes.get(parent_key)
            if parent is None:
                continue
            own, theirs = LAYER_ORDER.get(node.group_name or ""), LAYER_ORDER.get(parent.group_name or "")
            if own is not None and theirs is not None and theirs > own:
                problems.append(f"{name}: layer '{node.group_name}' depends on the later layer "
                                f"'{parent.group_name}' ({parent_key.to_user_string()})")
            if parent.tags.get(PII_TAG) == "true" and node.tags.get(PII_TAG) not in PII_VALUES:
                problems.append(f"{name}: reads person-level data from {parent_key.to_user_string()}, so it must "
                                f"say whether it holds such data (tag {PII_TAG}: true or false; dbt: meta.pii)")
    for check_key in sorted(graph.asset_check_keys, key=lambda k: k.to_user_string()):
        if not (graph.get_check_spec(check_key).description or "").strip():
            problems.append(f"{check_key.to_user_string()}: check has no description (what does it vouch for?)")
    return problems


def _asset_problems(node: Any) -> list[str]:
    problems = []
    description = (node.description or "").strip()
    first_paragraph = description.split("\n\n", 1)[0].strip()
    if not description or DBT_PLACEHOLDER.match(first_paragraph):
        problems.append("no description")
    if not node.owners:
        problems.append("no owner")
    if node.group_name not in LAYER_ORDER:
        problems.append(f"group {node.group_name!r} is not a layer ({', '.join(LAYER_ORDER)})")
    if not node.kinds:
        problems.append("no kinds")
    problems += _code_reference_problems(node.metadata)
    problems += _pii_problems(node)
    if node.group_name in DOCUMENTED_LAYERS:
        schema = node.metadata.get("dagster/column_schema")
        if schema is None:
            problems.append("no column schema (document the columns in the yml)")
        problems += [f"column {c.name} has no description" for c in getattr(schema, "columns", [])
                     if not (c.description or "").strip()]
    return problems


def _code_reference_problems(metadata: Mapping[str, Any]) -> list[str]:
    references = metadata.get("dagster/code_references")
    local = [r for r in getattr(references, "code_references", []) if isinstance(r, dg.LocalFileCodeReference)]
    if not local:
        return ["no code reference (pass the assets through dg.with_source_code_references in definitions.py)"]
    return [f"code reference to a missing file {r.file_path}" for r in local if not Path(r.file_path).is_file()]


def _pii_problems(node: Any) -> list[str]:
    tags = node.tags
    pii = tags.get(PII_TAG)
    problems = []
    if pii is not None and pii not in PII_VALUES:
        problems.append(f"tag {PII_TAG} must be 'true' or 'false', not {pii!r}")
    if node.group_name == "sources" and pii is None:
        problems.append(f"a raw source must say whether it holds person-level data (tag {PII_TAG})")
    schema = node.metadata.get("dagster/column_schema")
    person_columns = [c.name for c in getattr(schema, "columns", []) if PERSON_COLUMN.search(c.name)]
    if person_columns and pii != "true":
        problems.append(f"person-level column(s) {', '.join(person_columns)} but tag {PII_TAG} is not 'true'")
    publish = tags.get(PUBLISH_TAG)
    if publish == "marts" and pii == "true":
        problems.append("person-level data must not be published to marts.duckdb (publish: restricted)")
    if publish == "restricted" and pii != "true":
        problems.append(f"published to restricted.duckdb, which holds person-level data: set {PII_TAG}: true")
    return problems
