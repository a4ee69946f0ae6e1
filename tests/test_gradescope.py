"""The Gradescope autograder zip, run in a simulated /autograder layout (a temporary folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from test_classroom import HUBER_SOLUTION, MAE_SOLUTION, _cell, needs_bwrap, toy_notebook

from lossviz.classroom.__main__ import main as cli
from lossviz.classroom.student import make_student_version


def autograder(tmp_path: Path) -> Path:
    """Build the zip from a toy course and unpack it as Gradescope would."""
    source = tmp_path / "course"
    source.mkdir()
    nbformat.write(toy_notebook(), source / "toy.ipynb")
    make_student_version(source, tmp_path / "release")
    out = tmp_path / "autograder.zip"
    assert cli(["gradescope", str(out), "--source", str(source)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "requirements.txt", "book/toy.ipynb"} <= names
        assert "lossviz/classroom/grading.py" in names
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
        zf.extractall(root / "source")
    return root


def run(root: Path, notebook: nbformat.NotebookNode) -> dict:
    """Put one submission in place, run run_autograder, return results.json."""
    sub = root / "submission"
    if sub.exists():
        for p in sub.iterdir():
            p.unlink()
    sub.mkdir(exist_ok=True)
    nbformat.write(notebook, sub / "toy.ipynb")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "LOSSVIZ_PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


@needs_bwrap
@pytest.mark.slow
def test_run_autograder_writes_gradescope_results_for_a_correct_and_a_wrong_submission(
    tmp_path,
) -> None:
    root = autograder(tmp_path)
    student = nbformat.read(tmp_path / "release" / "toy.ipynb", as_version=4)
    good = nbformat.from_dict(json.loads(json.dumps(student)))
    _cell(good, "toy-mae-code").source = f"def my_mae(input, target):\n    {MAE_SOLUTION}"
    _cell(
        good, "toy-huber-code"
    ).source = f"def my_huber(input, target, delta=1.0):\n    {HUBER_SOLUTION}"
    results = run(root, good)
    assert results["score"] == 4
    assert [t["name"] for t in results["tests"]] == ["toy: toy-mae-check", "toy: toy-huber-check"]
    for test in results["tests"]:
        assert set(test) == {
            "name",
            "number",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
        }
        assert test["score"] == test["max_score"] == 2 and test["status"] == "passed"
        assert test["visibility"] == "visible" and "cases passed" in test["output"]
    assert "To be graded by hand: toy: toy-why-answer" in results["output"]
    assert isinstance(results["execution_time"], int)

    wrong = nbformat.from_dict(json.loads(json.dumps(student)))
    _cell(wrong, "toy-huber-code").source = (
        "def my_huber(input, target, delta=1.0):\n"
        + f"    {HUBER_SOLUTION}".replace("0.5 * r**2", "r**2")
    )
    results = run(root, wrong)
    scores = {t["name"]: (t["score"], t["status"]) for t in results["tests"]}
    assert scores == {"toy: toy-mae-check": (0, "failed"), "toy: toy-huber-check": (1, "failed")}
    huber = results["tests"][1]["output"]
    assert "4 of 8 cases passed" in huber and "factor 1/2" in huber
