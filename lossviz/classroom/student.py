"""Build the student version of the chapter notebooks with nbgrader's preprocessors.

The pipeline is nbgrader's ``GenerateAssignment`` converter without its gradebook
database and header/footer steps: lock the check cells, replace each
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region with
``raise NotImplementedError()``, clear outputs, drop ``### BEGIN HIDDEN TESTS``
regions, validate the nbgrader metadata and record checksums. Two steps are ours:
cells tagged ``instructor-only`` (asserts of solution numbers, solution figures)
are dropped first, and a Markdown ``{solution}`` directive (the worked answer to a
conceptual question, shown as a dropdown on the website) is removed. Finally every
student notebook is searched for solution text, and the build fails if any is left.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor

SKIP_PARTS = {"_build", ".ipynb_checkpoints", "__pycache__", ".git"}

#: Text that must never appear in a student notebook.
LEAK_MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "{solution}",
)

_DIRECTIVE = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{solution\}.*?^(?P=fence)[ \t]*$\n?",
    flags=re.MULTILINE | re.DOTALL,
)
SOLUTION_REMOVED = "*(The worked solution is in the instructor's version.)*"

#: Cell tag for cells only the instructor's version keeps (see EXERCISES.md).
INSTRUCTOR_ONLY = "instructor-only"


class RemoveInstructorOnly(Preprocessor):
    """Drop every cell tagged ``instructor-only``."""

    def preprocess(self, nb, resources):  # noqa: D102 - nbconvert API
        nb.cells = [
            cell for cell in nb.cells if INSTRUCTOR_ONLY not in cell.metadata.get("tags", [])
        ]
        return nb, resources


class ClearSolutionDirectives(Preprocessor):
    """Remove ``{solution}`` directive blocks from Markdown cells."""

    def preprocess_cell(self, cell, resources, index):  # noqa: D102 - nbconvert API
        if cell.cell_type == "markdown" and "{solution}" in cell.source:
            cell.source = _DIRECTIVE.sub(SOLUTION_REMOVED + "\n", cell.source).rstrip()
        return cell, resources


def _preprocessors() -> list[Preprocessor]:
    # Imported here: nbgrader is an instructor's tool, not needed to read the book.
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    # The order of nbgrader's GenerateAssignment converter, less SaveCells (database)
    # and IncludeHeaderFooter/InstantiateTests (unused here).
    return [
        RemoveInstructorOnly(),
        LockCells(),
        ClearSolutions(),
        ClearOutput(),
        CheckCellMetadata(),
        ComputeChecksums(),
        ClearHiddenTests(),
        ClearMarkScheme(),
        ComputeChecksums(),
        CheckCellMetadata(),
        ClearSolutionDirectives(),
    ]


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the student version of one instructor notebook (``nb`` is changed too).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An instructor notebook in nbgrader format.

    Returns
    -------
    nbformat.NotebookNode
        The notebook with solutions, hidden tests, instructor-only cells and outputs
        removed.

    Raises
    ------
    ValueError
        If solution text would survive (a solution region outside a solution cell).

    """
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    resources = {"language": language, "nbgrader": {}}
    for pre in _preprocessors():
        try:
            nb, resources = pre.preprocess(nb, resources)
        except RuntimeError as err:  # nbgrader's message for a misplaced solution region
            raise ValueError(str(err)) from None
    return nb


def find_leaks(nb: nbformat.NotebookNode) -> list[str]:
    """List the cells of ``nb`` that still hold solution or hidden-test text."""
    leaks = []
    for index, cell in enumerate(nb.cells):
        for marker in LEAK_MARKERS:
            if marker in cell.source:
                leaks.append(f"cell {index} contains {marker!r}")
        if INSTRUCTOR_ONLY in cell.metadata.get("tags", []):
            leaks.append(f"cell {index} is tagged {INSTRUCTOR_ONLY!r}")
    return leaks


def make_student_version(source: Path, outdir: Path) -> list[Path]:
    """Write the student version of every notebook under ``source`` into ``outdir``.

    Other files (pages, images, data) are copied as they are, so relative links keep
    working. Build folders and checkpoints are skipped.

    Parameters
    ----------
    source : Path
        The instructor's folder, e.g. ``book/``.
    outdir : Path
        Where the student version goes; created if needed; must not be inside
        ``source``.

    Returns
    -------
    list of Path
        The student notebooks written.

    Raises
    ------
    ValueError
        If ``outdir`` lies inside ``source``, or a notebook would leak solution text.

    """
    source = Path(source).resolve()
    outdir = Path(outdir).resolve()
    if outdir == source or source in outdir.parents:
        raise ValueError(f"the output folder {outdir} must not be inside the source {source}")
    written = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or SKIP_PARTS.intersection(rel.parts):
            continue
        target = outdir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".ipynb":
            shutil.copy2(path, target)
            continue
        nb = student_notebook(nbformat.read(path, as_version=4))
        leaks = find_leaks(nb)
        if leaks:
            raise ValueError(f"{rel}: solution text would reach students: " + "; ".join(leaks))
        nbformat.write(nb, target)
        written.append(target)
    return written
