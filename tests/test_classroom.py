"""The classroom commands: the student version, and trusted grading of submissions.

A tiny nbgrader-format notebook made here stands in for a chapter: two code exercises
checked by real chapter checkers (``checks.ch1.mae``, and ``checks.ch3.huber``, which
forbids lossviz) and one question graded by hand. One class of adversarial and honest
submissions, one per kind of problem of issue 13, is graded once (``graded`` fixture)
and each test asserts the outcome a fair instructor would give.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import re
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lossviz.classroom import (
    Limits,
    SandboxUnavailable,
    grade_submissions,
    grading,
    make_student_version,
)
from lossviz.classroom.__main__ import main as cli
from lossviz.classroom.grading import find_submission, parse_check, plan_cells
from lossviz.classroom.sandbox import bwrap_path
from lossviz.classroom.student import LEAK_MARKERS, find_leaks, student_notebook

needs_bwrap = pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed")

MAE_SOLUTION = "return float(np.mean(np.abs(np.asarray(input, float) - np.asarray(target, float))))"
HUBER_SOLUTION = (
    "r = np.abs(np.asarray(input, float) - np.asarray(target, float))\n"
    "    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))"
)
CONCEPT_SOLUTION = "Squaring penalises large residuals more than small ones."
FORBID = ["lossviz.losses", "lossviz.checks", "lossviz.surface", "scipy", "torch", "sklearn"]
RULE = "without using lossviz"


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    md = {
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    if points is not None:
        md["points"] = points
    return {"nbgrader": md}


def toy_notebook() -> nbformat.NotebookNode:
    """A chapter in the book's exercise format: 2 + 2 automatic points, 1 by hand."""
    cells = [
        new_markdown_cell("# A toy chapter"),
        new_code_cell("import numpy as np\n\nfrom lossviz import checks"),
        new_code_cell("data = np.arange(3.0)\nprint('the chapter computes', data.sum())"),
        new_markdown_cell(
            ":::{exercise} MAE\n:label: ex-toy-mae\n\nWrite `my_mae(input, target)`.\n:::"
        ),
        new_code_cell(
            f"def my_mae(input, target):\n    ### BEGIN SOLUTION\n    {MAE_SOLUTION}\n"
            "    ### END SOLUTION",
            metadata={**_meta("toy-mae-code", solution=True), "tags": ["hide-input"]},
        ),
        new_code_cell(
            "checks.ch1.mae(my_mae)",
            metadata=_meta("toy-mae-check", grade=True, locked=True, points=2),
        ),
        new_markdown_cell(
            ":::{exercise} Huber\n:label: ex-toy-huber\n\nWrite `my_huber(input, target, "
            f"delta=1.0)` {RULE}.\n:::"
        ),
        new_code_cell(
            f"def my_huber(input, target, delta=1.0):\n    ### BEGIN SOLUTION\n"
            f"    {HUBER_SOLUTION}\n    ### END SOLUTION",
            metadata={**_meta("toy-huber-code", solution=True), "tags": ["hide-input"]},
        ),
        new_code_cell(
            "checks.ch3.huber(my_huber)",
            metadata={
                **_meta("toy-huber-check", grade=True, locked=True, points=2),
                "lossviz": {"forbid": FORBID, "rule": RULE},
            },
        ),
        new_markdown_cell(":::{exercise} Why square?\n:label: ex-toy-why\n\nExplain.\n:::"),
        new_markdown_cell(
            "YOUR ANSWER HERE",
            metadata={
                **_meta("toy-why-answer", grade=True, solution=True, points=1),
                "tags": ["remove-cell"],
            },
        ),
        new_markdown_cell(
            f":::{{solution}} ex-toy-why\n:class: dropdown\n\n{CONCEPT_SOLUTION}\n:::"
        ),
    ]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture()
def course(tmp_path: Path) -> dict:
    """Instructor source, student version and an empty submissions folder."""
    source = tmp_path / "source"
    source.mkdir()
    nbformat.write(toy_notebook(), source / "toy.ipynb")
    release = tmp_path / "release"
    make_student_version(source, release)
    subs = tmp_path / "submissions"
    subs.mkdir()
    return {"root": tmp_path, "source": source, "release": release, "subs": subs}


def submit(course: dict, student: str, edit=None, raw: str | None = None, name="toy.ipynb"):
    """Put a submission in place: the student version, edited by ``edit(nb)``, or raw text."""
    folder = course["subs"] / student
    folder.mkdir()
    path = folder / name
    if raw is not None:
        path.write_text(raw, encoding="utf-8")
        return path
    nb = nbformat.read(course["release"] / "toy.ipynb", as_version=4)
    if edit is not None:
        edit(nb)
    nbformat.write(nb, path)
    return path


def solve_mae(nb, body=MAE_SOLUTION, before=""):
    _cell(nb, "toy-mae-code").source = f"{before}def my_mae(input, target):\n    {body}"


def solve_huber(nb, body=HUBER_SOLUTION, before=""):
    _cell(
        nb, "toy-huber-code"
    ).source = f"{before}def my_huber(input, target, delta=1.0):\n    {body}"


def solve_both(nb):
    solve_mae(nb)
    solve_huber(nb)


def answer_text(nb, text):
    _cell(nb, "toy-why-answer").source = text


LIMITS = Limits(cell_timeout=6, total_timeout=60, memory_mb=1024, call_timeout=3)


def grade(course: dict, limits: Limits = LIMITS, jobs: int = 1) -> tuple[dict, dict]:
    out = course["root"] / "results" / "grades.csv"
    grade_submissions(
        course["subs"], course["source"], out, limits=limits, jobs=jobs, log=lambda *_: None
    )
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    feedback = {
        p.stem: p.read_text(encoding="utf-8") for p in (out.parent / "feedback").glob("*.md")
    }
    return rows, feedback


# ----------------------------------------------------------------------------- student version


def test_student_version_has_no_solution_text(course) -> None:
    text = (course["release"] / "toy.ipynb").read_text(encoding="utf-8")
    for secret in (MAE_SOLUTION, "0.5 * r**2, delta", CONCEPT_SOLUTION, *LEAK_MARKERS):
        assert secret not in text
    assert "raise NotImplementedError()" in text


def test_student_version_keeps_checks_and_locks_them(course) -> None:
    nb = nbformat.read(course["release"] / "toy.ipynb", as_version=4)
    check = _cell(nb, "toy-huber-check")
    assert check.source == "checks.ch3.huber(my_huber)"
    assert check.metadata.nbgrader["locked"] is True
    assert ":::{exercise} Huber" in "".join(c.source for c in nb.cells)


def test_student_version_clears_outputs(tmp_path) -> None:
    nb = toy_notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="secret 42")]
    nb.cells[1].execution_count = 3
    out = student_notebook(nb)
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None


def test_student_version_refuses_a_solution_region_outside_a_solution_cell(tmp_path) -> None:
    nb = toy_notebook()
    nb.cells.append(new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    source = tmp_path / "src"
    source.mkdir()
    nbformat.write(nb, source / "bad.ipynb")
    with pytest.raises(ValueError, match="non-solution cell"):
        make_student_version(source, tmp_path / "out")


def test_student_version_refuses_an_output_folder_inside_the_source(course) -> None:
    with pytest.raises(ValueError, match="must not be inside"):
        make_student_version(course["source"], course["source"] / "release")


def test_student_version_command_line(course, capsys) -> None:
    assert (
        cli(["student-version", str(course["root"] / "cli"), "--source", str(course["source"])])
        == 0
    )
    assert "wrote 1 student notebook" in capsys.readouterr().out
    assert not find_leaks(nbformat.read(course["root"] / "cli" / "toy.ipynb", as_version=4))


def _solution_lines(text: str) -> tuple[list[str], str]:
    """Lines inside BEGIN/END SOLUTION regions, and the text with those regions cut out."""
    inside, outside = [], []
    region = False
    for line in text.splitlines():
        if "### BEGIN SOLUTION" in line:
            region = True
        elif "### END SOLUTION" in line:
            region = False
        elif region:
            inside.append(line)
        else:
            outside.append(line)
    return inside, "\n".join(outside)


def test_student_version_of_the_real_book_has_no_solutions(tmp_path) -> None:
    out = tmp_path / "release"
    written = make_student_version(ROOT / "book", out)
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path.name
    for src in sorted((ROOT / "book").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in src.parts:
            continue
        nb = nbformat.read(src, as_version=4)
        inside, outside = _solution_lines("\n".join(cell.source for cell in nb.cells))
        student = nbformat.read(out / src.relative_to(ROOT / "book"), as_version=4)
        student_text = "\n".join(cell.source for cell in student.cells)
        for line in inside:
            # A line that the chapter also shows outside its solutions is not a leak.
            if line.strip() and line not in outside:
                assert line not in student_text, (src.name, line)


# ----------------------------------------------------------------------------- fast units


def test_the_check_cell_is_read_not_run() -> None:
    assert parse_check("checks.ch3.huber(my_huber)") == (("ch3", "huber"), "my_huber")
    assert parse_check("checks.huber(my_huber)") == (("huber",), "my_huber")
    assert parse_check("lossviz.checks.ch1.mae(f)") == (("ch1", "mae"), "f")
    assert parse_check("import os; checks.huber(f)") is None
    assert parse_check("checks.huber(f(1))") is None


def test_intake_matches_renamed_notebooks_and_says_what_it_found(tmp_path) -> None:
    folder = tmp_path / "zoe"
    folder.mkdir()
    for name in ("03_Choosing_a_Loss (1).ipynb", "notes.ipynb"):
        (folder / name).write_text("{}", encoding="utf-8")
    path, found = find_submission(folder, "03_choosing_a_loss.ipynb")
    assert path is not None and path.name == "03_Choosing_a_Loss (1).ipynb"
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "03_choosing_a_loss-2.ipynb").write_text("{}", encoding="utf-8")
    assert find_submission(tmp_path / "ann", "03_choosing_a_loss.ipynb")[0] is not None
    assert find_submission(folder, "01_what_is_a_loss.ipynb")[0] is None


def test_intake_never_follows_a_link_out_of_the_students_folder(tmp_path) -> None:
    solutions = tmp_path / "book"
    solutions.mkdir()
    (solutions / "toy.ipynb").write_text("{}", encoding="utf-8")
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "toy.ipynb").symlink_to(solutions / "toy.ipynb")
    (folder / "sub").symlink_to(solutions, target_is_directory=True)
    path, found = find_submission(folder, "toy.ipynb")
    assert path is None and found == []


def test_cells_to_run_are_setup_answers_and_additions_without_checks() -> None:
    source = toy_notebook()
    student = copy.deepcopy(student_notebook(copy.deepcopy(source)))
    for cell in student.cells:
        cell.metadata = {}  # an editor that strips metadata
    student.cells.append(new_code_cell("helper = 3"))
    plan = plan_cells(student, source, grading.exercises_of("toy.ipynb", source))
    sources = [s for _, s in plan.cells]
    assert sources[0].startswith("import numpy")
    assert any("def my_mae" in s for s in sources) and any("def my_huber" in s for s in sources)
    assert "helper = 3" in sources
    assert not any("checks.ch" in s for s in sources)
    assert not any("the chapter computes" in s for s in sources)


def test_without_bubblewrap_grading_stops_and_names_the_package(course, monkeypatch, capsys):
    monkeypatch.setattr(grading, "bwrap_path", lambda: None)
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        grade_submissions(course["subs"], course["source"], course["root"] / "g.csv")
    argv = ["grade", str(course["subs"]), "--source", str(course["source"])]
    assert cli([*argv, "--out", str(course["root"] / "g.csv")]) == 2
    assert "apt-get install bubblewrap" in capsys.readouterr().err


# ----------------------------------------------------------------------------- small runs


def test_no_sandbox_grades_and_warns_what_it_exposes(course, capsys) -> None:
    submit(course, "ann", solve_both)
    out = course["root"] / "plain" / "grades.csv"
    argv = ["grade", str(course["subs"]), "--source", str(course["source"]), "--out", str(out)]
    assert cli([*argv, "--no-sandbox", "--jobs", "1", "--timeout", "60"]) == 0
    assert "NO isolation" in capsys.readouterr().err
    with open(out, newline="", encoding="utf-8-sig") as fh:
        assert next(csv.DictReader(fh))["total"] == "4"


@needs_bwrap
def test_reference_full_marks_blank_zero_and_csv_with_bom(course) -> None:
    (course["subs"] / "ref").mkdir()
    (course["subs"] / "ref" / "toy.ipynb").write_bytes(
        (course["source"] / "toy.ipynb").read_bytes()
    )
    submit(course, "Zoë Núñez")
    rows, feedback = grade(course)
    assert rows["ref"]["total"] == "4" and rows["ref"]["max_total"] == "5"
    assert rows["ref"]["toy:toy-mae-check"] == "2" and rows["ref"]["toy:toy-huber-check"] == "2"
    assert rows["ref"]["toy:toy-why-answer"] == ""
    assert rows["ref"]["to_grade_by_hand"] == "toy:toy-why-answer"
    assert rows["Zoë Núñez"]["total"] == "0"
    assert "still raises NotImplementedError" in feedback["Zoë Núñez"]
    raw = (course["root"] / "results" / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "Zoë Núñez".encode() in raw


@needs_bwrap
def test_unreadable_and_missing_submissions_score_zero(course) -> None:
    submit(course, "broken", raw='{"cells": [ this is not json')
    submit(course, "empty", raw="")
    submit(course, "elsewhere", solve_both, name="homework.ipynb")
    odd = {
        "cells": [
            {"cell_type": "markdown", "metadata": {"nbgrader": "x"}},
            {"cell_type": "code", "metadata": [], "source": ["def my_mae(a, b):\n", "  return 0"]},
            {"cell_type": "raw"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    submit(course, "odd", raw=json.dumps(odd))
    (course["subs"] / "absent").mkdir()
    rows, feedback = grade(course)
    assert rows["broken"]["total"] == "0" and "not a valid notebook" in rows["broken"]["problems"]
    assert "not a valid notebook" in rows["empty"]["problems"]
    assert "expected toy.ipynb, found no notebook" in rows["absent"]["problems"]
    assert "expected toy.ipynb, found homework.ipynb" in rows["elsewhere"]["problems"]
    assert rows["odd"]["total"] == "0" and rows["odd"]["max_total"] == "5"


# ----------------------------------------------------------------------------- one class
# Every kind of submission graded in one run, as an instructor would.

SECRET_ENV = "LOSSVIZ_TEST_INSTRUCTOR_TOKEN"
WRONG_MAE = "return -1.0"
WRONG_HUBER = "return -1.0"
DAEMON_TAG = str(4_100_000 + os.getpid() % 1000)


def tamper(code: str):
    """A submission that runs ``code`` in an answer cell and answers everything wrongly."""
    return lambda nb: (
        solve_mae(nb, WRONG_MAE, before=code + "\n"),
        solve_huber(nb, WRONG_HUBER),
    )


def strip_metadata(nb):
    solve_both(nb)
    for cell in nb.cells:
        cell.metadata = {}


def delete_checks(nb):
    solve_both(nb)
    nb.cells = [c for c in nb.cells if "checks.ch" not in c.source]


def noisy(nb):
    solve_mae(
        nb,
        "import logging, sys, warnings\n"
        "    logging.warning('debugging my_mae')\n"
        "    sys.stderr.write('a note on stderr\\n')\n"
        "    warnings.warn('just a user warning')\n"
        "    print('x' * 5000)\n"
        f"    {MAE_SOLUTION}",
    )
    solve_huber(nb)
    nb.cells.append(
        new_code_cell(
            "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('/tmp/scratch.png')\n"
            "print('y' * 3000)"
        )
    )


SUBMISSIONS = {
    "ref": None,  # the instructor's own notebook
    "blank": lambda nb: None,
    "half": solve_mae,
    # Huber without the 1/2 of the quadratic branch: right where |r| > delta only.
    "partial": lambda nb: (
        solve_mae(nb),
        solve_huber(nb, HUBER_SOLUTION.replace("0.5 * r**2", "r**2")),
    ),
    # kind 1: an answer cell that tries to make the checks pass
    "patch_checks": tamper(
        "import lossviz.checks as C\n"
        "C.ch1.mae = lambda f: print('✔ correct')\nC.ch3.huber = C.ch1.mae\n"
        "C._core.fail = lambda *a, **k: None\nchecks = C"
    ),
    "patch_numpy": tamper(
        "import math\nnp.allclose = np.isclose = lambda *a, **k: True\n"
        "math.isclose = lambda *a, **k: True"
    ),
    "custom_exc": tamper("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"),
    "transformer": tamper(
        "get_ipython().input_transformers_post.append(lambda lines: ['print(\"✔ ok\")\\n'])"
    ),
    "edited_checks": lambda nb: (
        setattr(_cell(nb, "toy-mae-check"), "source", "print('✔ correct')"),
        nb.cells.append(new_code_cell("1", metadata=_meta("bonus", grade=True, points=50))),
    ),
    # kind 2: reading the solutions
    "peek": lambda nb: (
        solve_mae(nb),
        solve_huber(
            nb, "return float(open(SOLUTIONS).read().count('a'))", before="SOLUTIONS = {}\n"
        ),
    ),
    # kind 3: a process that tries to outlive grading
    "daemon": lambda nb: (
        solve_both(nb),
        nb.cells.append(
            new_code_cell(
                f"import subprocess\nsubprocess.Popen(['sleep', '{DAEMON_TAG}'], "
                "start_new_session=True)"
            )
        ),
    ),
    # kind 4: printing the instructor's environment into the feedback
    "env": lambda nb: (
        solve_both(nb),
        nb.cells.append(new_code_cell("import os\nprint(dict(os.environ))")),
    ),
    # kind 5: honest but noisy
    "noisy": noisy,
    # kind 6: honest but untidy files
    "stripped": strip_metadata,
    "no_checks": delete_checks,
    # an answer that relies on a variable of the chapter (not the recommended style)
    "uses_chapter": lambda nb: (
        solve_mae(nb, MAE_SOLUTION.replace("))))", ")))) + 0.0 * data.sum()")),
        solve_huber(nb),
    ),
    # kind 7: using the library where the task forbids it
    "library": lambda nb: (
        solve_mae(nb, "import lossviz.losses as L\n    return float(L.l1(input, target))"),
        solve_huber(
            nb, "import lossviz.losses as L\n    return float(L.huber(input, target, delta=delta))"
        ),
    ),
    "private_ref": lambda nb: (
        solve_mae(nb),
        solve_huber(
            nb,
            "r = np.asarray(input, float) - np.asarray(target, float)\n"
            "    return float(np.mean(checks.ch3._huber_ref(r, delta)))",
        ),
    ),
    # kind 8: crashes whose cause must be named
    "no_module": lambda nb: (
        solve_both(nb),
        setattr(nb.cells[1], "source", "import not_a_module_xyz\n" + nb.cells[1].source),
    ),
    "segfault": lambda nb: (
        solve_mae(nb, before="import faulthandler\nfaulthandler._sigsegv()\n"),
        solve_huber(nb),
    ),
    "loop": lambda nb: (solve_huber(nb), solve_mae(nb, "while True:\n        pass")),
    "hog": lambda nb: (
        solve_mae(nb),
        solve_huber(nb, before="blocks = [bytearray(2**26) for _ in range(10**6)]\n"),
    ),
    # kind 9: a conceptual answer, graded by hand
    "thoughtful": lambda nb: (solve_both(nb), answer_text(nb, "Squares grow fast. — Zoë")),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("class")
    course = {
        "root": root,
        "source": root / "source",
        "release": root / "release",
        "subs": root / "submissions",
    }
    course["source"].mkdir()
    nbformat.write(toy_notebook(), course["source"] / "toy.ipynb")
    make_student_version(course["source"], course["release"])
    course["subs"].mkdir()
    for student, edit in SUBMISSIONS.items():
        if edit is None:
            (course["subs"] / student).mkdir()
            (course["subs"] / student / "toy.ipynb").write_bytes(
                (course["source"] / "toy.ipynb").read_bytes()
            )
        elif student == "peek":
            path = submit(course, student, edit)
            nb = nbformat.read(path, as_version=4)
            secret = str(course["source"] / "toy.ipynb")
            _cell(nb, "toy-huber-code").source = _cell(nb, "toy-huber-code").source.replace(
                "SOLUTIONS = {}", f"SOLUTIONS = {secret!r}"
            )
            nbformat.write(nb, path)
        else:
            submit(course, student, edit)
    # kind 6: the file a browser renamed on download
    renamed = course["subs"] / "renamed"
    renamed.mkdir()
    nb = nbformat.read(course["release"] / "toy.ipynb", as_version=4)
    solve_both(nb)
    nbformat.write(nb, renamed / "Toy (1).ipynb")
    before = (_tree_digest(course["source"]), _tree_digest(course["subs"]))
    started = time.time()
    os.environ[SECRET_ENV] = "instructor-secret-4711"
    try:
        start = time.monotonic()
        rows, feedback = grade(course, jobs=2)
        seconds = time.monotonic() - start
    finally:
        del os.environ[SECRET_ENV]
    after = (_tree_digest(course["source"]), _tree_digest(course["subs"]))
    sleepers = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if (p.info["cmdline"] or [])[-1:] == [DAEMON_TAG]
    ]
    workers = [  # sandboxes and workers started during this grading run
        p.pid
        for p in psutil.process_iter(["cmdline", "create_time"])
        if "_sandbox_worker.py" in " ".join(p.info["cmdline"] or [])
        and p.info["create_time"] >= started
    ]
    return {
        "rows": rows,
        "feedback": feedback,
        "unchanged": before == after,
        "sleepers": sleepers,
        "workers": workers,
        "seconds": seconds,
    }


def score(graded, student, column=None) -> str:
    row = graded["rows"][student]
    return row["total"] if column is None else row[f"toy:toy-{column}-check"]


@needs_bwrap
@pytest.mark.slow
def test_class_reference_blank_and_partial_credit_per_case(graded) -> None:
    assert score(graded, "ref") == "4" and score(graded, "blank") == "0"
    assert score(graded, "half") == "2"
    # 4 of huber's 8 cases have |r| > delta, where the missing 1/2 does not matter
    assert score(graded, "partial", "huber") == "1"
    text = graded["feedback"]["partial"]
    assert "4 of 8 cases passed" in text
    assert text.count("    - ✔") >= 4 + 6 and text.count("    - ✘") == 4
    assert "the quadratic branch is missing its factor 1/2" in text


@needs_bwrap
@pytest.mark.slow
def test_kind1_tampering_with_checks_numpy_or_ipython_changes_nothing(graded) -> None:
    for student in ("patch_checks", "patch_numpy", "custom_exc", "transformer"):
        assert score(graded, student) == "0", (student, graded["rows"][student])
    assert score(graded, "edited_checks") == "0"
    assert graded["rows"]["edited_checks"]["max_total"] == "5"  # no bonus column counts


@needs_bwrap
@pytest.mark.slow
def test_kind2_reading_the_solutions_fails_inside_the_sandbox(graded) -> None:
    assert score(graded, "peek", "mae") == "2" and score(graded, "peek", "huber") == "0"
    assert "FileNotFoundError" in graded["feedback"]["peek"]
    assert graded["unchanged"]


@needs_bwrap
@pytest.mark.slow
def test_kind3_a_process_started_by_a_submission_is_gone_after_grading(graded) -> None:
    assert score(graded, "daemon") == "4"
    assert graded["sleepers"] == []
    assert graded["workers"] == []


@needs_bwrap
@pytest.mark.slow
def test_kind4_the_instructors_environment_never_reaches_the_feedback(graded) -> None:
    assert score(graded, "env") == "4"
    assert "PYTHONPATH" in graded["feedback"]["env"]  # the print did run
    for text in graded["feedback"].values():
        assert "instructor-secret-4711" not in text and SECRET_ENV not in text


@needs_bwrap
@pytest.mark.slow
def test_kind5_stderr_warnings_savefig_and_prints_cost_nothing(graded) -> None:
    assert score(graded, "noisy") == "4"
    text = graded["feedback"]["noisy"]
    assert text.index("toy-huber-check") < text.index("What your code printed")
    assert "✘" not in text
    assert not Path("/tmp/scratch.png").exists()


@needs_bwrap
@pytest.mark.slow
def test_kind6_renamed_stripped_and_checkless_notebooks_are_graded(graded) -> None:
    for student in ("renamed", "stripped", "no_checks"):
        assert score(graded, student) == "4", (student, graded["rows"][student])
    assert "graded Toy (1).ipynb as toy.ipynb" in graded["feedback"]["renamed"]


@needs_bwrap
@pytest.mark.slow
def test_an_answer_using_a_chapter_variable_runs_with_the_whole_notebook(graded) -> None:
    assert score(graded, "uses_chapter") == "4"
    assert "the whole notebook was run" in graded["feedback"]["uses_chapter"]


@needs_bwrap
@pytest.mark.slow
def test_kind7_forbidden_helpers_score_zero_with_the_rule_quoted(graded) -> None:
    assert score(graded, "library", "mae") == "2"  # the MAE task allows lossviz
    assert score(graded, "library", "huber") == "0"
    assert score(graded, "private_ref", "huber") == "0"
    for student in ("library", "private_ref"):
        assert f"write it {RULE}" in graded["feedback"][student]


@needs_bwrap
@pytest.mark.slow
def test_kind8_crashes_name_the_cell_and_the_error(graded) -> None:
    text = graded["feedback"]["no_module"]
    assert "cell 2 (setup): ModuleNotFoundError: No module named 'not_a_module_xyz'" in text
    assert score(graded, "segfault", "huber") == "2"
    assert score(graded, "segfault", "mae") == "0"
    assert (
        "died while running cell 5 (answer cell `toy-mae-code`)" in graded["feedback"]["segfault"]
    )
    assert score(graded, "loop", "mae") == "0" and score(graded, "loop", "huber") == "2"
    assert "ran longer than 3 s" in graded["feedback"]["loop"]
    assert score(graded, "hog", "mae") == "2" and score(graded, "hog", "huber") == "0"
    assert "MemoryError" in graded["feedback"]["hog"]


@needs_bwrap
@pytest.mark.slow
def test_kind9_conceptual_answers_are_left_to_grade_by_hand_with_the_text(graded) -> None:
    row = graded["rows"]["thoughtful"]
    assert row["toy:toy-why-answer"] == "" and row["to_grade_by_hand"] == "toy:toy-why-answer"
    assert "to grade by hand: Squares grow fast. — Zoë" in graded["feedback"]["thoughtful"]
    assert "to grade by hand: (no answer)" in graded["feedback"]["blank"]


@needs_bwrap
def test_grade_command_line_writes_csv_and_feedback(course, capsys) -> None:
    submit(course, "half", solve_mae)
    out = course["root"] / "cli" / "grades.csv"
    argv = ["grade", str(course["subs"]), "--source", str(course["source"]), "--out", str(out)]
    assert cli([*argv, "--timeout", "60", "--memory-mb", "1024", "--jobs", "1"]) == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == (
        "student,total,max_total,toy:toy-mae-check,toy:toy-huber-check,toy:toy-why-answer,"
        "to_grade_by_hand,problems"
    )
    assert "2 / 5" in (out.parent / "feedback" / "half.md").read_text(encoding="utf-8")
    captured = capsys.readouterr()
    assert "graded 1 student" in captured.out
    assert "graded 1/1 notebooks" in captured.err


def book_chapters() -> list[Path]:
    """Every chapter of the book: the numbered notebooks in ``book/`` (``06_x.ipynb``)."""
    return sorted(p for p in (ROOT / "book").glob("*.ipynb") if re.match(r"\d+_", p.name))


@needs_bwrap
@pytest.mark.slow
def test_real_chapters_reference_scores_full_marks_and_student_version_zero(tmp_path) -> None:
    book = ROOT / "book"
    chapters = book_chapters()
    assert len(chapters) >= 9, [p.name for p in chapters]
    subs = tmp_path / "submissions"
    make_student_version(book, subs / "blank")
    (subs / "teacher").mkdir()
    for nb in book.glob("*.ipynb"):
        (subs / "teacher" / nb.name).write_bytes(nb.read_bytes())
    out = tmp_path / "out" / "grades.csv"
    results = grade_submissions(
        subs,
        book,
        out,
        limits=Limits(cell_timeout=120, total_timeout=600),
        jobs=2,
        log=lambda *_: None,
    )
    by = {(r.student, r.notebook): r for r in results}
    seconds = {}
    for chapter in chapters:
        teacher, blank = by["teacher", chapter.name], by["blank", chapter.name]
        seconds[chapter.stem] = round(teacher.seconds, 1)
        kinds = [q.question.kind for q in teacher.results]
        # every chapter has code exercises graded automatically and questions graded by hand
        assert kinds.count("code") >= 2 and "manual" in kinds, (chapter.name, kinds)
        assert teacher.problems == [] and blank.problems == [], chapter.name
        for mine, theirs in zip(teacher.results, blank.results, strict=True):
            q = mine.question
            if q.kind == "code":
                assert mine.score == q.points, (chapter.name, q.grade_id, mine.message, mine.cases)
                assert theirs.score == 0, (chapter.name, q.grade_id, theirs.message)
                assert len(mine.cases) == len(theirs.cases) >= 2, (chapter.name, q.grade_id)
            else:  # a conceptual answer: left to the instructor, for both
                assert q.kind == "manual", (chapter.name, q.grade_id, mine.message)
                assert mine.score is None and mine.message.startswith("to grade by hand")
                assert theirs.score is None and theirs.message == "to grade by hand: (no answer)"
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert rows["blank"]["total"] == "0" and rows["teacher"]["problems"] == ""
    assert {p.stem for p in chapters} <= {column.split(":")[0] for column in rows["teacher"]}
    print("grading seconds per chapter (instructor's copy):", seconds)


def _task_and_check_cells(nb) -> list[tuple[str, dict]]:
    """(the task's text, the check cell) of every code exercise of a notebook."""
    found, task = [], ""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "{exercise}" in cell.source:
            task = cell.source
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            found.append((task, cell))
    return found


def _plain(text: str) -> str:
    return " ".join(text.replace("`", "").lower().split())


NO_HELPERS = re.compile(r"without (using )?`?lossviz|only numpy|numpy only", re.IGNORECASE)


@pytest.mark.parametrize("chapter", book_chapters(), ids=lambda p: p.stem)
def test_exercises_that_forbid_lossviz_say_so_in_their_check_cell(chapter) -> None:
    import importlib

    nb = nbformat.read(chapter, as_version=4)
    helpers = {
        name: importlib.import_module(name)
        for name in ("lossviz.losses", "lossviz.optim", "lossviz.precision", "lossviz.surface")
    }
    for task, check in _task_and_check_cells(nb):
        gid = check.metadata["nbgrader"]["grade_id"]
        lv = check.metadata.get("lossviz", {})
        if not NO_HELPERS.search(task):
            assert "forbid" not in lv, (chapter.name, gid)
            continue
        assert lv.get("forbid") and lv.get("rule"), (chapter.name, gid, "no forbid/rule")
        assert _plain(lv["rule"]) in _plain(task), (chapter.name, gid, lv["rule"])
        assert {"lossviz.losses", "lossviz.checks"} <= set(lv["forbid"]), (gid, lv["forbid"])
        # lossviz's own function of the answer's name (my_giou -> giou) is out of reach
        _, function = parse_check(check.source)
        stem = function.removeprefix("my_")
        for module_name, module in helpers.items():
            if callable(getattr(module, stem, None)):
                assert module_name in lv["forbid"], (chapter.name, gid, module_name)


@pytest.mark.parametrize("chapter", book_chapters(), ids=lambda p: p.stem)
def test_every_code_exercise_rules_out_lossvizs_own_answer(chapter) -> None:
    # Each code exercise asks the student to write a function that lossviz (or its
    # checkers) already computes; an answer calling lossviz's would score full marks
    # without doing the exercise. So every one says so, and its check cell forbids it.
    nb = nbformat.read(chapter, as_version=4)
    for task, check in _task_and_check_cells(nb):
        gid = check.metadata["nbgrader"]["grade_id"]
        assert NO_HELPERS.search(task), (chapter.name, gid, "the task does not rule out lossviz")
        forbid = set(check.metadata.get("lossviz", {}).get("forbid", []))
        assert {"lossviz.losses", "lossviz.checks"} <= forbid, (chapter.name, gid, forbid)


PART2_FORBIDDEN = [*FORBID, "lossviz.optim", "lossviz.precision"]


@pytest.mark.parametrize(
    "chapter", [p for p in book_chapters() if int(p.name.split("_")[0]) >= 6], ids=lambda p: p.stem
)
def test_part_two_exercises_forbid_every_computing_module_of_lossviz(chapter) -> None:
    nb = nbformat.read(chapter, as_version=4)
    for _task, check in _task_and_check_cells(nb):
        forbid = check.metadata.get("lossviz", {}).get("forbid")
        if forbid is not None:
            assert set(PART2_FORBIDDEN) <= set(forbid), (chapter.name, check.metadata)


@needs_bwrap
@pytest.mark.slow
def test_a_part_two_answer_using_lossviz_scores_zero_with_the_rule_quoted(tmp_path) -> None:
    """Chapter 6 forbids lossviz: lossviz.optim.soft_threshold and losses.giou score 0."""
    name = "06_regularised_objectives.ipynb"
    source = tmp_path / "book"
    source.mkdir()
    (source / name).write_bytes((ROOT / "book" / name).read_bytes())
    nb = student_notebook(nbformat.read(source / name, as_version=4))
    answers = {
        "ch6-soft-threshold-code": "def my_soft_threshold(v, tau):\n"
        "    return lossviz.optim.soft_threshold(v, tau)",
        "ch6-giou-code": "def my_giou(boxes, targets):\n"
        "    return L.giou(boxes, targets, eps=0.0, reduction='none')",
        "ch6-adamw-code": "def my_adamw_step(w, grad, m, v, t, lr, weight_decay):\n"
        "    w, grad = np.asarray(w, float), np.asarray(grad, float)\n"
        "    m = 0.9 * np.asarray(m, float) + 0.1 * grad\n"
        "    v = 0.999 * np.asarray(v, float) + 0.001 * grad**2\n"
        "    m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)\n"
        "    return (1 - lr * weight_decay) * w - lr * m_hat / (np.sqrt(v_hat) + 1e-8), m, v",
    }
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "subs" / "ann" / name)
    out = tmp_path / "out" / "grades.csv"
    (result,) = grade_submissions(
        tmp_path / "subs", source, out, limits=LIMITS, jobs=1, log=lambda *_: None
    )
    scores = {q.question.grade_id: (q.score, q.message) for q in result.results}
    rule = "write it without using lossviz (only NumPy)"
    for gid in ("ch6-soft-threshold-check", "ch6-giou-check"):
        assert scores[gid][0] == 0 and rule in scores[gid][1], scores[gid]
    assert scores["ch6-adamw-check"] == (4, "4 of 4 cases passed")  # NumPy only: full marks


@needs_bwrap
def test_roster_columns_html_feedback_and_regrading_one_student(course) -> None:
    submit(course, "ann", solve_mae)
    submit(course, "Zoë", solve_both)
    roster = course["root"] / "roster.csv"
    roster.write_text(
        "folder,student_id,email\nann,A1,ann@uni.edu\nZoë,Z9,zoe@uni.edu\n", encoding="utf-8"
    )
    out = course["root"] / "results" / "grades.csv"
    kwargs = dict(limits=LIMITS, jobs=1, log=lambda *_: None, roster=roster)
    grade_submissions(course["subs"], course["source"], out, **kwargs)
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert rows["Zoë"]["student_id"] == "Z9" and rows["Zoë"]["email"] == "zoe@uni.edu"
    assert rows["ann"]["total"] == "2" and rows["Zoë"]["total"] == "4"
    page = (out.parent / "feedback" / "ann.html").read_text(encoding="utf-8")
    assert "toy-huber-check" in page and "still raises NotImplementedError" in page
    assert page.index("Feedback for ann") < page.index("my_mae")  # verdicts, then the notebook
    zoe_before = (out.parent / "feedback" / "Zoë.md").read_text(encoding="utf-8")
    # ann improves her notebook; only her row and feedback change
    nb = nbformat.read(course["subs"] / "ann" / "toy.ipynb", as_version=4)
    solve_huber(nb)
    nbformat.write(nb, course["subs"] / "ann" / "toy.ipynb")
    (out.parent / "feedback" / "Zoë.md").write_text("kept", encoding="utf-8")
    grade_submissions(course["subs"], course["source"], out, only="ann", **kwargs)
    with open(out, newline="", encoding="utf-8-sig") as fh:
        after = {row["student"]: row for row in csv.DictReader(fh)}
    assert after["ann"]["total"] == "4" and after["Zoë"] == rows["Zoë"]
    assert (out.parent / "feedback" / "Zoë.md").read_text(encoding="utf-8") == "kept"
    assert zoe_before != "kept"
    with pytest.raises(ValueError, match="no submission folder 'bob'"):
        grade_submissions(course["subs"], course["source"], out, only="bob", **kwargs)


def test_student_markdown_cannot_script_the_html_feedback(tmp_path) -> None:
    path = tmp_path / "nb.ipynb"
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                ":::{exercise} X\n<script>alert('x')</script> hello [a](javascript:alert(1))\n:::"
            )
        ]
    )
    nbformat.write(nb, path)
    result = grading.NotebookResult("s", "nb.ipynb", submission=str(path))
    grading.write_feedback_html(tmp_path / "s.html", "s", [result])
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "hello" in page and "<script>alert" not in page and "javascript:alert" not in page
