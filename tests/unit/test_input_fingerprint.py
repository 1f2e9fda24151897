"""What a gated raw partition is a function of: the fingerprint a full refresh compares
before it ingests a partition again."""

from __future__ import annotations

from dagster_project.pseudonym import KEY_VARIABLE
from dagster_project.sources.ingest import input_fingerprint
from tests.landing_samples import write_area_list

ROWS = [("Åparken", "Odense", 1500, 45.2, 3.1, 62.0, 51.5, 55.0, "udsat boligområde")]


def test_the_fingerprint_follows_file_parameters_suite_and_key(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    path = write_area_list(tmp_path, 2019, ROWS)
    params = {"list_year_set": [2019]}
    first = input_fingerprint("raw_area_lists", [path], params)
    assert first and first == input_fingerprint("raw_area_lists", [path], dict(params))
    assert input_fingerprint("raw_area_lists", [path], {"list_year_set": [2020]}) != first
    assert input_fingerprint("raw_area_indicators", [path], params) != first  # another suite
    monkeypatch.setenv(KEY_VARIABLE, "a-secret-key-of-some-length")
    assert input_fingerprint("raw_area_lists", [path], params) != first
    monkeypatch.delenv(KEY_VARIABLE)
    write_area_list(tmp_path, 2019, ROWS * 2)
    assert input_fingerprint("raw_area_lists", [path], params) != first
    path.unlink()
    assert input_fingerprint("raw_area_lists", [path], params) is None


def test_an_unusable_key_means_no_fingerprint(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "short")
    assert input_fingerprint("raw_area_lists", [write_area_list(tmp_path, 2019, ROWS)], {}) is None
