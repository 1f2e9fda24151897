"""What a source declares about itself, in its own folder (``sources/<source>/source.py``):
its raw asset, how it is partitioned, which landing files are its own and how a file
names its partition, what the reader and the gate need, and which other raw assets its
gate reads. ``sources/registry.py`` lists the sources; the raw assets, the ingestion
jobs, the landing inventory, the sensors and the refresh plan are all built from it.

A file-partitioned source (``FILES``) has one dynamic partition per landing file it
claims. A file it claims whose name breaks the contract (a list year without list rules,
a round folder spelled differently from the round) gets a partition too, keyed by its
path: its gate then fails naming the file, so no landing file is silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pandas as pd

from dagster_project.settings import Settings


class Partitioning(Enum):
    NONE = "none"  # one landing file (or an API answer): an unpartitioned asset
    STATIC = "static"  # a fixed set of keys, each with its own file (the funding rounds)
    FILES = "files"  # one dynamic partition per landing file present


# (settings, partition key or None) -> ...
Files = Callable[[Settings, "str | None"], list[Path]]
Reader = Callable[[Settings, "str | None"], pd.DataFrame]
Parameters = Callable[[Settings, "str | None"], Mapping[str, Any]]


@dataclass(frozen=True)
class LandingFiles:
    """Which landing files belong to a source, and the partition each one is.

    ``patterns`` are globs relative to the landing directory; ``key_of`` maps a claimed
    file (relative path) to its partition key (the key of a well-named file, e.g. '2014';
    the path itself for a file whose name breaks the contract); ``file_of`` maps a key
    back to its file. For an unpartitioned or statically partitioned source, ``fixed``
    names its files and the keys they are."""

    patterns: tuple[str, ...]
    contract: str  # how the contract names the files, for messages: 'lister/liste_<YYYY>.csv'
    key_of: Callable[[str], str] | None = None
    file_of: Callable[[str], str] | None = None
    fixed: Mapping[str | None, str] = field(default_factory=dict)

    def claims(self, relative: str) -> bool:
        return any(Path(relative).match(p) and relative.count("/") == p.count("/") for p in self.patterns)

    @property
    def folders(self) -> set[str]:
        return {p.split("/", 1)[0] for p in self.patterns}


@dataclass(frozen=True)
class Source:
    """A provider's source as the warehouse ingests it: one raw asset.

    ``files``, ``read`` and ``parameters`` take the settings and the partition key
    (None for an unpartitioned source): the landing files the partition is read from,
    the pure reader, and the gate's suite parameters (reference data, or data of the
    raw assets in ``gated_against``, which are ingested first)."""

    asset: str  # the raw asset's key, also the name of its expectation suite
    contract: str  # 'S1'...'S7' (docs/source_contracts.md)
    provider: str
    description: str
    landing: LandingFiles
    partitioning: Partitioning
    files: Files
    read: Reader
    parameters: Parameters
    pii: bool = False
    gated_against: tuple[str, ...] = ()
    static_keys: tuple[str, ...] = ()
    column_labels: Callable[[str | None], Mapping[str, str]] = lambda _key: {}
    # Whether a refresh may reuse a partition whose inputs are unchanged since it was
    # gated (an API answer cannot be fingerprinted before it is fetched).
    reusable: bool = True

    @property
    def partitions_name(self) -> str:
        """The dynamic partitions' name: 'raw_area_lists' -> 'area_lists_files'."""
        return f"{self.asset.removeprefix('raw_')}_files"

    @property
    def partitioned(self) -> bool:
        return self.partitioning is not Partitioning.NONE

    def claim(self, relative: str) -> tuple[bool, str | None]:
        """Whether a landing file (relative path) is this source's, and the partition it is
        (None for the unpartitioned source's file)."""
        if not self.landing.claims(relative):
            return False, None
        if self.landing.key_of is not None:
            return True, self.landing.key_of(relative)
        for key, name in self.landing.fixed.items():
            if name == relative:
                return True, key
        return False, None


def year_key(pattern: str) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """key_of and file_of for files named by a year: 'lister/liste_{year}.csv'.

    A claimed file whose name holds no four-digit year is keyed by its path."""
    prefix, suffix = pattern.split("{year}")
    regex = re.compile(rf"^{re.escape(prefix)}(\d{{4}}){re.escape(suffix)}$")

    def key_of(relative: str) -> str:
        match = regex.match(relative)
        return match.group(1) if match else relative

    def file_of(key: str) -> str:
        return pattern.format(year=key) if re.fullmatch(r"\d{4}", key) else key

    return key_of, file_of


def one_file(relative: str) -> Files:
    return lambda settings, _key: [settings.landing_dir / relative]


def keyed_file(file_of: Callable[[str], str]) -> Files:
    return lambda settings, key: [settings.landing_dir / file_of(key)]


def sorted_keys(keys: Sequence[str]) -> list[str]:
    """Partition keys in the order a refresh ingests them: well-named keys first, in order,
    then keys that are paths (files whose names break the contract)."""
    return sorted(keys, key=lambda k: ("/" in k, k))
