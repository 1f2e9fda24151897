"""A digest of every published table's contents, to show that a change which must not
alter what analysts read leaves it unchanged, row for row.

    python tests/published_snapshot.py <warehouse_dir> > tests/snapshots/published_marts.json

Rows are compared as a sorted multiset of their values; a float is taken to 10
significant digits, so a digest does not depend on the last bits of a sum.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import duckdb


def _canonical(value: object) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.10g}"
    return json.dumps(value, default=str, sort_keys=True)


def table_digests(warehouse_dir: Path) -> dict[str, dict]:
    """{database.table: {rows, columns, sha256}} of marts.duckdb and restricted.duckdb,
    publish_log left out (it names the run)."""
    digests = {}
    for database in ("marts", "restricted"):
        with duckdb.connect(str(warehouse_dir / f"{database}.duckdb"), read_only=True) as con:
            tables = [t for (t,) in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database() "
                "and schema_name = 'main' order by 1").fetchall() if t != "publish_log"]
            for table in tables:
                columns = [c for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = current_database() "
                    "and schema_name = 'main' and table_name = ? order by column_index", [table]).fetchall()]
                rows = sorted("\x1f".join(_canonical(v) for v in row)
                              for row in con.execute(f'select * from main."{table}"').fetchall())
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                digests[f"{database}.{table}"] = {"rows": len(rows), "columns": columns, "sha256": digest}
    return digests


if __name__ == "__main__":
    print(json.dumps(table_digests(Path(sys.argv[1])), indent=1, sort_keys=True))
