"""The simulation study (bench/validate.py, docs/validation.md) keeps working: on 2 seeds
of a small world it refreshes each with the real pipeline, compares the published
estimates with that seed's truth, and writes the page and its plot from the results.
The study itself (50 seeds) runs outside the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

# Two seeds, each a full refresh, and the script again: outside the suite (make test-study).
pytestmark = [pytest.mark.slow, pytest.mark.study]
REPO = Path(__file__).resolve().parents[2]
SCALE = 0.02


def test_the_validation_study_runs_on_two_seeds(tmp_path):
    root, page, plot = tmp_path / "study", tmp_path / "validation.md", tmp_path / "validation.png"
    command = [sys.executable, "bench/validate.py", "--seeds", "2", "--first-seed", "7", "--scale", str(SCALE),
               "--root", str(root), "--output", str(page), "--plot", str(plot), "--nice", "0"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1500, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = pd.read_csv(root / "results.csv")
    assert sorted(results["seed"].unique()) == [7, 8]
    # Every published primary estimate has its seed's truth beside it.
    primary = results[results["is_primary_outcome"] & (results["subgroup"] == "all")]
    assert len(primary) == 2 * 18 and primary["truth"].notna().all()
    shown = primary[~primary["is_suppressed"]]
    assert len(shown) >= 12 and (shown["ci_low"] < shown["ci_high"]).all()
    assert not (root / "seed-7").exists(), "a seed's data directory is removed once its rows are written"
    text = page.read_text(encoding="utf-8")
    assert f"scale {SCALE:g}, 2 seeds (7-8)" in text
    assert "## The four headline estimates" in text and "| **fritidsjob** | fritidsjob | 0 | " in text
    # A world this small may have no funding round with 5 areas: its event study is empty.
    events = pd.read_csv(root / "area_results.csv")
    assert "coverage" in text
    assert ("## Cohort event study" in text) == (not events.empty)
    assert ("The event study has estimates in" in text) == (events.empty or events["seed"].nunique() < 2)
    assert plot.read_bytes().startswith(b"\x89PNG")
    # A second run with the same seeds refreshes nothing and writes the same tables.
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0 and "refreshed" not in again.stdout
    assert pd.read_csv(root / "results.csv").shape == results.shape
