"""The asset graph as an auditor sees it, snapshot-tested (syrupy): every asset's key,
group, owners, kinds, tags, upstream assets, partitions and checks. A change to any of
them shows in review as a diff of tests/unit/__snapshots__/test_asset_specs.ambr;
accept an intended one with `.venv/bin/pytest tests/unit/test_asset_specs.py --snapshot-update`.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def graph():
    from dagster_project.dbt.project import prepare_manifest

    prepare_manifest()
    from dagster_project.definitions import defs

    return defs.resolve_asset_graph()


def _spec(graph, key) -> dict:
    node = graph.get(key)
    partitions = node.partitions_def
    checks = sorted((c.name, bool(graph.get_check_spec(c).blocking)) for c in graph.asset_check_keys
                    if c.asset_key == key)
    return {
        "group": node.group_name,
        "owners": sorted(node.owners),
        "kinds": sorted(node.kinds),
        "tags": {k: v for k, v in sorted(node.tags.items()) if not k.startswith("dagster/kind/")},
        "upstream": sorted(k.to_user_string() for k in node.parent_keys),
        "partitions": None if partitions is None else
        f"{type(partitions).__name__}({getattr(partitions, 'name', None) or ','.join(partitions.get_partition_keys())})",
        "backfill_policy": str(node.backfill_policy.policy_type.value) if node.backfill_policy else None,
        "description": (node.description or "").strip().split("\n")[0][:120],
        "metadata_keys": sorted(k for k in node.metadata if k != "dagster/code_references"),
        "checks": checks,
    }


def test_asset_specs_match_the_snapshot(graph, snapshot):
    specs = {key.to_user_string(): _spec(graph, key) for key in sorted(graph.get_all_asset_keys(),
                                                                        key=lambda k: k.to_user_string())
             if graph.get(key).is_materializable}
    assert specs == snapshot
