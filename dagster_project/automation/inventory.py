"""The landing inventory: which landing files are there, which source each one belongs to,
and the raw layer and Dagster's partitions brought in step with them.

Every refresh starts here (the CLI before it plans its runs, the schedule and the
landing sensor when they evaluate):

- a file a file-partitioned source claims gets its dynamic partition (a new file is
  then gated by the refresh; a changed one is gated again, its fingerprint differs);
- a partition whose landing file has disappeared is removed from the raw layer and
  from Dagster's partitions, and the refresh says so: what analysts read never rests
  on a file that is gone, and a bad file, once deleted, stops failing the refresh;
- a file in a folder the warehouse reads that no source's contract knows is named, and
  the refresh fails on it (``unknown``): it is never silently ignored.

Hidden files (a name starting with '.', as editors and file managers leave them) are
not landing files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.core.files import sha256_file
from dagster_project.core.raw_store import RawStore
from dagster_project.settings import Settings
from dagster_project.sources.registry import SOURCES
from dagster_project.sources.source import Partitioning, Source, sorted_keys


@dataclass
class Inventory:
    """What the landing directory holds, by source."""

    landing_dir: Path
    keys: dict[str, dict[str | None, str]] = field(default_factory=dict)  # asset -> key -> relative file
    unknown: list[str] = field(default_factory=list)  # files no source's contract knows
    missing: list[str] = field(default_factory=list)  # a fixed file of a source that is absent

    def files(self) -> dict[str, str]:
        """Every claimed landing file (relative path) -> the asset it belongs to."""
        return {relative: asset for asset, keys in self.keys.items() for relative in keys.values()}

    def checksums(self) -> dict[str, str]:
        """relative path -> SHA-256 of every claimed file (what a landing sensor compares)."""
        return {relative: sha256_file(self.landing_dir / relative) for relative in sorted(self.files())}


def watched_folders(sources: Iterable[Source] = SOURCES) -> list[str]:
    return sorted({folder for source in sources for folder in source.landing.folders})


def take_inventory(landing_dir: Path, sources: Iterable[Source] = SOURCES) -> Inventory:
    sources = list(sources)
    inventory = Inventory(landing_dir=landing_dir, keys={s.asset: {} for s in sources})
    for folder in watched_folders(sources):
        root = landing_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(landing_dir).as_posix()
            if not path.is_file() or any(part.startswith(".") for part in Path(relative).parts):
                continue
            for source in sources:
                claimed, key = source.claim(relative)
                if claimed:
                    inventory.keys[source.asset][key] = relative
                    break
            else:
                inventory.unknown.append(relative)
    for source in sources:
        for key, relative in source.landing.fixed.items():
            # An API source has no landing file when its URL is set (settings decide at read time).
            if key not in inventory.keys[source.asset] and not (landing_dir / relative).is_file():
                inventory.missing.append(relative)
    return inventory


def unknown_message(inventory: Inventory, sources: Iterable[Source] = SOURCES) -> str:
    """'lbf/bevillinger_2023-26.json: not a file of the source contracts (lbf/ holds ...)'."""
    lines = []
    for relative in inventory.unknown:
        folder = relative.split("/", 1)[0]
        expected = sorted({s.landing.contract for s in sources if folder in s.landing.folders})
        lines.append(f"{relative}: rule 'a landing file is a file of the source contracts' violated "
                     f"(in {folder}/ the contracts name: {'; '.join(expected)}; docs/source_contracts.md)")
    return "\n".join(lines)


@dataclass
class Reconciliation:
    """What bringing the raw layer and the partitions in step with the landing directory did."""

    added: dict[str, list[str]] = field(default_factory=dict)  # asset -> new partition keys
    removed: dict[str, list[str]] = field(default_factory=dict)  # asset -> keys whose file is gone

    def lines(self) -> list[str]:
        out = []
        for asset, keys in sorted(self.removed.items()):
            for key in keys:
                out.append(f"{asset} [{key or 'all'}]: its landing file is gone; removed from the raw layer")
        for asset, keys in sorted(self.added.items()):
            if keys:
                out.append(f"{asset}: {len(keys)} new partition(s) {', '.join(keys[:6])}{' ...' if len(keys) > 6 else ''}")
        return out


def reconcile(settings: Settings, instance: dg.DagsterInstance, inventory: Inventory,
              sources: Iterable[Source] = SOURCES) -> Reconciliation:
    """Register the partitions of new files; remove from the raw layer (and from Dagster's
    dynamic partitions) every partition whose landing file is gone. Call it only while
    holding the refresh lock (automation/lock.py): no run may be ingesting meanwhile."""
    result = Reconciliation()
    store = RawStore(settings.raw_dir)
    for source in sources:
        present = inventory.keys.get(source.asset, {})
        gone: set[str | None] = set()
        if source.partitioning is Partitioning.FILES:
            registered = set(instance.get_dynamic_partitions(source.partitions_name))
            new = sorted_keys([k for k in present if k not in registered])
            if new:
                instance.add_dynamic_partitions(source.partitions_name, new)
                result.added[source.asset] = new
            for key in sorted_keys([k for k in registered if k not in present]):
                instance.delete_dynamic_partition(source.partitions_name, key)
                gone.add(key)
        # The raw layer may also hold partitions Dagster never knew (a copied work
        # directory, an older layout): whatever has no landing file now goes.
        for key in store.partitions(source.asset):
            expected_file = _file_of(source, key)
            if key not in present and (expected_file is None or not (settings.landing_dir / expected_file).is_file()):
                if not source.files(settings, key):
                    continue  # fetched from an API: it has no landing file to lose
                gone.add(key)
        for key in sorted_keys([k for k in gone if k is not None]) + ([None] if None in gone else []):
            if store.remove(source.asset, key):
                result.removed.setdefault(source.asset, []).append(key)
    return result


def _file_of(source: Source, key: str | None) -> str | None:
    if source.landing.file_of is not None and key is not None:
        return source.landing.file_of(key)
    return source.landing.fixed.get(key)
