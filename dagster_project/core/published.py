"""What a published table is: a dbt model the publish step copies into the analysts'
warehouse, with what the privacy gates need to know about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedTable:
    """A dbt model to publish: ``database`` is 'marts' or 'restricted'.

    ``pii`` (dbt ``meta.pii``) and the columns whose dbt ``meta.count`` is true (counts of
    persons) or false (integers that are not) feed the privacy gates."""

    name: str
    schema: str
    database: str
    pii: bool = False
    count_columns: frozenset[str] = frozenset()
    not_count_columns: frozenset[str] = frozenset()
