"""The benchmarks stay runnable: each script starts and prints its help.

Given every script under benchmarks/, when it is run with --help, then it exits 0 and
says what it measures. (The measurements themselves are not run in CI; their figures
live in docs/performance.md with the commands that produced them.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_prints_its_help(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert str(script.relative_to(BENCHMARKS.parent)) in (
        BENCHMARKS.parent / "docs" / "performance.md"
    ).read_text("utf-8")
