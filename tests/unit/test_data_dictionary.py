"""The data dictionary: every published table and column from the dbt docs, in the
repository (docs/data_dictionary.md, kept current) and per published version (HTML)."""

from __future__ import annotations

import json

import duckdb
import pytest

from dagster_project.docs.dictionary import MARKDOWN_PATH, in_version, published_tables, render_html, render_markdown
from dagster_project.publish.warehouse import PUBLISH_LOG_COLUMNS


@pytest.fixture(scope="module")
def manifest():
    from dagster_project.dbt.project import dbt_project, prepare_manifest

    prepare_manifest()
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


def test_the_repository_dictionary_is_up_to_date(manifest):
    assert MARKDOWN_PATH.read_text(encoding="utf-8") == render_markdown(published_tables(manifest)), \
        "docs/data_dictionary.md is out of date: run `make dictionary` and commit it"


def test_every_published_table_and_column_is_in_it_with_a_description(manifest):
    published = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"
                 and {**n.get("meta", {}), **n["config"].get("meta", {})}.get("publish")}
    tables = published_tables(manifest)
    assert {t.name for t in tables} == set(published) | {"publish_log"}
    assert {"lbl_aktivitet", "lbl_udfald", "lbl_indikator", "lbl_listekategori", "lbl_pulje"} <= set(published)
    for table in tables:
        assert table.description, table.name
        assert all(c.description and c.data_type for c in table.columns), table.name
        if table.name != "publish_log":
            assert [c.name for c in table.columns] == list(published[table.name]["columns"]), table.name
    text = MARKDOWN_PATH.read_text(encoding="utf-8")
    for table in tables:
        assert f"### {table.database}.{table.name}" in text
    assert all(f"| `{name}` | {data_type} |" in text for name, data_type, _ in PUBLISH_LOG_COLUMNS)


def test_a_version_s_dictionary_has_its_types_row_counts_and_undocumented_columns(manifest, tmp_path):
    tables = [t for t in published_tables(manifest) if t.name in ("lbl_pulje", "publish_log")]
    with duckdb.connect(str(tmp_path / "marts.duckdb")) as con:
        con.execute("CREATE TABLE lbl_pulje AS SELECT '2011-14' AS funding_round, 'x <b>' AS label_da, 1 AS surprise")
        con.execute("CREATE TABLE publish_log (version VARCHAR)")
    found = {t.name: t for t in in_version(tables, tmp_path)}
    assert found["lbl_pulje"].rows == 1 and found["publish_log"].rows == 0
    columns = {c.name: c for c in found["lbl_pulje"].columns}
    assert list(columns) == ["funding_round", "label_da", "surprise"]
    assert columns["surprise"].description == "(undocumented)" and columns["surprise"].data_type == "INTEGER"
    page = render_html(list(found.values()), version="20260101T000000Z-abcdef12", published_at="2026-01-01T00:00:00")
    assert "20260101T000000Z-abcdef12" in page and "(undocumented)" in page and "<b>" not in page
    assert "http" not in page.replace('href="/"', "")  # nothing to load: it renders with no network
