"""Grade a folder of submitted notebooks into a CSV and per-student feedback.

Layout: ``SUBMISSIONS/<student>/<notebook>.ipynb``, matched against the instructor's
notebooks (``book/`` by default) by name, tolerating the suffixes browsers and
learning platforms add (``" (1)"``, ``"-1"``, letter case).

The grader is the trusted side and never runs student code itself:

1. From the INSTRUCTOR notebook it learns each exercise: the grade cell's source
   ``checks.chN.NAME(my_func)`` (parsed, never run) gives the checker and the answer
   function's name; the cell's metadata gives the points and, under ``lossviz``, the
   modules the answer may not use (``forbid``) and the task's wording (``rule``).
   Markdown grade cells are questions graded by hand.
2. From the submission it takes the setup (import) cells, the answer cells (found by
   ``grade_id``, or by the function they define when the metadata was stripped) and
   the cells the student added; check cells are dropped. If a call then fails with a
   ``NameError`` for a name the chapter defines, the whole notebook is run instead.
3. Those cells run in a sandboxed worker (:mod:`lossviz.classroom.sandbox`); each
   answer function is then called from here through a
   :class:`~lossviz.classroom.sandbox.RemoteFunction` by the same checker students
   run in their notebooks, in collect mode (:func:`lossviz.checks._core.collect`), so
   every case gets a verdict. The points are split evenly over the cases; the number
   of cases is taken from a run of the instructor's own solution.
4. An exercise with ``forbid`` is graded in a second worker where those modules are
   absent (hidden by the sandbox, stand-ins raise ``ForbiddenHelperError``); an answer
   that uses one scores 0 with the rule quoted.

Nothing under the instructor's folder or the submissions is changed.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from lossviz.classroom.sandbox import (
    Limits,
    RemoteFunction,
    SandboxUnavailable,
    Session,
    bwrap_path,
)

__all__ = [
    "Exercise",
    "Limits",
    "NotebookResult",
    "QuestionResult",
    "grade_submissions",
    "exercises_of",
    "find_submission",
]

SKIP_PARTS = {"_build", ".ipynb_checkpoints", "__pycache__", ".git"}
#: Largest submitted notebook the grader reads.
MAX_NOTEBOOK_BYTES = 64 * 2**20


# ----------------------------------------------------------------------------- exercises


@dataclass(frozen=True)
class Exercise:
    """One graded question of an instructor notebook.

    Attributes
    ----------
    notebook : str
        The instructor notebook's file name.
    grade_id : str
        The grade cell's ``grade_id`` (the CSV column).
    points : float
        Points available.
    kind : str
        ``"code"`` (checked automatically) or ``"manual"`` (graded by hand).
    checker : tuple of str
        Attribute path of the checker below ``lossviz.checks``, e.g. ``("ch3", "huber")``.
    function : str
        The answer function's name, e.g. ``"my_huber"``.
    answer_id : str
        ``grade_id`` of the answer cell, if known.
    forbid : tuple of str
        Modules the answer may not use.
    rule : str
        The task's wording of that rule.
    label : str
        The task's ``:label:`` (used to find an answer cell without metadata).

    """

    notebook: str
    grade_id: str
    points: float
    kind: str = "code"
    checker: tuple[str, ...] = ()
    function: str = ""
    answer_id: str = ""
    forbid: tuple[str, ...] = ()
    rule: str = ""
    label: str = ""

    @property
    def column(self) -> str:
        """Column name in the CSV."""
        return f"{Path(self.notebook).stem}:{self.grade_id}"


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def parse_check(source: str) -> tuple[tuple[str, ...], str] | None:
    """Read ``checks.chN.NAME(my_func)`` without running it: (checker path, function name)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = [
        n.value for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
    ]
    if len(calls) != 1 or len(tree.body) != 1:
        return None
    call = calls[0]
    parts = []
    node = call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    parts.reverse()
    if parts[:2] == ["lossviz", "checks"]:
        parts = parts[2:]
    elif parts[:1] == ["checks"]:
        parts = parts[1:]
    else:
        return None
    if not parts or len(call.args) != 1 or not isinstance(call.args[0], ast.Name):
        return None
    return tuple(parts), call.args[0].id


def exercises_of(name: str, nb: nbformat.NotebookNode) -> list[Exercise]:
    """List the graded questions of an instructor notebook, in order."""
    found = []
    answer_of: dict[str, str] = {}
    last_label = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^:label:\s*(\S+)", cell.source, flags=re.MULTILINE)
            if m and "{exercise}" in cell.source:
                last_label = m.group(1)
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            for fn in defined_functions(cell.source):
                answer_of[fn] = meta.get("grade_id", "")
        if not meta.get("grade"):
            continue
        points = float(meta.get("points", 0) or 0)
        gid = str(meta.get("grade_id", ""))
        if cell.cell_type == "markdown" or meta.get("solution"):
            found.append(Exercise(name, gid, points, kind="manual", label=last_label))
            continue
        parsed = parse_check(cell.source)
        lv = cell.get("metadata", {}).get("lossviz", {})
        forbid = tuple(lv.get("forbid", ())) if isinstance(lv, dict) else ()
        rule = str(lv.get("rule", "")) if isinstance(lv, dict) else ""
        if parsed is None:
            found.append(Exercise(name, gid, points, kind="unsupported", label=last_label))
            continue
        checker, function = parsed
        found.append(
            Exercise(
                name,
                gid,
                points,
                checker=checker,
                function=function,
                answer_id=answer_of.get(function, ""),
                forbid=forbid,
                rule=rule,
                label=last_label,
            )
        )
    return found


def resolve_checker(path: tuple[str, ...]) -> Callable[..., Any] | None:
    """Return the checker at ``lossviz.checks.<path>``, or None."""
    import importlib

    obj: Any = importlib.import_module("lossviz.checks")
    for part in path:
        if part.startswith("_"):
            return None
        try:
            obj = getattr(obj, part)
        except AttributeError:
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
            except (ImportError, AttributeError):
                return None
    return obj if callable(obj) else None


# ----------------------------------------------------------------------------- intake


def _key(stem: str) -> str:
    stem = stem.lower().strip()
    while True:
        new = re.sub(r"(\s*\(\d+\)|[-_ ]\d{1,2}|\s*copy)$", "", stem).strip()
        if new == stem:
            break
        stem = new
    return re.sub(r"[\s_-]+", "_", stem)


def find_submission(folder: Path, name: str) -> tuple[Path | None, list[Path]]:
    """Find the student's copy of notebook ``name`` in ``folder``, and list all notebooks."""
    root = folder.resolve()
    notebooks = sorted(
        p
        for p in folder.rglob("*.ipynb")
        if p.is_file()
        and not SKIP_PARTS.intersection(p.relative_to(folder).parts)
        # never follow a link out of the student's folder (to the solutions, say)
        and not p.is_symlink()
        and root in p.resolve().parents
    )
    exact = [p for p in notebooks if p.name == name]
    if exact:
        return exact[0], notebooks
    want = _key(Path(name).stem)
    close = [p for p in notebooks if _key(p.stem) == want]
    if close:
        return max(close, key=lambda p: (p.stat().st_mtime, p.name)), notebooks
    return None, notebooks


# ----------------------------------------------------------------------------- cells


def defined_functions(source: str) -> list[str]:
    """Names of the top-level functions a cell defines."""
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return re.findall(r"^def\s+([A-Za-z_]\w*)\s*\(", source, flags=re.MULTILINE)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _strip_magics(source: str) -> str:
    return "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def _has_import(source: str) -> bool:
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return bool(re.search(r"^\s*(import|from)\s", source, flags=re.MULTILINE))
    return any(isinstance(n, ast.Import | ast.ImportFrom) for n in tree.body)


def _is_check_cell(cell) -> bool:
    meta = _nbgrader(cell)
    if meta.get("grade") and not meta.get("solution"):
        return True
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return False
    if not tree.body:
        return False
    for node in tree.body:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return False
        root = node.value.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in ("checks", "lossviz")):
            return False
    return True


def assigned_names(sources: list[str]) -> set[str]:
    """Every name a list of cells binds at any level (for the NameError fallback)."""
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(_strip_magics(source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    names.add((alias.asname or alias.name).split(".")[0])
    return names


@dataclass
class Plan:
    """The cells of a submission to run, with how to name them in feedback."""

    cells: list[tuple[str, str]]
    labels: dict[str, str]
    answer_cells: dict[str, str]  # function name -> cell id


def plan_cells(
    student: nbformat.NotebookNode,
    source: nbformat.NotebookNode,
    exercises: list[Exercise],
    full: bool = False,
) -> Plan:
    """Choose the cells to run: setup, answers and added cells (or all but checks)."""
    functions = {ex.function: ex for ex in exercises if ex.kind == "code"}
    answer_ids = {ex.answer_id: ex for ex in exercises if ex.answer_id}
    known = {" ".join(c.source.split()) for c in source.cells if c.cell_type == "code"}
    cells, labels, answers = [], {}, {}
    leading = True
    for index, cell in enumerate(student.cells, start=1):
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        cell_id = f"cell {index}"
        if _is_check_cell(cell):
            continue
        meta = _nbgrader(cell)
        defines = [fn for fn in defined_functions(cell.source) if fn in functions]
        is_answer = meta.get("grade_id") in answer_ids or bool(defines)
        is_setup = leading and _has_import(cell.source)
        if not is_setup:
            leading = False
        added = " ".join(cell.source.split()) not in known
        if not (full or is_setup or is_answer or added):
            continue
        if is_answer:
            gid = meta.get("grade_id") or (functions[defines[0]].answer_id if defines else "")
            labels[cell_id] = f"{cell_id} (answer cell `{gid}`)" if gid else cell_id
            for fn in defines:
                answers[fn] = cell_id
            if meta.get("grade_id") in answer_ids:
                answers.setdefault(answer_ids[meta["grade_id"]].function, cell_id)
        elif is_setup:
            labels[cell_id] = f"{cell_id} (setup)"
        else:
            labels[cell_id] = cell_id
        cells.append((cell_id, cell.source))
    return Plan(cells, labels, answers)


def manual_answer(student: nbformat.NotebookNode, ex: Exercise) -> str | None:
    """Return the student's text for a question graded by hand, or None."""
    cells = student.cells
    for cell in cells:
        if _nbgrader(cell).get("grade_id") == ex.grade_id:
            return cell.source
    if ex.label:
        for i, cell in enumerate(cells):
            if cell.cell_type == "markdown" and f":label: {ex.label}" in cell.source:
                following = cells[i + 1] if i + 1 < len(cells) else None
                if following is not None and following.cell_type == "markdown":
                    return following.source
    return None


# ----------------------------------------------------------------------------- results


@dataclass
class QuestionResult:
    """Score and feedback for one question of one submission."""

    question: Exercise
    score: float | None
    message: str
    cases: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def per_case(self) -> bool:
        """Whether the score is the share of passed cases (see :func:`finish_cases`)."""
        return bool(self.cases)


@dataclass
class NotebookResult:
    """Outcome of grading one submitted notebook."""

    student: str
    notebook: str
    results: list[QuestionResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    full_run: bool = False
    submission: str = ""
    outputs: dict[int, dict] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Points earned (questions graded by hand count zero until graded)."""
        return sum(r.score or 0.0 for r in self.results)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(r.question.points for r in self.results)

    @property
    def by_hand(self) -> list[str]:
        """``grade_id`` of the questions left to grade by hand."""
        return [r.question.grade_id for r in self.results if r.score is None]


# ----------------------------------------------------------------------------- grading


@dataclass
class Settings:
    """How grading runs (shared by every notebook)."""

    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    mpl_cache: Path | None = None


def _collect(ex: Exercise, session: Session) -> tuple[list[tuple[bool, str]], str, list[str]]:
    from lossviz.checks._core import collect

    checker = resolve_checker(ex.checker)
    if checker is None:
        raise LookupError(f"no checker lossviz.checks.{'.'.join(ex.checker)}")
    proxy = RemoteFunction(session, ex.function)
    outcomes, printed = collect(checker, proxy)
    return [(o.passed, o.message) for o in outcomes], printed, proxy.printed


def _undefined_names(cases: list[tuple[bool, str]]) -> set[str]:
    found = set()
    for passed, message in cases:
        if not passed:
            found.update(re.findall(r"NameError: name '(\w+)' is not defined", message))
    return found


class _Sessions:
    """The workers of one notebook: one per forbid list, run selectively or in full.

    With a ``pool`` (one student's chapters graded in turn), the workers are kept and
    reused from notebook to notebook (:meth:`Session.switch`), so that modules such as
    Matplotlib are imported once per student and worker instead of once per chapter.
    """

    def __init__(
        self,
        folder: Path | None,
        student_nb,
        source_nb,
        exercises,
        settings: Settings,
        pool: dict | None = None,
        subdir: str = "",
    ):
        self.folder, self.student_nb, self.source_nb = folder, student_nb, source_nb
        self.exercises, self.settings = exercises, settings
        self.full = False
        self.plan = plan_cells(student_nb, source_nb, exercises)
        self.open: dict[tuple[str, ...], Session] = {}
        self.deadline = time.monotonic() + settings.limits.total_timeout
        self.pool = pool
        self.subdir = subdir

    def get(self, forbid: tuple[str, ...]) -> Session:
        if forbid not in self.open:
            left = max(1.0, self.deadline - time.monotonic())
            if self.pool is not None and forbid in self.pool:
                session = self.pool[forbid]
                session.subdir = self.subdir
                session.switch(self.plan.cells, left)
            else:
                limits = Limits(**{**self.settings.limits.__dict__, "total_timeout": left})
                session = Session(
                    self.folder,
                    self.plan.cells,
                    limits,
                    forbid=list(forbid),
                    sandbox=self.settings.sandbox,
                    mpl_cache=self.settings.mpl_cache,
                )
                session.subdir = self.subdir
                if self.pool is not None:
                    self.pool[forbid] = session
            self.open[forbid] = session
        return self.open[forbid]

    def go_full(self) -> None:
        self.close()
        self.full = True
        self.plan = plan_cells(self.student_nb, self.source_nb, self.exercises, full=True)

    def close(self) -> None:
        """Stop the workers, except those kept in the pool for the next notebook."""
        for session in self.open.values():
            if self.pool is None:
                session.close()
        self.open.clear()


def _grade_code(
    ex: Exercise, sessions: _Sessions, totals: dict[str, int], result: NotebookResult
) -> QuestionResult:
    # names the chapter defines in cells that the selective run left out
    chapter_names = assigned_names(
        [c.source for c in sessions.source_nb.cells if c.cell_type == "code"]
        + [c.get("source", "") for c in sessions.student_nb.cells if c.get("cell_type") == "code"]
    ) - assigned_names([source for _, source in sessions.plan.cells])
    for _attempt in range(2):
        session = sessions.get(ex.forbid)
        used_before = len(session.forbidden_used)
        cases, _printed, prints = _collect(ex, session)
        missing = _undefined_names(cases) & chapter_names
        if missing and not sessions.full:
            sessions.go_full()
            result.full_run = True
            continue
        break
    result.printed += [f"{ex.function}: {p.strip()}" for p in prints if p.strip()]
    if ex.forbid and len(session.forbidden_used) > used_before:
        used = session.forbidden_used[used_before]
        rule = ex.rule or "without " + ", ".join(ex.forbid)
        return QuestionResult(
            ex,
            0.0,
            f"0 points: the exercise says to write it {rule}, and your function used a "
            f"module it rules out ({used})",
        )
    passed = sum(1 for ok, _ in cases if ok)
    total = max(totals.get(ex.grade_id, 0), len(cases), 1)
    score = round(ex.points * min(passed, total) / total, 2)
    missing_fn = [m for ok, m in cases if not ok and "is not defined in your notebook" in m]
    if missing_fn and len(missing_fn) == len(cases):
        cell = sessions.plan.answer_cells.get(ex.function)
        why = f"{ex.function} is not defined in your notebook"
        report = session.reports.get(cell) if cell else None
        if report is not None and report.error:
            why += (
                f": {sessions.plan.labels.get(cell, cell)} raised "
                f"{report.error.get('type')}: {_first_line(report.error.get('message', ''))}"
            )
        elif report is not None and report.status in ("died", "timeout"):
            what = "crashed Python" if report.status == "died" else "ran too long and was stopped"
            why += f": {sessions.plan.labels.get(cell, cell)} {what}"
        elif cell is None:
            why += " (no cell defines it)"
        return QuestionResult(ex, 0.0, why)
    result_q = QuestionResult(ex, score, "", list(cases))
    return finish_cases(result_q, totals.get(ex.grade_id, 0))


def finish_cases(q: QuestionResult, reference: int) -> QuestionResult:
    """Score ``q`` from its case verdicts, out of at least ``reference`` cases.

    ``reference`` is the number of cases the instructor's solution goes through; cases a
    submission did not reach (a failure stopped the checker) count as failed.
    """
    ran = [c for c in q.cases if not c[1].startswith(_UNREACHED)]
    total = max(reference, len(ran), 1)
    passed = sum(1 for ok, _ in ran if ok)
    q.cases = ran + [(False, _UNREACHED + "an earlier failure stopped the checker")] * (
        total - len(ran)
    )
    q.score = round(q.question.points * min(passed, total) / total, 2)
    q.message = f"{passed} of {total} cases passed"
    return q


_UNREACHED = "not reached: "


def _first_line(text: str) -> str:
    lines = str(text).strip().splitlines()
    return lines[0][:300] if lines else ""


def _cell_notes(session: Session, plan: Plan, limits: Limits) -> tuple[list[str], list[str]]:
    """Problems (first crash, timeouts, deaths) and the student's prints, from the reports."""
    notes, printed = [], []
    first_error_named = False
    for cell_id, _source in plan.cells:
        report = session.reports.get(cell_id)
        if report is None:
            continue
        label = plan.labels.get(cell_id, cell_id)
        if report.status == "timeout":
            notes.append(
                f"{label} ran longer than {limits.cell_timeout:g} s and was stopped; "
                "grading went on without it"
            )
        elif report.status == "died":
            tail = f" ({_first_line(report.stderr)})" if report.stderr.strip() else ""
            notes.append(f"the Python process died while running {label}{tail}")
        elif report.error and report.error.get("type") != "NotImplementedError":
            if not first_error_named:
                first_error_named = True
                notes.append(
                    f"the first cell that failed is {label}: {report.error.get('type')}: "
                    f"{_first_line(report.error.get('message', ''))}"
                )
            elif "answer" in label:
                notes.append(
                    f"{label} raised {report.error.get('type')}: "
                    f"{_first_line(report.error.get('message', ''))}"
                )
        text = (report.stdout + report.stderr).strip()
        if text:
            printed.append(f"{label}: {text}")
    return notes, printed


def grade_notebook(
    student: str,
    folder: Path,
    name: str,
    source_nb: nbformat.NotebookNode,
    settings: Settings,
    totals: dict[str, int] | None = None,
    pool: dict | None = None,
) -> NotebookResult:
    """Grade one student's copy of one notebook (reusing the workers in ``pool``)."""
    start = time.monotonic()
    exercises = exercises_of(name, source_nb)
    result = NotebookResult(student, name)
    totals = totals or {}

    def zero(reason: str) -> NotebookResult:
        result.problems.append(reason)
        result.results = [
            QuestionResult(ex, None if ex.kind == "manual" else 0.0, reason) for ex in exercises
        ]
        result.seconds = time.monotonic() - start
        return result

    path, found = find_submission(folder, name)
    if path is None:
        others = ", ".join(p.name for p in found) or "no notebook"
        return zero(f"not submitted: expected {name}, found {others}")
    if path.name != name:
        result.notes.append(f"graded {path.name} as {name}")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return zero(f"not graded: {path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    try:
        student_nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        if not isinstance(student_nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as err:  # noqa: BLE001 - anything unreadable scores zero
        return zero(f"not a valid notebook ({type(err).__name__}: {str(err)[:120]})")

    if pool is None:
        sessions = _Sessions(path.parent, student_nb, source_nb, exercises, settings)
    else:
        subdir = str(path.parent.relative_to(folder)) if path.parent != folder else ""
        sessions = _Sessions(folder, student_nb, source_nb, exercises, settings, pool, subdir)
    try:
        for ex in exercises:
            if ex.kind == "manual":
                text = manual_answer(student_nb, ex)
                shown = (text or "").strip()
                if not shown or shown == "YOUR ANSWER HERE":
                    shown = "(no answer)"
                result.results.append(QuestionResult(ex, None, "to grade by hand: " + shown))
                continue
            if ex.kind == "unsupported" or resolve_checker(ex.checker) is None:
                result.results.append(
                    QuestionResult(
                        ex, None, "to grade by hand: its check cell is not checks.NAME(my_func)"
                    )
                )
                continue
            result.results.append(_grade_code(ex, sessions, totals, result))
        main = sessions.get(())
        main.start()
        result.submission = str(path)
        for cell_id, report in main.reports.items():
            result.outputs[int(cell_id.split()[-1]) - 1] = {
                "stdout": report.stdout[:5000],
                "stderr": report.stderr[:5000],
                "error": report.error,
                "status": report.status,
            }
        notes, printed = _cell_notes(main, sessions.plan, settings.limits)
        result.notes += notes
        result.printed = printed + result.printed
        for session in sessions.open.values():
            for event in session.events:
                if event not in result.problems:
                    result.problems.append(event)
            if session.out_of_time or session.left() <= 0:
                msg = (
                    f"the notebook ran longer than {settings.limits.total_timeout:g} s "
                    "in total and was stopped"
                )
                if msg not in result.problems:
                    result.problems.append(msg)
        if result.full_run:
            result.notes.append(
                "your answers needed names defined elsewhere in the chapter, so the whole "
                "notebook was run"
            )
    finally:
        sessions.close()
    result.seconds = time.monotonic() - start
    return result


def reference_totals(
    name: str, source_nb: nbformat.NotebookNode, settings: Settings, pool: dict | None = None
) -> tuple[dict[str, int], list[str]]:
    """Run the instructor's own solution: the number of cases of each exercise, and failures.

    The number of cases an exercise has is what the reference solution meets; a student
    whose error stops a checker early cannot shrink it.
    """
    exercises = exercises_of(name, source_nb)
    sessions = _Sessions(None, source_nb, source_nb, exercises, settings, pool)
    totals, failures = {}, []
    try:
        for ex in exercises:
            if ex.kind != "code" or resolve_checker(ex.checker) is None:
                continue
            cases, _printed, _prints = _collect(ex, sessions.get(()))
            totals[ex.grade_id] = len(cases)
            bad = [m for ok, m in cases if not ok]
            if bad:
                failures.append(f"{name}: the reference solution fails {ex.grade_id}: {bad[0]}")
    finally:
        sessions.close()
    return totals, failures


# ----------------------------------------------------------------------------- reports


def _mark(r: QuestionResult) -> str:
    if r.score is None:
        return "…"
    return "✔" if r.score >= r.question.points else "✘"


def _short(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _grouped(cases: list[tuple[bool, str]]) -> list[tuple[bool, str, int]]:
    """Consecutive identical verdicts merged, with their count."""
    merged: list[tuple[bool, str, int]] = []
    for ok, message in cases:
        key = message.split(" (The error above came from")[0]
        if merged and merged[-1][0] == ok and merged[-1][1].split(" (The error above")[0] == key:
            merged[-1] = (ok, merged[-1][1], merged[-1][2] + 1)
        else:
            merged.append((ok, message, 1))
    return merged


def write_feedback(path: Path, student: str, results: list[NotebookResult]) -> None:
    """Write one student's feedback as Markdown: verdicts first and whole, prints last."""
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    lines = [f"# Feedback for {student}", "", f"**Total: {total:g} / {most:g} points**", ""]
    for nb in results:
        lines += [f"## {nb.notebook}: {nb.score:g} / {nb.max_score:g}", ""]
        for r in nb.results:
            got = "?" if r.score is None else f"{r.score:g}"
            lines.append(
                f"- {_mark(r)} `{r.question.grade_id}` ({got} / {r.question.points:g}): {r.message}"
            )
            for ok, message, count in _grouped(r.cases):
                times = f" (×{count})" if count > 1 else ""
                lines.append(f"    - {'✔' if ok else '✘'} {message}{times}")
        lines.append("")
        for problem in nb.problems:
            lines.append(f"> **Problem:** {problem}")
        for note in nb.notes:
            lines.append(f"> **Note:** {note}")
        if nb.problems or nb.notes:
            lines.append("")
        if nb.printed:
            lines += ["<details><summary>What your code printed (shortened)</summary>", ""]
            budget = 3000
            for text in dict.fromkeys(nb.printed):  # each distinct output once
                shown = _short(text, min(400, budget))
                budget -= len(shown)
                lines += ["```text", shown.replace("```", "'''"), "```"]
                if budget <= 0:
                    lines.append("(more output not shown)")
                    break
            lines += ["", "</details>", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_feedback_html(path: Path, student: str, results: list[NotebookResult]) -> None:
    """Write one student's feedback as a web page: verdicts, then each notebook as it ran.

    Each notebook shows the exercises, the cells the grader ran with their outputs
    (prints, errors) and the check cells, after the verdicts. The student's Markdown is
    defanged: raw HTML shows as text and ``javascript:`` links are broken, so a
    submission cannot script the page.
    """
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_markdown_cell, new_notebook, new_output

    md = path.with_suffix(".md")
    summary = md.read_text(encoding="utf-8") if md.exists() else f"# Feedback for {student}"
    cells = [new_markdown_cell(summary.split("<details>")[0])]
    for nb in results:
        if not nb.submission:
            continue
        try:
            submitted = nbformat.read(nb.submission, as_version=4)
        except Exception:  # noqa: BLE001 - reported in the Markdown already
            continue
        cells.append(new_markdown_cell(f"---\n# {nb.notebook}: {nb.score:g} / {nb.max_score:g}"))
        for index, cell in enumerate(submitted.cells):
            if not _worth_showing(cell, index in nb.outputs):
                continue
            if cell.get("cell_type") == "code":
                cell.outputs = []
                cell.execution_count = None
                ran = nb.outputs.get(index)
                if ran:
                    for name in ("stdout", "stderr"):
                        if ran.get(name):
                            cell.outputs.append(new_output("stream", name=name, text=ran[name]))
                    if ran.get("error"):
                        err = ran["error"]
                        cell.outputs.append(
                            new_output(
                                "error",
                                ename=str(err.get("type", "")),
                                evalue=str(err.get("message", "")),
                                traceback=[str(err.get("traceback", ""))],
                            )
                        )
                    if ran.get("status") in ("timeout", "died"):
                        what = "ran too long" if ran["status"] == "timeout" else "crashed Python"
                        text = f"[grader: this cell {what}]"
                        cell.outputs.append(new_output("stream", name="stderr", text=text))
            elif cell.get("cell_type") == "raw":
                cell.cell_type = "markdown"
                cell.source = "```\n" + cell.source.replace("`", "'") + "\n```"
            else:
                cell.source = _defang(cell.source)
            cell.pop("attachments", None)
            cell.metadata = {}
            cells.append(cell)
    page = new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = HTMLExporter(template_name="lab")
    body, _ = _EXPORTER.from_notebook_node(page)
    path.write_text(body, encoding="utf-8")


_EXPORTER = None


def _worth_showing(cell, ran: bool) -> bool:
    """Keep the page short: the cells that ran, the exercises, the answers and the checks."""
    if ran:
        return True
    source = cell.get("source", "")
    if cell.get("cell_type") == "markdown":
        return "{exercise}" in source or bool(_nbgrader(cell).get("grade"))
    return cell.get("cell_type") == "code" and _is_check_cell(cell)


def _defang(markdown: str) -> str:
    """Student Markdown with raw HTML shown as text and script links broken."""
    text = markdown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"(?i)(java|vb)script\s*:", "script-link-removed:", text)


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """Read ``roster.csv``: folder name -> ``{"student_id": ..., "email": ...}``.

    The first column is the submission folder's name (header ``folder`` or ``student``);
    columns named ``id``, ``student_id`` or ``sis_id``, and ``email``, are used if present.

    Raises
    ------
    ValueError
        If the file has no header or no rows.

    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise ValueError(f"{path}: a roster needs a header line, e.g. folder,student_id,email")
        names = {n.strip().lower(): n for n in reader.fieldnames}
        folder = names.get("folder") or names.get("student") or reader.fieldnames[0]
        ident = names.get("student_id") or names.get("id") or names.get("sis_id")
        email = names.get("email")
        roster = {}
        for row in reader:
            key = (row.get(folder) or "").strip()
            if key:
                roster[key] = {
                    "student_id": (row.get(ident) or "").strip() if ident else "",
                    "email": (row.get(email) or "").strip() if email else "",
                }
    if not roster:
        raise ValueError(f"{path}: the roster has no rows")
    return roster


# ----------------------------------------------------------------------------- the class


def load_sources(source: Path) -> dict[str, nbformat.NotebookNode]:
    """Read the instructor notebooks under ``source`` that have grade cells, by file name.

    Raises
    ------
    ValueError
        If two graded notebooks share a file name.

    """
    found: dict[str, nbformat.NotebookNode] = {}
    for path in sorted(Path(source).rglob("*.ipynb")):
        if SKIP_PARTS.intersection(path.parts):
            continue
        nb = nbformat.read(path, as_version=4)
        if any(_nbgrader(cell).get("grade") for cell in nb.cells):
            if path.name in found:
                raise ValueError(f"two graded notebooks are called {path.name}")
            found[path.name] = nb
    return found


def matplotlib_cache(folder: Path) -> None:
    """Build Matplotlib's font cache in ``folder`` once, for every worker to copy."""
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env={**os.environ, "MPLCONFIGDIR": str(folder)},
        cwd=folder,
        check=False,
        timeout=600,
        capture_output=True,
    )
    os.chmod(folder, 0o755)  # readable by the sandbox's user
    for p in folder.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


def _grade_task(args: tuple) -> Any:
    """Grade one student's notebooks in turn (or run the references), sharing workers."""
    kind, folder, named_json, settings = args
    pool: dict = {}
    out = {}
    try:
        for name, nb_json in named_json:
            nb = nbformat.reads(nb_json, as_version=4)
            if kind == "reference":
                out[name] = reference_totals(name, nb, settings, pool)
                continue
            student = Path(folder)
            try:
                out[name] = grade_notebook(student.name, student, name, nb, settings, pool=pool)
            except Exception as err:  # noqa: BLE001 - one odd notebook must not stop the class
                for session in pool.values():
                    session.close()
                pool.clear()
                result = NotebookResult(student.name, name)
                reason = f"could not be graded ({type(err).__name__}: {str(err)[:200]})"
                result.problems.append(reason)
                result.results = [
                    QuestionResult(ex, None if ex.kind == "manual" else 0.0, reason)
                    for ex in exercises_of(name, nb)
                ]
                out[name] = result
    finally:
        for session in pool.values():
            session.close()
    return out


def grade_submissions(
    submissions: Path,
    source: Path,
    out_csv: Path,
    feedback_dir: Path | None = None,
    limits: Limits | None = None,
    jobs: int | None = None,
    log: Callable[[str], Any] = print,
    sandbox: bool = True,
    only: str | None = None,
    roster: Path | None = None,
    html: bool = True,
) -> list[NotebookResult]:
    """Grade every ``SUBMISSIONS/<student>/`` folder against the notebooks in ``source``.

    Parameters
    ----------
    submissions : Path
        One folder per student, named after the student.
    source : Path
        The instructor's notebooks (with solutions).
    out_csv : Path
        The CSV written (UTF-8 with BOM): ``student``, ``total``, ``max_total``, one
        column ``<notebook stem>:<grade_id>`` per question, ``to_grade_by_hand`` and
        ``problems``.
    feedback_dir : Path, optional
        Where ``<student>.md`` feedback goes; by default ``feedback/`` beside the CSV.
    limits : Limits, optional
        Time and memory limits.
    jobs : int, optional
        Notebooks graded at once (default: the number of CPUs).
    log : callable, optional
        Progress printer.
    sandbox : bool, optional
        Run submissions in bubblewrap (default). False runs them unconfined.
    only : str, optional
        Regrade only this student (folder name): their row of an existing CSV and their
        feedback are replaced, every other row is kept.
    roster : Path, optional
        A CSV mapping folder names to ``student_id`` and ``email`` (see
        :func:`read_roster`); adds those columns.
    html : bool, optional
        Also write ``<student>.html`` feedback pages.

    Returns
    -------
    list of NotebookResult
        Every graded (student, notebook) pair.

    Raises
    ------
    SandboxUnavailable
        If ``sandbox`` is true and ``bwrap`` is not installed.

    """
    if sandbox and bwrap_path() is None:
        raise SandboxUnavailable(
            "grading needs bubblewrap to isolate submissions: install the package "
            "`bubblewrap` (Debian/Ubuntu: apt-get install bubblewrap), or pass --no-sandbox "
            "to run them unconfined"
        )
    submissions, source = Path(submissions).resolve(), Path(source).resolve()
    out_csv = Path(out_csv).resolve()
    feedback_dir = Path(feedback_dir or out_csv.parent / "feedback").resolve()
    for out in (out_csv, feedback_dir):
        if source in out.parents or submissions in out.parents:
            raise ValueError(f"{out} must not be inside {source} or {submissions}")
    sources = load_sources(source)
    if not sources:
        raise ValueError(f"no notebook under {source} has nbgrader grade cells")
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if only is not None:
        students = [p for p in students if p.name == only]
        if not students:
            raise ValueError(f"no submission folder {only!r} in {submissions}")
    people = read_roster(roster) if roster is not None else {}
    feedback_dir.mkdir(parents=True, exist_ok=True)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or os.cpu_count() or 1)

    mpl = Path(tempfile.mkdtemp(prefix="lossviz-mpl-"))
    try:
        matplotlib_cache(mpl)
        settings = Settings(limits or Limits(), sandbox, mpl)
        named = [(name, nbformat.writes(nb)) for name, nb in sources.items()]
        tasks = [("reference", "", named, settings)]
        tasks += [("grade", str(s), named, settings) for s in students]
        done = _run_tasks(tasks, jobs, len(sources))
        references = done["reference"]
        totals = {name: references[name][0] for name in sources}
        for name in sources:
            for failure in references[name][1]:
                log(f"warning: {failure}")
        graded = {}
        for s in students:
            for name in sources:
                nb_result = done[str(s)][name]
                for q in nb_result.results:
                    if q.per_case:
                        finish_cases(q, totals[name].get(q.question.grade_id, 0))
                graded[s.name, name] = nb_result
    finally:
        shutil.rmtree(mpl, ignore_errors=True)

    everything: list[NotebookResult] = []
    rows = []
    for student_dir in students:
        mine = [graded[student_dir.name, name] for name in sources]
        everything += mine
        scores = {
            r.question.column: ("" if r.score is None else f"{r.score:g}")
            for nb in mine
            for r in nb.results
        }
        total = sum(nb.score for nb in mine)
        who = people.get(student_dir.name, {"student_id": "", "email": ""}) if roster else {}
        rows.append(
            {
                "student": student_dir.name,
                **who,
                "total": f"{total:g}",
                "max_total": f"{sum(nb.max_score for nb in mine):g}",
                **scores,
                "to_grade_by_hand": " ".join(
                    r.question.column for nb in mine for r in nb.results if r.score is None
                ),
                "problems": " | ".join(f"{nb.notebook}: {p}" for nb in mine for p in nb.problems),
            }
        )
        write_feedback(feedback_dir / f"{student_dir.name}.md", student_dir.name, mine)
        if html:
            write_feedback_html(feedback_dir / f"{student_dir.name}.html", student_dir.name, mine)
        log(f"{student_dir.name}: {total:g} points")
    questions = [ex for name, nb in sources.items() for ex in exercises_of(name, nb)]
    fields = [
        "student",
        *(["student_id", "email"] if roster is not None else []),
        "total",
        "max_total",
        *[q.column for q in questions],
        "to_grade_by_hand",
        "problems",
    ]
    if only is not None and out_csv.exists():
        with open(out_csv, newline="", encoding="utf-8-sig") as fh:
            kept = [r for r in csv.DictReader(fh) if r.get("student") != only]
        rows = sorted(kept + rows, key=lambda r: r.get("student", ""))
    with open(out_csv, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return everything


def _run_tasks(tasks: list[tuple], jobs: int, per_task: int) -> dict[str, Any]:
    """Run the tasks, ``jobs`` at a time, reporting progress on stderr."""
    done: dict[str, Any] = {}
    start = time.monotonic()
    total = sum(per_task for t in tasks if t[0] == "grade")

    def progress(task: tuple) -> None:
        if task[0] != "grade":
            return
        n = per_task * sum(1 for key in done if key != "reference")
        elapsed = time.monotonic() - start
        eta = elapsed / n * (total - n) if n else 0.0
        print(
            f"graded {n}/{total} notebooks, {elapsed:.0f} s elapsed, about {eta:.0f} s left",
            file=sys.stderr,
            flush=True,
        )

    def key(task: tuple) -> str:
        return "reference" if task[0] == "reference" else task[1]

    if jobs == 1 or len(tasks) <= 1:
        for task in tasks:
            done[key(task)] = _grade_task(task)
            progress(task)
        return done
    import concurrent.futures
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = {pool.submit(_grade_task, task): task for task in tasks}
        for future in concurrent.futures.as_completed(futures):
            task = futures[future]
            done[key(task)] = future.result()
            progress(task)
    return done


def json_safe(obj: Any) -> Any:  # pragma: no cover - debugging helper
    """Return a JSON view of results, for debugging."""
    return json.loads(json.dumps(obj, default=lambda o: getattr(o, "__dict__", str(o))))
