"""A run's check evaluations, and which of them stop the publish (and so make a mart
check render the Data Docs index itself): real runs in an ephemeral instance."""

from __future__ import annotations

import dagster as dg

from dagster_project.quality.checks import blocks_publish, check_evaluations


@dg.asset
def area() -> int:
    return 1


@dg.asset_check(asset=area)
def passes() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@dg.asset_check(asset=area)
def warns() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=area)
def fails() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR)


def _evaluations(*checks: dg.AssetChecksDefinition) -> dict[str, bool]:
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([area, *checks], instance=instance, raise_on_error=False)
        return {e.asset_check_key.name: blocks_publish(e) for e in check_evaluations(instance, result.run_id)}


def test_only_a_failed_error_check_blocks_the_publish():
    assert _evaluations(passes, warns) == {"passes": False, "warns": False}
    assert _evaluations(passes, fails) == {"passes": False, "fails": True}
