"""Where a benchmark table came from: the commit it was measured on."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def short_commit() -> str:
    """The checkout's HEAD as git's short hash (empty outside a git checkout).

    "+changes" follows it when the code (src/, the benchmark scripts) differs from HEAD: a table
    measured on uncommitted code says so, rather than naming a commit that does not hold that code.
    """
    head = _git("rev-parse", "--short", "HEAD")
    changed = _git("status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks/*.py")
    return f"{head}+changes" if head and changed else head


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
