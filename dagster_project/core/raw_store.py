"""The gated raw layer on disk: one Parquet file and one JSON sidecar per partition."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class RawStore:
    """The gated raw layer: ``<raw_dir>/<asset>/<partition>.parquet`` plus a JSON sidecar
    with provenance and the gate's verdict. A partition is written only after its gate
    passed, by an atomic rename, so dbt never reads ungated or half-written data.
    """

    raw_dir: Path

    UNPARTITIONED = "all"

    def path(self, asset: str, partition: str | None) -> Path:
        return self.raw_dir / asset / f"{partition or self.UNPARTITIONED}.parquet"

    def write(self, asset: str, partition: str | None, frame: pd.DataFrame, sidecar: dict) -> Path:
        target = self.path(asset, partition)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        frame.to_parquet(tmp, index=False)
        meta_tmp = tmp.with_suffix(".json.tmp")
        meta_tmp.write_text(json.dumps(sidecar, indent=2, default=str), encoding="utf-8")
        _fsync(tmp)
        _fsync(meta_tmp)
        os.replace(meta_tmp, target.with_suffix(".json"))
        os.replace(tmp, target)
        return target

    def sidecar(self, asset: str, partition: str | None) -> dict | None:
        """Provenance of one gated partition, or None if the raw layer does not hold it."""
        path = self.path(asset, partition).with_suffix(".json")
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def partitions(self, asset: str) -> list[str | None]:
        """The partition keys the raw layer holds for ``asset`` (None: the unpartitioned one)."""
        folder = self.raw_dir / asset
        if not folder.is_dir():
            return []
        keys = []
        for sidecar in sorted(folder.glob("*.json")):
            partition = json.loads(sidecar.read_text(encoding="utf-8")).get("partition")
            keys.append(partition)
        return keys

    def remove(self, asset: str, partition: str | None) -> bool:
        """Take a partition out of the raw layer (Parquet first, so dbt never reads a
        partition without its provenance); whether there was one."""
        target = self.path(asset, partition)
        existed = target.exists() or target.with_suffix(".json").exists()
        target.unlink(missing_ok=True)
        target.with_suffix(".json").unlink(missing_ok=True)
        return existed

    def sidecars(self) -> list[dict]:
        """Provenance of every gated partition in the raw layer."""
        if not self.raw_dir.exists():
            return []
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.raw_dir.glob("*/*.json"))]


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())
