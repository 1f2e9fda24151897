"""What a gated raw partition is a function of: the fingerprint a refresh compares before
it reads a partition again, and the code it covers."""

from __future__ import annotations

from dagster_project.pseudonym import KEY_VARIABLE
from dagster_project.settings import REPO_ROOT
from dagster_project.sources import ingest
from dagster_project.sources.ingest import code_digest, input_fingerprint, source_folder
from dagster_project.sources.registry import BY_ASSET
from tests.landing_samples import write_area_list

ROWS = [("Åparken", "Odense", 1500, 45.2, 3.1, 62.0, 51.5, 55.0, "udsat boligområde")]
LISTS, INDICATORS = BY_ASSET["raw_area_lists"], BY_ASSET["raw_area_indicators"]


def test_the_fingerprint_follows_file_parameters_suite_and_key(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    path = write_area_list(tmp_path, 2019, ROWS)
    params = {"list_year_set": [2019]}
    first = input_fingerprint(LISTS, [path], params)
    assert first and first == input_fingerprint(LISTS, [path], dict(params))
    assert input_fingerprint(LISTS, [path], {"list_year_set": [2020]}) != first
    assert input_fingerprint(INDICATORS, [path], params) != first  # another suite and reader
    monkeypatch.setenv(KEY_VARIABLE, "a-secret-key-of-some-length")
    assert input_fingerprint(LISTS, [path], params) != first
    monkeypatch.delenv(KEY_VARIABLE)
    write_area_list(tmp_path, 2019, ROWS * 2)
    assert input_fingerprint(LISTS, [path], params) != first
    path.unlink()
    assert input_fingerprint(LISTS, [path], params) is None


def test_an_unusable_key_means_no_fingerprint(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "short")
    assert input_fingerprint(LISTS, [write_area_list(tmp_path, 2019, ROWS)], {}) is None


def test_the_code_digest_covers_the_reading_code_of_the_source_only(tmp_path, monkeypatch):
    """An edit of the generator, dbt or publishing re-ingests nothing; an edit of a
    source's reader re-ingests that source only."""
    package = tmp_path / "dagster_project"
    for part in ("core", "sources/lists", "sources/indicators", "quality", "generator", "publish"):
        (package / part).mkdir(parents=True)
    for name in ingest._SHARED_CODE:
        target = package / name
        if not target.suffix:
            target = target / "x.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"# {name}\n")
    for part in ("sources/lists/readers.py", "sources/indicators/readers.py", "generator/world.py",
                 "publish/warehouse.py"):
        (package / part).write_text("# v1\n")
    monkeypatch.setattr(ingest, "REPO_ROOT", tmp_path)

    def digests() -> tuple[str, str]:
        code_digest.cache_clear()
        return code_digest("lists"), code_digest("indicators")

    lists, indicators = digests()
    for unrelated in ("generator/world.py", "publish/warehouse.py"):
        (package / unrelated).write_text("# v2\n")
        assert digests() == (lists, indicators), unrelated
    (package / "sources/lists/readers.py").write_text("# v2\n")
    assert digests()[0] != lists and digests()[1] == indicators
    (package / "sources/parsing.py").write_text("# v2\n")
    assert digests()[1] != indicators  # shared parsing: every source
    code_digest.cache_clear()
    assert source_folder(LISTS) == "lists" and (REPO_ROOT / "dagster_project/sources/lists").is_dir()
