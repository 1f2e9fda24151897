"""Suite parameters that come from reference data (the dbt seeds), per partition."""

from __future__ import annotations

import re
from typing import Any

from dagster_project.reference import focus_areas, funding_rounds, municipalities


def municipality_codes() -> list[int]:
    return [m.code for m in municipalities()]


def raw_lbf_grants(funding_round: str) -> dict[str, Any]:
    spec = funding_rounds()[funding_round]
    names = "|".join(re.escape(name) for name in focus_areas(funding_round))
    return {
        "funding_round_set": [funding_round],
        "municipality_codes": municipality_codes(),
        "focus_area_pattern": rf"^(?:{names})(?:\|(?:{names}))*$",
        "earliest_start": spec.earliest_start,
        "latest_start": spec.latest_start,
        "latest_end": spec.latest_end,
        "min_local_cofinancing_share": spec.min_local_cofinancing_share,
    }


def raw_register_areas() -> dict[str, Any]:
    return {"municipality_codes": municipality_codes()}
