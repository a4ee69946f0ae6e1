"""Grade a folder of submitted notebooks into a CSV and per-student feedback.

Layout: ``SUBMISSIONS/<student>/<notebook>.ipynb``, matched by file name against
the instructor's notebooks (``book/`` by default); only notebooks with nbgrader
grade cells are graded.

For each student and notebook:

1. the submission is read (invalid notebook JSON scores zero with a message);
2. every locked or grade cell is restored from the instructor's notebook by its
   ``grade_id`` (this brings back hidden tests and undoes edits to the checks),
   and outputs are cleared;
3. a copy of the student's folder is made in a fresh temporary folder, and a
   separate process (:mod:`lossviz.classroom._worker`) executes the notebook there
   with nbclient, in a kernel (:mod:`lossviz.classroom._kernel`) with the temporary
   folder as working directory, an address-space, CPU-time and file-size limit,
   and an audit hook refusing reads of the instructor's and other students'
   files and writes outside the copy; each cell has a time limit and the whole
   run a hard one, after which the processes are killed;
4. each grade cell is scored with nbgrader's own rule
   (:func:`nbgrader.utils.determine_grade`: an error in the cell gives zero,
   otherwise the cell's points).

We do not use ``nbgrader autograde``: it needs a course directory and a gradebook
database, runs the submission inside that course directory (next to the
solutions), and has no memory limit or file guard; a plain nbclient run per
submission keeps grading offline, database-free and sandboxed, and the scoring
rule stays nbgrader's.

Nothing under the instructor's folder or the submissions is changed: everything
runs in temporary copies, and the results go only to the CSV and feedback folder.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

KERNEL_NAME = "lossviz-grader"


@dataclass(frozen=True)
class Limits:
    """Resource limits for running one submission notebook.

    Attributes
    ----------
    cell_timeout : int
        Seconds one cell may run before it is interrupted.
    total_timeout : int
        Seconds the whole notebook may take before its processes are killed.
    memory_mb : int
        Address-space limit of the kernel, in MiB.
    file_mb : int
        Largest file the kernel may write, in MiB.

    """

    cell_timeout: int = 60
    total_timeout: int = 600
    memory_mb: int = 2048
    file_mb: int = 64


@dataclass
class Question:
    """One grade cell of an instructor notebook."""

    notebook: str
    grade_id: str
    points: float

    @property
    def column(self) -> str:
        """Column name in the CSV."""
        return f"{Path(self.notebook).stem}:{self.grade_id}"


@dataclass
class QuestionResult:
    """Score and feedback for one question of one submission."""

    question: Question
    score: float | None
    message: str


@dataclass
class NotebookResult:
    """Outcome of grading one submitted notebook."""

    student: str
    notebook: str
    results: list[QuestionResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        """Points earned (manually graded questions count zero until graded)."""
        return sum(r.score or 0.0 for r in self.results)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(r.question.points for r in self.results)


# ----------------------------------------------------------------------------- sources


def _nbgrader_utils():
    from nbgrader import utils

    return utils


def load_sources(source: Path) -> dict[str, nbformat.NotebookNode]:
    """Read the instructor notebooks under ``source`` that have grade cells, by file name.

    Raises
    ------
    ValueError
        If two graded notebooks share a file name.

    """
    utils = _nbgrader_utils()
    found: dict[str, nbformat.NotebookNode] = {}
    for path in sorted(Path(source).rglob("*.ipynb")):
        if {"_build", ".ipynb_checkpoints"}.intersection(path.parts):
            continue
        nb = nbformat.read(path, as_version=4)
        if any(utils.is_grade(cell) for cell in nb.cells):
            if path.name in found:
                raise ValueError(f"two graded notebooks are called {path.name}")
            found[path.name] = nb
    return found


def questions_of(name: str, nb: nbformat.NotebookNode) -> list[Question]:
    """List the grade cells of an instructor notebook, in order."""
    utils = _nbgrader_utils()
    return [
        Question(name, cell.metadata.nbgrader.grade_id, float(cell.metadata.nbgrader.points))
        for cell in nb.cells
        if utils.is_grade(cell)
    ]


def prepare(submitted: nbformat.NotebookNode, source: nbformat.NotebookNode):
    """Restore locked and grade cells from ``source`` into ``submitted``; clear outputs.

    Returns
    -------
    notebook : nbformat.NotebookNode
        The notebook to execute.
    missing : list of str
        ``grade_id`` of the grade cells the student deleted.

    """
    utils = _nbgrader_utils()
    reference = {
        cell.metadata.nbgrader.grade_id: cell
        for cell in source.cells
        if "nbgrader" in cell.metadata
        and (utils.is_grade(cell) or utils.is_locked(cell))
        and not utils.is_solution(cell)
    }
    seen = set()
    cells = []
    for cell in submitted.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in reference and grade_id not in seen:
            seen.add(grade_id)
            ref = reference[grade_id]
            cell = nbformat.from_dict(json.loads(json.dumps(ref)))
        elif "nbgrader" in cell.get("metadata", {}):
            # A student cell may not claim points: only the instructor's cells count.
            cell.metadata.nbgrader["grade"] = False
            cell.metadata.nbgrader.pop("points", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    submitted.cells = cells
    submitted.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "lossviz grader",
        "language": "python",
    }
    missing = [gid for gid, ref in reference.items() if utils.is_grade(ref) and gid not in seen]
    return submitted, missing


# ----------------------------------------------------------------------------- running


def _rmtree(path: Path) -> None:
    def onerror(func, p, _exc):  # read-only files a submission left behind
        os.chmod(p, stat.S_IRWXU)
        func(p)

    shutil.rmtree(path, onerror=onerror) if sys.version_info < (3, 12) else shutil.rmtree(
        path, onexc=onerror
    )


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def matplotlib_cache(folder: Path) -> None:
    """Build Matplotlib's font cache in ``folder`` once, for every kernel to copy."""
    env = {**os.environ, "MPLCONFIGDIR": str(folder)}
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env=env,
        cwd=folder,
        check=False,
        timeout=600,
        capture_output=True,
    )


def run_notebook(
    nb: nbformat.NotebookNode,
    student_dir: Path | None,
    forbidden: list[Path],
    limits: Limits,
    mpl_cache: Path | None = None,
) -> tuple[nbformat.NotebookNode | None, dict, list[str]]:
    """Execute ``nb`` in a temporary copy of ``student_dir`` in a separate, limited process.

    ``mpl_cache`` is a Matplotlib config folder with a ready font cache, copied for the
    kernel so that it need not rebuild one (see :func:`matplotlib_cache`).

    Returns
    -------
    executed : nbformat.NotebookNode or None
        The executed notebook, as far as it got; None if nothing came back.
    status : dict
        ``{"status": "ok" | "timeout" | "dead-kernel" | "error" | "killed", "detail": str}``.
    violations : list of str
        Refused reads and writes, one line each.

    """
    base = Path(tempfile.mkdtemp(prefix="lossviz-grade-"))
    work, scratch, private = base / "work", base / "scratch", base / "private"
    try:
        if student_dir is not None:
            shutil.copytree(student_dir, work, symlinks=True)
        else:
            work.mkdir()
        for sub in ("tmp", "runtime", ".ipython"):
            (scratch / sub).mkdir(parents=True)
        if mpl_cache is not None:
            shutil.copytree(mpl_cache, scratch / "mpl")
        else:
            (scratch / "mpl").mkdir()
        kernel_dir = private / "kernels" / KERNEL_NAME
        kernel_dir.mkdir(parents=True)
        config = {
            "memory_mb": limits.memory_mb,
            "cpu_seconds": limits.total_timeout + 5,
            "file_mb": limits.file_mb,
            "forbidden": [str(p) for p in forbidden] + [str(private)],
            "writable": [str(work), str(scratch)],
            "violations_log": str(private / "violations.log"),
            "pid_file": str(private / "kernel.pid"),
        }
        (private / "sandbox.json").write_text(json.dumps(config), encoding="utf-8")
        spec = {
            "argv": [
                sys.executable,
                "-m",
                "lossviz.classroom._kernel",
                "--sandbox",
                str(private / "sandbox.json"),
                "-f",
                "{connection_file}",
                "--HistoryManager.enabled=False",
            ],
            "display_name": "lossviz grader",
            "language": "python",
        }
        (kernel_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        nbformat.write(nb, private / "in.ipynb")

        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "JUPYTER", "IPYTHON"))
        }
        env.update(
            JUPYTER_PATH=str(private),
            JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
            JUPYTER_CONFIG_DIR=str(scratch),
            JUPYTER_PLATFORM_DIRS="1",
            IPYTHONDIR=str(scratch / ".ipython"),
            MPLCONFIGDIR=str(scratch / "mpl"),
            HOME=str(scratch),
            TMPDIR=str(scratch / "tmp"),
            OPENBLAS_NUM_THREADS="1",
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONWARNINGS="ignore::DeprecationWarning",
        )
        cmd = [
            sys.executable,
            "-m",
            "lossviz.classroom._worker",
            str(private / "in.ipynb"),
            str(private / "out.ipynb"),
            str(private / "status.json"),
            "--cwd",
            str(work),
            "--kernel",
            KERNEL_NAME,
            "--cell-timeout",
            str(limits.cell_timeout),
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=scratch,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        killed = False
        try:
            log, _ = proc.communicate(timeout=limits.total_timeout)
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(proc.pid, signal.SIGKILL)
            log, _ = proc.communicate()
        finally:
            pid_file = private / "kernel.pid"
            if pid_file.exists():
                text = pid_file.read_text(encoding="utf-8").strip()
                if text.isdigit():
                    _kill(int(text))

        executed = None
        if (private / "out.ipynb").exists():
            try:
                executed = nbformat.read(private / "out.ipynb", as_version=4)
            except Exception:  # noqa: BLE001 - half-written by a killed worker
                executed = None
        if killed:
            status = {
                "status": "killed",
                "detail": f"the notebook ran longer than {limits.total_timeout} s in total "
                "and was stopped",
            }
        elif (private / "status.json").exists():
            status = json.loads((private / "status.json").read_text(encoding="utf-8"))
        else:
            tail = log.decode("utf-8", "replace").strip().splitlines()[-3:]
            status = {
                "status": "error",
                "detail": "the grading process failed: " + " / ".join(tail),
            }
        violations_path = private / "violations.log"
        violations = []
        if violations_path.exists():
            lines = violations_path.read_text(encoding="utf-8", errors="replace").splitlines()
            violations = list(dict.fromkeys(line for line in lines if line.strip()))
        return executed, status, violations
    finally:
        _rmtree(base)


# ----------------------------------------------------------------------------- scoring


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _output_message(cell) -> str:
    """Summarise a grade cell's outputs for the feedback."""
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            if out.ename == "KeyboardInterrupt":
                return "interrupted: the cell ran past its time limit"
            if out.ename == "MemoryError":
                return "MemoryError: the code ran out of memory (limit reached)"
            value = out.evalue.strip().splitlines()
            text = f"{out.ename}: {value[0] if value else ''}"
            lines = _ANSI.sub("", "\n".join(out.get("traceback", []))).splitlines()
            notes = [line.strip() for line in lines if "came from your function" in line]
            return text + (f" ({notes[-1]})" if notes else "")
    texts = [out.text for out in cell.get("outputs", []) if out.output_type == "stream"]
    text = " ".join(" ".join(texts).split())
    return text[:300] if text else "passed"


def answer_errors(executed: nbformat.NotebookNode | None) -> list[str]:
    """List the errors raised by the student's answer cells, for the feedback.

    A check then fails with ``NameError``; this says why.
    """
    utils = _nbgrader_utils()
    notes = []
    for cell in executed.cells if executed is not None else []:
        if cell.cell_type != "code" or not utils.is_solution(cell) or utils.is_grade(cell):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error" and out.ename != "NotImplementedError":
                value = (out.evalue.strip().splitlines() or [""])[0][:200]
                gid = cell.metadata.nbgrader.get("grade_id", "?")
                notes.append(f"Your answer cell `{gid}` raised {out.ename}: {value}")
    return notes


def score_notebook(
    questions: list[Question],
    executed: nbformat.NotebookNode | None,
    missing: list[str],
) -> list[QuestionResult]:
    """Score each question with nbgrader's rule on the executed notebook."""
    utils = _nbgrader_utils()
    cells = {}
    if executed is not None:
        for cell in executed.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid is not None and utils.is_grade(cell):
                cells.setdefault(gid, cell)
    results = []
    for q in questions:
        if q.grade_id in missing:
            results.append(QuestionResult(q, 0.0, "the check cell was deleted"))
            continue
        cell = cells.get(q.grade_id)
        if cell is None:
            results.append(QuestionResult(q, 0.0, "not run"))
            continue
        if cell.cell_type == "code" and cell.execution_count is None and not cell.outputs:
            results.append(QuestionResult(q, 0.0, "not run: the notebook stopped before it"))
            continue
        score, _ = utils.determine_grade(cell)
        if score is None:
            results.append(QuestionResult(q, None, "to be graded by hand"))
        else:
            results.append(QuestionResult(q, float(score), _output_message(cell)))
    return results


def grade_one(
    student: str,
    student_dir: Path,
    name: str,
    source_nb: nbformat.NotebookNode,
    forbidden: list[Path],
    limits: Limits,
    mpl_cache: Path | None = None,
) -> NotebookResult:
    """Grade one student's copy of one notebook."""
    start = time.monotonic()
    questions = questions_of(name, source_nb)
    result = NotebookResult(student, name)

    def zero(reason: str) -> NotebookResult:
        result.problems.append(reason)
        result.results = [QuestionResult(q, 0.0, reason) for q in questions]
        result.seconds = time.monotonic() - start
        return result

    matches = sorted(p for p in student_dir.rglob(name) if p.is_file())
    if not matches:
        return zero("not submitted")
    path = matches[0]
    try:
        submitted = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception as err:  # noqa: BLE001 - anything unreadable scores zero
        return zero(f"not a valid notebook ({type(err).__name__}: {str(err)[:120]})")
    source_copy = nbformat.from_dict(json.loads(json.dumps(source_nb)))
    try:
        prepared, missing = prepare(submitted, source_copy)
    except Exception as err:  # noqa: BLE001 - malformed cells or metadata
        return zero(f"not a valid notebook ({type(err).__name__}: {str(err)[:120]})")

    executed, status, violations = run_notebook(prepared, path.parent, forbidden, limits, mpl_cache)
    if violations:
        shown = "; ".join(violations[:3]) + (" ..." if len(violations) > 3 else "")
        return zero(f"scored 0: the notebook tried {shown}")
    result.results = score_notebook(questions, executed, missing)
    result.notes = answer_errors(executed)
    if status["status"] != "ok":
        result.problems.append(status["detail"])
    if any("MemoryError" in r.message for r in result.results):
        result.problems.append(f"ran out of memory (limit {limits.memory_mb} MiB)")
    if any(r.message.startswith("interrupted") for r in result.results):
        result.problems.append(
            f"a cell ran longer than {limits.cell_timeout} s and was interrupted"
        )
    result.seconds = time.monotonic() - start
    return result


# ----------------------------------------------------------------------------- reports


def write_feedback(path: Path, student: str, results: list[NotebookResult]) -> None:
    """Write one student's feedback as Markdown."""
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    lines = [f"# Feedback for {student}", "", f"**Total: {total:g} / {most:g} points**", ""]
    for nb in results:
        lines += [f"## {nb.notebook}: {nb.score:g} / {nb.max_score:g}", ""]
        for problem in nb.problems:
            lines.append(f"> **Note:** {problem}")
        for note in nb.notes:
            lines.append(f"> {note}")
        if nb.problems or nb.notes:
            lines.append("")
        for r in nb.results:
            got = "?" if r.score is None else f"{r.score:g}"
            mark = "✔" if r.score == r.question.points else "✘" if r.score is not None else "…"
            lines.append(
                f"- {mark} `{r.question.grade_id}` ({got} / {r.question.points:g}): {r.message}"
            )
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def grade_submissions(
    submissions: Path,
    source: Path,
    out_csv: Path,
    feedback_dir: Path | None = None,
    limits: Limits | None = None,
    jobs: int | None = None,
    log=print,
) -> list[NotebookResult]:
    """Grade every ``SUBMISSIONS/<student>/`` folder against the notebooks in ``source``.

    Parameters
    ----------
    submissions : Path
        One folder per student, named after the student.
    source : Path
        The instructor's notebooks (with solutions and hidden tests).
    out_csv : Path
        The CSV written: one row per student; columns ``student``, ``total``,
        ``max_total``, one column ``<notebook stem>:<grade_id>`` per question,
        and ``problems``.
    feedback_dir : Path, optional
        Where ``<student>.md`` feedback files go; by default ``feedback/`` beside the CSV.
    limits : Limits, optional
        Time and memory limits.
    jobs : int, optional
        Submissions graded at once (default: the number of CPUs).
    log : callable, optional
        Progress printer.

    Returns
    -------
    list of NotebookResult
        Every graded (student, notebook) pair.

    """
    submissions, source = Path(submissions).resolve(), Path(source).resolve()
    out_csv = Path(out_csv).resolve()
    feedback_dir = Path(feedback_dir or out_csv.parent / "feedback").resolve()
    limits = limits or Limits()
    for out in (out_csv, feedback_dir):
        if source in out.parents or submissions in out.parents:
            raise ValueError(f"{out} must not be inside {source} or {submissions}")
    sources = load_sources(source)
    if not sources:
        raise ValueError(f"no notebook under {source} has nbgrader grade cells")
    questions = [q for name, nb in sources.items() for q in questions_of(name, nb)]
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    forbidden = [source, submissions, feedback_dir, out_csv]
    feedback_dir.mkdir(parents=True, exist_ok=True)
    out_csv.parent.mkdir(parents=True, exist_ok=True)

    jobs = max(1, jobs or os.cpu_count() or 1)
    mpl_cache = Path(tempfile.mkdtemp(prefix="lossviz-mpl-"))
    try:
        matplotlib_cache(mpl_cache)
        with ThreadPoolExecutor(max_workers=jobs) as pool:  # each job waits on its own process
            futures = {
                (student_dir.name, name): pool.submit(
                    grade_one,
                    student_dir.name,
                    student_dir,
                    name,
                    nb,
                    forbidden,
                    limits,
                    mpl_cache,
                )
                for student_dir in students
                for name, nb in sources.items()
            }
            graded = {key: future.result() for key, future in futures.items()}
    finally:
        _rmtree(mpl_cache)

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
        rows.append(
            {
                "student": student_dir.name,
                "total": f"{total:g}",
                "max_total": f"{sum(nb.max_score for nb in mine):g}",
                **scores,
                "problems": " | ".join(f"{nb.notebook}: {p}" for nb in mine for p in nb.problems),
            }
        )
        write_feedback(feedback_dir / f"{student_dir.name}.md", student_dir.name, mine)
        log(
            f"{student_dir.name}: {total:g} points"
            + (f" ({rows[-1]['problems']})" if rows[-1]["problems"] else "")
        )
    with open(out_csv, "w", newline="", encoding="utf-8") as fh:
        fields = ["student", "total", "max_total", *[q.column for q in questions], "problems"]
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return everything
