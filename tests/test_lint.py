"""ruff check and ruff format --check are clean over the package, tests and scripts.

The paths are listed explicitly: those made clean so far. Widgets, classroom, checks,
their tests and the notebooks are added once they are formatted.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PATHS = [
    "lossviz/__init__.py",
    "lossviz/_piecewise.py",
    "lossviz/_validate.py",
    "lossviz/appendix.py",
    "lossviz/data.py",
    "lossviz/optim.py",
    "lossviz/plot.py",
    "lossviz/style.py",
    "lossviz/surface.py",
    "lossviz/losses",
    "_ext",
    "benchmarks",
    "tests/test_catalogue.py",
    "tests/test_data.py",
    "tests/test_lint.py",
    "tests/test_losses.py",
    "tests/test_losses_errors.py",
    "tests/test_losses_properties.py",
    "tests/test_losses_reference.py",
    "tests/test_losses_torch.py",
    "tests/test_optim.py",
    "tests/test_plot.py",
    "tests/test_surface.py",
    "tests/test_validate.py",
]

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
