"""How a failed dbt build is told (dagster_project/dbt/failures.py): a model that ran out
of memory is no bad file, so its message names no landing file and says how to recover
from that instead."""

from __future__ import annotations

from dagster_project.dbt.failures import OUT_OF_MEMORY_RECOVERY, RECOVERY, FailedNode, failure_message

OOM = ("Runtime Error in model int_participant__outcomes\n  Out of Memory Error: failed to pin block of size "
       "256.0 KiB (18.8 GiB/18.8 GiB used)")
FILES = ["deltagere/2011-14/registreringer_2012.csv"]


def _model(message: str) -> FailedNode:
    return FailedNode(unique_id="model.boligsocial.int_participant__outcomes", kind="model",
                      name="int_participant__outcomes", model="int_participant__outcomes", rule="", status="error",
                      failures=None, message=message, files=list(FILES))


def test_a_model_out_of_memory_names_no_file_and_says_what_to_do():
    text = failure_message([_model(OOM)])
    assert "Out of Memory Error" in text
    assert OUT_OF_MEMORY_RECOVERY in text and RECOVERY not in text
    assert "BOLIGSOCIAL_DUCKDB_MEMORY" in text and "spark.driver.memory" in text
    assert FILES[0] not in text


def test_any_other_failure_still_names_its_files_and_says_to_correct_them():
    other = _model("Runtime Error in model int_participant__outcomes\n  Conversion Error: could not convert")
    text = failure_message([other])
    assert FILES[0] in text and RECOVERY in text
    # One real failure among them: the files are what to look at.
    both = failure_message([_model(OOM), other])
    assert RECOVERY in both and OUT_OF_MEMORY_RECOVERY not in both
