"""ruff check and ruff format --check are clean over the package, tests, scripts and notebooks.

The paths are whole directories, so that a new module, test or extension is covered from
its first commit (ruff reads the notebooks' code cells too; ``pyproject.toml`` holds the
rules and the per-directory exceptions).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PATHS = ["lossviz", "tests", "_ext", "benchmarks", "book"]

RUFF = shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed (it is in requirements.txt)")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(command):
    for path in PATHS:
        assert (ROOT / path).exists(), path
    result = subprocess.run(
        [RUFF, *command, *PATHS], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
