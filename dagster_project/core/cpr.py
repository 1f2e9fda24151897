"""What a CPR number looks like, for the gates that must never let one through, and how
one is masked wherever a gate has to report it.

A CPR-shaped value is ten digits, optionally with a dash after the sixth
(``\\d{6}-?\\d{4}``), that is not part of a longer word or number: a SHA-256 in hex or a
run id never matches, a plan name like 'Helhedsplan 010161-1234' does.
"""

from __future__ import annotations

import re
from typing import Any

# Python's re (GX's pandas engine, messages).
CPR_REGEX = r"(?<![0-9A-Za-z])[0-9]{6}-?[0-9]{4}(?![0-9A-Za-z])"
# RE2 (DuckDB's regexp_matches) has no look-around: the boundary is matched instead.
CPR_REGEX_RE2 = r"(^|[^0-9A-Za-z])[0-9]{6}-?[0-9]{4}([^0-9A-Za-z]|$)"

_CPR = re.compile(CPR_REGEX)


def contains_cpr(text: str) -> bool:
    return bool(_CPR.search(text))


def mask_cpr(text: str) -> str:
    """'Helhedsplan 010161-1234' -> 'Helhedsplan ******-****': digits gone, the shape kept."""
    return _CPR.sub(lambda m: re.sub(r"[0-9]", "*", m.group(0)), text)


def mask_deep(value: Any) -> Any:
    """Mask every CPR-shaped substring in strings nested in dicts, lists and tuples."""
    if isinstance(value, str):
        return mask_cpr(value) if _CPR.search(value) else value
    if isinstance(value, dict):
        return {k: mask_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_deep(v) for v in value)
    return value
