"""The code revision a run used, for provenance and the publish log."""

from __future__ import annotations

import subprocess
from functools import cache

from dagster_project.settings import REPO_ROOT


@cache
def code_revision() -> str:
    """Git commit of the checkout, with '-dirty' if it has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head
