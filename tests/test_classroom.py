"""The classroom commands: student version (nbgrader preprocessors) and sandboxed grading.

A tiny nbgrader-format notebook made here stands in for a chapter, so these tests
do not depend on the chapters being written. Each graded submission runs in its
own kernel process (about 5-10 s each).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lossviz.classroom import Limits, grade_submissions, make_student_version
from lossviz.classroom.__main__ import main as cli
from lossviz.classroom.student import LEAK_MARKERS, find_leaks, student_notebook

SQUARE_SOLUTION = "return x * x"
MSE_SOLUTION = "return float(np.mean((np.asarray(input) - np.asarray(target)) ** 2))"
CONCEPT_SOLUTION = "Squaring penalises large residuals more than small ones."
HIDDEN_TEST = "hidden case: a single residual of 3"


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
    """A two-exercise chapter in the book's exercise format (1 + 2 points)."""
    check_square = (
        '@checks.exercise("Square")\n'
        "def check_square(f):\n"
        '    checks.check_cases(f, [checks.Case((3.0,), 9.0, hint="multiply x by itself")])\n'
        "\n"
        "check_square(my_square)"
    )
    check_mse = (
        '@checks.exercise("Mean squared error")\n'
        "def check_mse(f):\n"
        "    checks.check_cases(f, [checks.Case(([1.0, 2.0], [1.0, 4.0]), 2.0,\n"
        '                                       hint="average the squared residuals")])\n'
        "    ### BEGIN HIDDEN TESTS\n"
        f'    checks.check_cases(f, [checks.Case(([0.0], [3.0]), 9.0, hint="{HIDDEN_TEST}")])\n'
        "    ### END HIDDEN TESTS\n"
        "\n"
        "check_mse(my_mse)"
    )
    cells = [
        new_markdown_cell("# A toy chapter"),
        new_code_cell(
            "import numpy as np\nfrom lossviz import checks",
            metadata=_meta("toy-setup", locked=True),
        ),
        new_markdown_cell(
            ":::{exercise} Square\n:label: ex-toy-square\n\nWrite `my_square(x)`.\n:::"
        ),
        new_code_cell(
            f"def my_square(x):\n    ### BEGIN SOLUTION\n    {SQUARE_SOLUTION}\n"
            "    ### END SOLUTION",
            metadata={**_meta("toy-square-code", solution=True), "tags": ["hide-input"]},
        ),
        new_code_cell(
            check_square, metadata=_meta("toy-square-check", grade=True, locked=True, points=1)
        ),
        new_markdown_cell(
            ":::{exercise} MSE\n:label: ex-toy-mse\n\nWrite `my_mse(input, target)`.\n:::"
        ),
        new_code_cell(
            f"def my_mse(input, target):\n    ### BEGIN SOLUTION\n    {MSE_SOLUTION}\n"
            "    ### END SOLUTION",
            metadata={**_meta("toy-mse-code", solution=True), "tags": ["hide-input"]},
        ),
        new_code_cell(
            check_mse, metadata=_meta("toy-mse-check", grade=True, locked=True, points=2)
        ),
        new_markdown_cell(":::{exercise} Why square?\n:label: ex-toy-why\n\nExplain.\n:::"),
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


def _code_cell(nb, grade_id):
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


def submit(course: dict, student: str, edit=None, raw: str | None = None) -> Path:
    """Put a submission in place: the student version, edited by ``edit(nb)``, or raw text."""
    folder = course["subs"] / student
    folder.mkdir()
    path = folder / "toy.ipynb"
    if raw is not None:
        path.write_text(raw, encoding="utf-8")
        return path
    nb = nbformat.read(course["release"] / "toy.ipynb", as_version=4)
    if edit is not None:
        edit(nb)
    nbformat.write(nb, path)
    return path


def solve_square(nb, body=SQUARE_SOLUTION):
    _code_cell(nb, "toy-square-code").source = f"def my_square(x):\n    {body}"


def solve_mse(nb, body=MSE_SOLUTION):
    _code_cell(
        nb, "toy-mse-code"
    ).source = f"import numpy as np\ndef my_mse(input, target):\n    {body}"


LIMITS = Limits(cell_timeout=4, total_timeout=90, memory_mb=1024)


def grade(course: dict, limits: Limits = LIMITS) -> tuple[dict, dict]:
    out = course["root"] / "results" / "grades.csv"
    grade_submissions(
        course["subs"], course["source"], out, limits=limits, jobs=2, log=lambda *_: None
    )
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    feedback = {
        p.stem: p.read_text(encoding="utf-8") for p in (out.parent / "feedback").glob("*.md")
    }
    return rows, feedback


# ----------------------------------------------------------------------------- student version


def test_student_version_has_no_solution_text(course) -> None:
    text = (course["release"] / "toy.ipynb").read_text(encoding="utf-8")
    for secret in (SQUARE_SOLUTION, MSE_SOLUTION, CONCEPT_SOLUTION, HIDDEN_TEST, *LEAK_MARKERS):
        assert secret not in text
    assert "raise NotImplementedError()" in text


def test_student_version_keeps_checks_and_locks_them(course) -> None:
    nb = nbformat.read(course["release"] / "toy.ipynb", as_version=4)
    check = _code_cell(nb, "toy-mse-check")
    assert "check_mse(my_mse)" in check.source
    assert check.metadata.nbgrader["locked"] is True
    assert ":::{exercise} MSE" in "".join(c.source for c in nb.cells)


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


# ----------------------------------------------------------------------------- grading


def test_reference_solution_scores_full_marks(course) -> None:
    (course["subs"] / "ref").mkdir()
    (course["subs"] / "ref" / "toy.ipynb").write_bytes(
        (course["source"] / "toy.ipynb").read_bytes()
    )
    rows, feedback = grade(course)
    assert rows["ref"]["total"] == "3" and rows["ref"]["max_total"] == "3"
    assert rows["ref"]["toy:toy-square-check"] == "1" and rows["ref"]["toy:toy-mse-check"] == "2"
    assert rows["ref"]["problems"] == ""
    assert "Total: 3 / 3" in feedback["ref"]


def test_unreadable_and_missing_submissions_score_zero_without_running(course) -> None:
    submit(course, "broken", raw='{"cells": [ this is not json')
    submit(course, "empty", raw="")
    (course["subs"] / "absent").mkdir()
    rows, feedback = grade(course)
    assert rows["broken"]["total"] == "0"
    assert "not a valid notebook" in rows["broken"]["problems"]
    assert "not a valid notebook" in rows["empty"]["problems"]
    assert "not submitted" in rows["absent"]["problems"]
    assert "not a valid notebook" in feedback["broken"]


def test_a_loop_deaf_to_interrupts_is_killed_at_the_total_limit(tmp_path) -> None:
    import psutil

    from lossviz.classroom.grading import run_notebook

    def kernels() -> set[int]:
        return {
            p.pid
            for p in psutil.process_iter(["cmdline"])
            if "lossviz.classroom._kernel" in " ".join(p.info["cmdline"] or [])
        }

    before = kernels()
    nb = new_notebook(
        cells=[
            new_code_cell(
                "while True:\n    try:\n        while True: pass\n    except BaseException: pass"
            )
        ]
    )
    executed, status, violations = run_notebook(
        nb, None, [], Limits(cell_timeout=60, total_timeout=8, memory_mb=1024)
    )
    assert status["status"] == "killed" and "8 s" in status["detail"]
    assert violations == []
    assert kernels() <= before


# ----------------------------------------------------------------------------- one class, many
# Every kind of submission graded in one run, two at a time, as an instructor would.

SUBMISSIONS = {
    "ref": None,  # the instructor's own notebook
    "blank": lambda nb: None,
    "half": solve_square,
    # Passes the visible MSE case but not the hidden one.
    "sneaky": lambda nb: (
        solve_square(nb),
        solve_mse(nb, "return 2.0 if len(input) == 2 else 0.0"),
    ),
    "cheat": lambda nb: (
        setattr(_code_cell(nb, "toy-square-check"), "source", "print('all good')"),
        nb.cells.append(new_code_cell("1", metadata=_meta("bonus", grade=True, points=50))),
    ),
    "loop": lambda nb: (solve_mse(nb), solve_square(nb, "while True: pass")),
    "stubborn": lambda nb: solve_square(
        nb,
        "while True:\n        try:\n            while True: "
        "pass\n        except BaseException: pass",
    ),
    "raises": lambda nb: (solve_mse(nb), solve_square(nb, "raise KeyError('oops')")),
    "typo": lambda nb: (solve_mse(nb), solve_square(nb, "return x *")),
    "hog": lambda nb: (
        solve_mse(nb),
        solve_square(nb, "blocks = [bytearray(2**26) for _ in range(10**6)]\n    return x * x"),
    ),
    "local": lambda nb: solve_square(nb, "open('notes.txt', 'w').write('fine')\n    return x * x"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("class")
    source = root / "source"
    source.mkdir()
    nbformat.write(toy_notebook(), source / "toy.ipynb")
    make_student_version(source, root / "release")
    (root / "submissions").mkdir()
    course = {
        "root": root,
        "source": source,
        "release": root / "release",
        "subs": root / "submissions",
    }
    for student, edit in SUBMISSIONS.items():
        if edit is None:
            (course["subs"] / student).mkdir()
            (course["subs"] / student / "toy.ipynb").write_bytes(
                (source / "toy.ipynb").read_bytes()
            )
        else:
            submit(course, student, edit)
    secret = source / "toy.ipynb"
    submit(
        course,
        "peek",
        lambda nb: (
            solve_mse(nb),
            solve_square(
                nb,
                f"try:\n        open({str(secret)!r}).read()\n    except PermissionError:\n"
                "        pass\n    return x * x",
            ),
        ),
    )
    submit(
        course,
        "lister",
        lambda nb: solve_square(
            nb, f"import os\n    os.listdir({str(course['subs'])!r})\n    return x * x"
        ),
    )
    escaped = root / "escaped.txt"
    submit(
        course,
        "writer",
        lambda nb: solve_square(nb, f"open({str(escaped)!r}, 'w').write('x')\n    return x * x"),
    )
    submit(
        course,
        "climber",
        lambda nb: solve_square(nb, "open('../up.txt', 'w').write('x')\n    return x * x"),
    )
    before = (_tree_digest(source), _tree_digest(course["subs"]))
    rows, feedback = grade(course, Limits(cell_timeout=4, total_timeout=60, memory_mb=1024))
    after = (_tree_digest(source), _tree_digest(course["subs"]))
    return {
        "rows": rows,
        "feedback": feedback,
        "unchanged": before == after,
        "escaped": escaped,
        "root": root,
    }


@pytest.mark.slow
def test_class_reference_full_marks_and_blank_zero(graded) -> None:
    rows, feedback = graded["rows"], graded["feedback"]
    assert rows["ref"]["total"] == "3"
    assert rows["blank"]["total"] == "0" and rows["blank"]["problems"] == ""
    assert "still raises NotImplementedError" in feedback["blank"]


@pytest.mark.slow
def test_class_half_solved_gets_partial_score_and_hidden_tests_count(graded) -> None:
    rows, feedback = graded["rows"], graded["feedback"]
    assert rows["half"]["total"] == "1"
    assert rows["half"]["toy:toy-square-check"] == "1" and rows["half"]["toy:toy-mse-check"] == "0"
    assert rows["sneaky"]["total"] == "1"
    assert HIDDEN_TEST in feedback["sneaky"]


@pytest.mark.slow
def test_class_edited_checks_are_restored_and_student_cells_claim_no_points(graded) -> None:
    assert graded["rows"]["cheat"]["total"] == "0"


@pytest.mark.slow
def test_class_infinite_loop_is_interrupted_and_other_answers_count(graded) -> None:
    rows = graded["rows"]
    assert rows["loop"]["toy:toy-square-check"] == "0"
    assert rows["loop"]["toy:toy-mse-check"] == "2"
    assert "interrupted" in rows["loop"]["problems"]
    assert rows["stubborn"]["total"] == "0"
    assert (
        "interrupted" in rows["stubborn"]["problems"] or "stopped" in rows["stubborn"]["problems"]
    )


@pytest.mark.slow
def test_class_code_that_raises_scores_zero_with_its_error(graded) -> None:
    rows, feedback = graded["rows"], graded["feedback"]
    assert rows["raises"]["toy:toy-square-check"] == "0"
    assert rows["raises"]["toy:toy-mse-check"] == "2"
    assert "KeyError" in feedback["raises"] and "came from your function" in feedback["raises"]


@pytest.mark.slow
def test_class_an_answer_cell_that_does_not_run_is_named_in_the_feedback(graded) -> None:
    rows, feedback = graded["rows"], graded["feedback"]
    assert rows["typo"]["toy:toy-square-check"] == "0"
    assert rows["typo"]["toy:toy-mse-check"] == "2"
    assert "Your answer cell `toy-square-code` raised SyntaxError" in feedback["typo"]


@pytest.mark.slow
def test_class_memory_hog_hits_the_limit(graded) -> None:
    rows, feedback = graded["rows"], graded["feedback"]
    assert rows["hog"]["toy:toy-square-check"] == "0"
    assert rows["hog"]["toy:toy-mse-check"] == "2"
    assert "memory" in rows["hog"]["problems"]
    assert "MemoryError" in feedback["hog"]


@pytest.mark.slow
def test_class_reading_solutions_or_other_students_is_refused_and_scored_zero(graded) -> None:
    rows, feedback = graded["rows"], graded["feedback"]
    assert rows["peek"]["total"] == "0"
    assert "tried reading" in rows["peek"]["problems"] and "toy.ipynb" in feedback["peek"]
    assert rows["lister"]["total"] == "0" and "listing" in rows["lister"]["problems"]


@pytest.mark.slow
def test_class_writing_outside_its_folder_is_refused_and_nothing_changes(graded) -> None:
    rows = graded["rows"]
    for student in ("writer", "climber"):
        assert rows[student]["total"] == "0"
        assert "writing" in rows[student]["problems"]
    assert not graded["escaped"].exists()
    assert not (graded["root"] / "submissions" / "up.txt").exists()
    assert rows["local"]["total"] == "1" and rows["local"]["problems"] == ""
    assert graded["unchanged"]


def test_grade_command_line_writes_csv_and_feedback(course, capsys) -> None:
    submit(course, "half", solve_square)
    out = course["root"] / "cli" / "grades.csv"
    assert (
        cli(
            [
                "grade",
                str(course["subs"]),
                "--source",
                str(course["source"]),
                "--out",
                str(out),
                "--cell-timeout",
                "8",
                "--timeout",
                "90",
                "--memory-mb",
                "1024",
            ]
        )
        == 0
    )
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "student,total,max_total,toy:toy-square-check,toy:toy-mse-check,problems"
    assert "1 / 3" in (out.parent / "feedback" / "half.md").read_text(encoding="utf-8")
    assert "graded 1 student" in capsys.readouterr().out


@pytest.mark.slow
def test_real_chapters_reference_scores_full_marks_and_student_version_zero(tmp_path) -> None:
    book = ROOT / "book"
    subs = tmp_path / "submissions"
    make_student_version(book, subs / "blank")
    (subs / "teacher").mkdir()
    for nb in book.glob("*.ipynb"):
        (subs / "teacher" / nb.name).write_bytes(nb.read_bytes())
    out = tmp_path / "out" / "grades.csv"
    results = grade_submissions(subs, book, out, limits=Limits(cell_timeout=300,
                                total_timeout=900), jobs=2, log=lambda *_: None)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    problems = {(r.student, r.notebook): [q.message for q in r.results if q.score == 0]
                for r in results if r.student == "teacher" and r.score < r.max_score}
    assert rows["teacher"]["total"] == rows["teacher"]["max_total"], problems
    assert rows["teacher"]["problems"] == ""
    assert rows["blank"]["total"] == "0"
