"""Configuration by environment variable, with working defaults.

Every path the warehouse reads or writes is resolved here, once, so that the Dagster
assets, the dbt profile and the command line agree on where things are.

| variable                     | default                  | what                                   |
|------------------------------|--------------------------|----------------------------------------|
| BOLIGSOCIAL_DATA_DIR         | <repo>/data              | parent of the three directories below  |
| BOLIGSOCIAL_LANDING_DIR      | $DATA_DIR/landing        | landing files, as providers deliver    |
| BOLIGSOCIAL_WORK_DIR         | $DATA_DIR/work           | gated raw layer (Parquet), dbt build   |
| BOLIGSOCIAL_WAREHOUSE_DIR    | $DATA_DIR/warehouse      | published versions for analysts        |
| BOLIGSOCIAL_TRUTH_DIR        | $DATA_DIR/truth          | generator's truth, outside the landing |
| BOLIGSOCIAL_KEEP_VERSIONS    | 5                        | published versions kept for rollback   |
| BOLIGSOCIAL_DOCS_PORT        | 8765                     | port of `make docs` on 127.0.0.1       |
| BOLIGSOCIAL_RESTRICTED_GROUP | unset: the owner only    | group that may read restricted.duckdb  |
| BOLIGSOCIAL_ENGINE           | duckdb                   | engine of the dbt build: duckdb, spark |
| BOLIGSOCIAL_DUCKDB_MEMORY    | 60 % of the machine's    | DuckDB's memory_limit in the dbt build |

Read where they are used: BOLIGSOCIAL_PSEUDONYM_KEY (dagster_project/pseudonym.py) and
BOLIGSOCIAL_STATBANK_URL (dagster_project/sources/statbank/client.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
REFERENCE_SEEDS_DIR = DBT_PROJECT_DIR / "seeds" / "reference"
DOCS_HOST = "127.0.0.1"
DEFAULT_DOCS_PORT = 8765
# Engines of the dbt build (docs/architecture.md, "Spark"): DuckDB, the embedded default, or
# Apache Spark through the spark target of dbt/profiles.yml.
ENGINES = ("duckdb", "spark")
# DuckDB's own default is 80 % of memory, for its buffer manager only: at scale 10 the dbt
# build then held 21 GB of this 24 GB machine, with the refresh's processes beside it.
# 60 % leaves room for what DuckDB allocates outside that limit and for the rest; DuckDB
# spills to disk what does not fit (docs/constraints.md, "Memory at scale").
DUCKDB_MEMORY_SHARE = 0.6
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


class SettingsError(ValueError):
    pass


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def default_duckdb_memory() -> str:
    """DUCKDB_MEMORY_SHARE of this machine's memory, in whole GB (at least 1GB)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(1, int(total * DUCKDB_MEMORY_SHARE / 1e9))}GB"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    work_dir: Path
    warehouse_dir: Path
    truth_dir: Path
    keep_versions: int
    docs_port: int = DEFAULT_DOCS_PORT
    # Group (name or gid) that may read the person-level files besides their owner; None:
    # the owner only (dagster_project/publish/warehouse.py).
    restricted_group: str | None = None
    # What runs the dbt build (ENGINES). The gates and publish read its tables either way.
    engine: str = "duckdb"
    # DuckDB's memory_limit in the dbt build (dbt/profiles.yml), e.g. '14GB'.
    duckdb_memory: str = field(default_factory=default_duckdb_memory)

    @property
    def raw_dir(self) -> Path:
        """Gated raw layer: one Parquet file per source partition."""
        return self.work_dir / "raw"

    @property
    def build_db(self) -> Path:
        """The DuckDB file dbt builds into; never opened by analysts."""
        return self.work_dir / "build" / "warehouse.duckdb"

    @property
    def docs_base_url(self) -> str:
        """Where `make docs` serves the warehouse directory's Data Docs, dbt docs and reports."""
        return f"http://{DOCS_HOST}:{self.docs_port}/"

    def docs_url(self, path: str = "") -> str:
        """The docs server's URL of ``path``, relative to the warehouse directory
        (e.g. 'data_docs/index.html')."""
        return self.docs_base_url + path.lstrip("/")

    def dbt_env(self) -> dict[str, str]:
        """Variables read by dbt/profiles.yml and the dbt sources."""
        return {
            "BOLIGSOCIAL_WORK_DIR": str(self.work_dir),
            "BOLIGSOCIAL_RAW_DIR": str(self.raw_dir),
            "BOLIGSOCIAL_BUILD_DB": str(self.build_db),
            "BOLIGSOCIAL_DUCKDB_MEMORY": self.duckdb_memory,
        }


def get_settings() -> Settings:
    data_dir = _path("BOLIGSOCIAL_DATA_DIR", REPO_ROOT / "data")
    return Settings(
        landing_dir=_path("BOLIGSOCIAL_LANDING_DIR", data_dir / "landing"),
        work_dir=_path("BOLIGSOCIAL_WORK_DIR", data_dir / "work"),
        warehouse_dir=_path("BOLIGSOCIAL_WAREHOUSE_DIR", data_dir / "warehouse"),
        truth_dir=_path("BOLIGSOCIAL_TRUTH_DIR", data_dir / "truth"),
        keep_versions=int(os.environ.get("BOLIGSOCIAL_KEEP_VERSIONS", "5")),
        docs_port=_port("BOLIGSOCIAL_DOCS_PORT", DEFAULT_DOCS_PORT),
        restricted_group=os.environ.get("BOLIGSOCIAL_RESTRICTED_GROUP") or None,
        engine=_engine("BOLIGSOCIAL_ENGINE"),
        duckdb_memory=_memory("BOLIGSOCIAL_DUCKDB_MEMORY"),
    )


def _memory(var: str) -> str:
    value = os.environ.get(var, "").strip()
    if not value:
        return default_duckdb_memory()
    if not _MEMORY.match(value):
        raise SettingsError(f"{var}={value!r}: an amount of memory as DuckDB reads it, e.g. 12GB or 800MiB")
    return value.replace(" ", "")


def _engine(var: str) -> str:
    value = os.environ.get(var, "").strip().lower() or ENGINES[0]
    if value not in ENGINES:
        raise SettingsError(f"{var}={value!r}: the dbt build runs on one of {', '.join(ENGINES)}")
    return value


def _port(var: str, default: int) -> int:
    value = os.environ.get(var, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SettingsError(f"{var}={value!r}: a TCP port is a whole number from 1 to 65535")
    return int(value)
