"""The student version of the chapters reveals no answer and has a place for every answer.

The leak test collects every number that a worked answer states: the code between
``### BEGIN SOLUTION`` and ``### END SOLUTION``, the text of the ``{solution}`` dropdowns,
hidden tests and the cells tagged ``instructor-only`` (and, in the slow variant, what
those cells print when the instructor's notebook runs). None of these numbers may appear
in the student notebook made from the real book, except the ones that are no secret:

- numbers the chapter itself shows before its "## Exercises" heading, in prose, code
  or printed output, and numbers in the exercises' task texts. The student reads those
  anyway; a worked answer may repeat them ("recall should again be about 0.82", a
  number of the chapter's table), and a table of three-digit results can hold the
  same digits by chance (chapter 5 prints a recall of 0.993, the value of a derivative
  in a worked answer); flagging them would make the test cry wolf;
- small integers (0 to 10) and 0.5, 0.25: list numbers, exponents, axes, ``range``
  bounds and default arguments; on their own they identify no answer.

The same rule holds for what the student sees when running the notebook: the slow
variant executes the instructor's notebook once and compares what the solution and
instructor-only cells print with what the cells kept in the student version print.
"""

from __future__ import annotations

import copy
import re

import nbformat
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lossviz.classroom.student import INSTRUCTOR_ONLY, student_notebook

#: Chapters with exercises: notebooks of book/ that hold nbgrader cells.
CHAPTERS = sorted(
    p
    for p in (ROOT / "book").glob("*.ipynb")
    if any("nbgrader" in c.metadata for c in nbformat.read(p, as_version=4).cells)
)

_NUMBER = re.compile(
    r"10\^\{?\s*(?P<exp>[-−]?\d+)\s*\}?"  # LaTeX powers of ten: 10^{-3}
    r"|(?<![\w.])[-−]?(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w])"  # 0.993, 1e-7, 150
)
_TRIVIAL = {float(i) for i in range(11)} | {0.5, 0.25}
_REGION = re.compile(r"BEGIN (SOLUTION|HIDDEN TESTS).*?END (SOLUTION|HIDDEN TESTS)", re.S)
_SOLUTION = re.compile(r"^(?P<fence>:{3,}|`{3,})\{solution\}.*?^(?P=fence)[ \t]*$", re.M | re.S)
_EXERCISE = re.compile(r"^(?P<fence>:{3,}|`{3,})\{exercise\}.*?^(?P=fence)[ \t]*$", re.M | re.S)
_LABEL = re.compile(r":label:\s*ex-(?P<name>\S+)")
_HEADING = "## Exercises"


def numbers(text: str) -> set[float]:
    """Every number written in ``text``, without its sign, to 12 significant digits."""
    found = set()
    for m in _NUMBER.finditer(text):
        if m.group("exp") is not None:
            value = 10.0 ** int(m.group("exp").replace("−", "-"))
        else:
            value = float(m.group("num"))
        found.add(float(f"{abs(value):.12g}"))
    return found


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _printed(outputs: list) -> str:
    """The text a cell printed or displayed (streams, text/plain, errors)."""
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(str(out["data"].get("text/plain", "")))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "\n".join(parts)


def secrets_and_allowed(
    nb: nbformat.NotebookNode, outputs: dict[str, list] | None = None
) -> tuple[dict[float, str], set[float]]:
    """Numbers stated by worked answers (with where), and numbers that are no secret."""
    secret: dict[float, str] = {}
    allowed = set(_TRIVIAL)
    exercises = False

    def add(values: set[float], where: str) -> None:
        for v in values:
            secret.setdefault(v, where)

    for index, cell in enumerate(nb.cells):
        src = cell.source
        printed = _printed((outputs or {}).get(cell.get("id"), []))
        solution_cell = cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get(
            "solution"
        )
        if INSTRUCTOR_ONLY in _tags(cell):
            add(numbers(src) | numbers(printed), f"instructor-only cell {index}")
            continue
        for m in _REGION.finditer(src):
            add(numbers(m.group(0)), f"solution region of cell {index}")
        for m in _SOLUTION.finditer(src):
            add(numbers(m.group(0)), f"{{solution}} of cell {index}")
        if solution_cell:
            add(numbers(printed), f"output of solution cell {index}")
        for m in _EXERCISE.finditer(src):
            allowed |= numbers(m.group(0))
        if not exercises:
            public = _SOLUTION.sub("", _REGION.sub("", src))
            if _HEADING in public:
                exercises = True
                public = public[: public.index(_HEADING)]
            allowed |= numbers(public) | numbers(printed)
    return secret, allowed


def visible_numbers(
    student: nbformat.NotebookNode, outputs: dict[str, list] | None = None
) -> dict[float, str]:
    """Numbers a student sees in the student notebook, with the cell they are in.

    ``outputs`` maps cell ids to what the instructor's run printed; cells of the student
    version that are not nbgrader cells print the same when the student runs them.
    """
    seen: dict[float, str] = {}
    for index, cell in enumerate(student.cells):
        text = cell.source
        if outputs and "nbgrader" not in cell.metadata:
            text += "\n" + _printed(outputs.get(cell.get("id"), []))
        for v in numbers(text):
            seen.setdefault(v, f"student cell {index}: {cell.source[:70]!r}")
    return seen


def leaks(instructor: nbformat.NotebookNode, outputs: dict[str, list] | None = None) -> list[str]:
    """Describe every secret number found in the student version of ``instructor``."""
    secret, allowed = secrets_and_allowed(instructor, outputs)
    student = student_notebook(copy.deepcopy(instructor))
    seen = visible_numbers(student, outputs)
    return [
        f"{value:g} (stated by the {secret[value]}) appears in {seen[value]}"
        for value in sorted(set(secret) - allowed)
        if value in seen
    ]


def _read(path):
    return nbformat.read(path, as_version=4)


# ----------------------------------------------------------------------------- the detector


def _old_chapter_5_style(tagged: bool) -> nbformat.NotebookNode:
    """An exercise as chapter 5 had it: a hide-input assert of the worked answer's numbers."""
    assert_cell = new_code_cell(
        "grad_ce = sigmoid(-5.0) - 1.0\nassert near(grad_ce, -0.993, 0.001)",
        metadata={"tags": ["hide-input"] + ([INSTRUCTOR_ONLY] if tagged else [])},
    )
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Chapter\n\nThe sigmoid at $z = -5$.\n\n## Exercises"),
            new_markdown_cell(
                ":::{exercise} Gradients\n:label: ex-ch9-noise\n\nEvaluate at $z = -5$.\n:::"
            ),
            new_markdown_cell(
                ":::{solution} ex-ch9-noise\n:class: dropdown\n\n"
                "$\\sigma(-5) - 1 \\approx -0.993$, about 150 times more.\n:::"
            ),
            assert_cell,
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    return nb


def test_the_detector_finds_an_untagged_assert_of_a_solution_number() -> None:
    found = leaks(_old_chapter_5_style(tagged=False))
    assert len(found) == 1 and found[0].startswith("0.993 ")


def test_the_detector_accepts_the_tagged_cell_and_ignores_task_numbers() -> None:
    assert leaks(_old_chapter_5_style(tagged=True)) == []
    # -5 is in the task and 1 is trivial: neither counts, though the solution states both.
    secret, allowed = secrets_and_allowed(_old_chapter_5_style(tagged=True))
    assert {5.0, 1.0} <= allowed and {0.993, 150.0} <= set(secret) - allowed


def test_numbers_are_read_in_the_forms_the_chapters_write_them() -> None:
    assert numbers(r"$\approx -0.993$, 1e-7, $10^{-9}$, 19-to-1, x2, ch5") == {
        0.993,
        1e-7,
        1e-9,
        19.0,
        1.0,
    }


# ----------------------------------------------------------------------------- the real book


def test_there_are_chapters_with_exercises() -> None:
    assert len(CHAPTERS) >= 5


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_version_states_no_number_of_a_worked_answer(path) -> None:
    found = leaks(_read(path))
    assert found == [], f"{path.name}: the student version reveals:\n" + "\n".join(found)


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_version_prints_no_number_of_a_worked_answer(path) -> None:
    """Run the instructor's notebook; compare what its answer cells and the kept cells print."""
    from nbclient import NotebookClient

    nb = _read(path)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = {cell.get("id"): cell.get("outputs", []) for cell in nb.cells}
    found = leaks(_read(path), outputs)
    assert found == [], f"{path.name}: the student version reveals:\n" + "\n".join(found)


# ----------------------------------------------------------------------------- answer cells


def _exercises(nb) -> list[tuple[int, str]]:
    """(cell index, NAME) of every exercise task, NAME as in its label ex-NAME."""
    found = []
    for index, cell in enumerate(nb.cells):
        for m in _EXERCISE.finditer(cell.source):
            label = _LABEL.search(m.group(0))
            assert label, f"cell {index}: an exercise without a label"
            found.append((index, label.group("name")))
    return found


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_exercise_has_an_answer_cell(path) -> None:
    nb = _read(path)
    exercises = _exercises(nb)
    assert exercises, path.name
    for index, name in exercises:
        answers = [
            c
            for c in nb.cells
            if (_grade_id(c) or "").startswith(f"{name}-") and c.metadata["nbgrader"]["solution"]
        ]
        assert answers, f"{path.name}: exercise ex-{name} (cell {index}) has no answer cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_worked_answer_follows_a_hand_graded_answer_cell(path) -> None:
    """Between a task and its {solution} dropdown sits nbgrader's manual-grade Markdown cell."""
    nb = _read(path)
    tasks = {name: index for index, name in _exercises(nb)}
    solutions = [
        (i, m.group(0)) for i, c in enumerate(nb.cells) for m in _SOLUTION.finditer(c.source)
    ]
    for index, text in solutions:
        name = re.match(r"[:`]{3,}\{solution\}\s+ex-(\S+)", text).group(1)
        assert name in tasks, f"{path.name}: cell {index} solves an unknown exercise ex-{name}"
        assert tasks[name] < index, f"{path.name}: the solution of ex-{name} precedes its task"
        between = nb.cells[tasks[name] + 1 : index]
        answer = [c for c in between if _grade_id(c) == f"{name}-answer"]
        assert len(answer) == 1, f"{path.name}: no {name}-answer cell before its solution"
        cell = answer[0]
        meta = cell.metadata["nbgrader"]
        assert cell.cell_type == "markdown" and cell.source == "YOUR ANSWER HERE"
        assert meta["grade"] is True and meta["solution"] is True and meta["locked"] is False
        assert meta["points"] > 0 and meta["schema_version"] == 3
        assert _tags(cell) == ["remove-cell"], f"{path.name}: {name}-answer shows on the website"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_version_keeps_answer_cells_and_passes_nbgrader_metadata_check(
    path, tmp_path
) -> None:
    from nbgrader.preprocessors import CheckCellMetadata

    student = student_notebook(_read(path))
    out = tmp_path / path.name
    nbformat.write(student, out)
    again = _read(out)  # as the student's Jupyter will read it
    CheckCellMetadata().preprocess(again, {})  # raises on corrupt nbgrader metadata
    assert not [c for c in again.cells if INSTRUCTOR_ONLY in _tags(c)]
    instructor_answers = [
        _grade_id(c)
        for c in _read(path).cells
        if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
    ]
    student_answers = {_grade_id(c): c for c in again.cells if c.cell_type == "markdown"}
    for gid in instructor_answers:
        cell = student_answers[gid]
        assert cell.source == "YOUR ANSWER HERE"  # nbgrader's ClearSolutions text stub
        assert cell.metadata["nbgrader"]["locked"] is False  # students can write in it
    assert "{solution}" not in "".join(c.source for c in again.cells)
