"""What a published table is: a dbt model the publish step copies into the analysts'
warehouse, with what the privacy gates need to know about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Additive:
    """Counts of a published table that are additive by construction (dbt ``meta.additive``),
    so that one published figure minus another is a count too (docs/privacy.md).

    ``parts``: each row of this table matching ``whole`` (SQL) holds, in each column of
    ``counts``, the sum of the rows of ``parts_of`` ('table' or 'table.column' of a single
    count; this table when empty) joined to it by ``on`` (SQL over the aliases ``whole``
    and ``part``); with ``per`` (columns of the parts)
    the parts of every value of ``per`` add up to the whole on their own. ``subset``: each
    sum of this table's columns in ``counts`` (a tuple of columns per sum) is part of
    ``within`` ('table.column') on the rows joined by ``on`` (``part``: this table,
    ``whole``: the other)."""

    kind: str  # 'parts' or 'subset'
    counts: tuple[tuple[str, ...], ...]
    on: str
    description: str = ""
    whole: str = ""
    parts_of: str = ""
    per: tuple[str, ...] = ()
    within: str = ""


@dataclass(frozen=True)
class PublishedTable:
    """A dbt model to publish: ``database`` is 'marts' or 'restricted'.

    ``pii`` (dbt ``meta.pii``), the columns whose dbt ``meta.count`` is true (counts of
    persons) or false (integers that are not) and the counts that add up by construction
    (``meta.additive``) feed the privacy gates."""

    name: str
    schema: str
    database: str
    pii: bool = False
    count_columns: frozenset[str] = frozenset()
    not_count_columns: frozenset[str] = frozenset()
    additive: tuple[Additive, ...] = ()
