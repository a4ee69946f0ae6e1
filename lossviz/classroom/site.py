"""Build the class website: the book made from the student version, with no solution in it.

The public website folds every reference solution behind a toggle and its download button
serves the instructor's notebooks. For a class, :func:`build_class_site` builds the site
from the student notebooks instead:

1. the project is copied into a temporary folder, with ``book/`` replaced by its student
   version (:func:`lossviz.classroom.student.make_student_version`: solution code
   replaced by ``raise NotImplementedError()``, ``{solution}`` dropdowns and cells tagged
   ``instructor-only`` removed), so the pages and the download button's notebooks are
   the student notebooks;
2. ``_config.yml`` gets an overlay: sphinx-exercise's ``hide_solutions`` (drops any
   ``{solution}`` directive left in a page, e.g. a Markdown page), and no repository,
   edit, issue, Binder or Colab button, since those lead to the instructor's repository;
3. the student notebooks' unanswered exercises raise when the build runs them: for the
   build, their answer and check cells are tagged ``raises-exception`` (this cell may
   fail; every other cell still fails the build) and ``remove-output`` (no red error
   box on the page);
4. ``jupyter-book build`` runs there; the download button's notebooks are replaced by
   the untagged student version (exactly what ``student-version`` hands out), the HTML
   is searched once more for solution markers, and the site is copied to the output
   folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat
import yaml

from lossviz.classroom.student import LEAK_MARKERS, find_leaks, make_student_version

#: Top-level entries of the project not copied into the build folder.
NOT_COPIED = {
    ".git",
    ".ci",
    "_build",
    "book",
    "lossviz",
    "tests",
    "benchmarks",
    "release",
    "submissions",
    "feedback",
    "class-site",
    ".venv",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "__pycache__",
}

#: Tags given to the answer and check cells of the student notebooks for the build.
BUILD_TAGS = ("raises-exception", "remove-output")


def class_site_config(config: dict) -> dict:
    """Return ``config`` (a parsed ``_config.yml``) with the class website's overlay.

    Parameters
    ----------
    config : dict
        The book's Jupyter Book configuration.

    Returns
    -------
    dict
        A copy with ``hide_solutions`` on and the buttons that lead to the instructor's
        repository (repository, edit, issues, Binder, Colab, JupyterHub) off.

    """
    config = yaml.safe_load(yaml.safe_dump(config))  # a deep copy
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("config", {})["hide_solutions"] = True
    html = config.setdefault("html", {})
    html.update(
        use_repository_button=False,
        use_edit_page_button=False,
        use_issues_button=False,
        use_download_button=True,
    )
    config["launch_buttons"] = {
        "notebook_interface": config.get("launch_buttons", {}).get("notebook_interface", "classic"),
        "binderhub_url": "",
        "colab_url": "",
        "jupyterhub_url": "",
        "thebe": False,
    }
    return config


def tag_for_build(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Tag the nbgrader code cells of a student notebook so that the build may run them.

    Unanswered, an answer cell or the check after it raises; ``raises-exception`` lets
    that one cell fail and ``remove-output`` keeps the error off the page. Other cells
    are untouched, so an error anywhere else still fails the build.
    """
    for cell in nb.cells:
        if cell.cell_type == "code" and "nbgrader" in cell.metadata:
            tags = cell.metadata.setdefault("tags", [])
            tags.extend(t for t in BUILD_TAGS if t not in tags)
    return nb


def _html_leaks(html: Path) -> list[str]:
    found = []
    for path in sorted(html.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".txt", ".js", ".md"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(html)}: {m!r}" for m in LEAK_MARKERS if m in text]
    return found


def _failure(output: str) -> str:
    """Return the part of a failed build's output that names the cause (the failing cell)."""
    lines = output.splitlines()
    notebook = [ln.strip() for ln in lines if "ExecutionError:" in ln and ".ipynb" in ln][:1]
    for marker in ("An error occurred while executing the following cell", "Exception occurred"):
        starts = [i for i, line in enumerate(lines) if marker in line]
        if starts:
            return "\n".join(notebook + lines[starts[0] : starts[0] + 40])
    return "\n".join(notebook + lines[-40:])


def build_class_site(
    outdir: Path,
    root: Path = Path("."),
    *,
    chapters: list[str] | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """Build the class website (the book without any solution) into ``outdir``.

    Parameters
    ----------
    outdir : Path
        Folder for the HTML site; created, or updated if it exists. Must not lie inside
        ``root/book``.
    root : Path, optional
        The book project (the folder with ``_config.yml``, ``_toc.yml`` and ``book/``).
    chapters : list of str, optional
        Build only these table-of-contents entries (e.g. ``["book/01_what_is_a_loss"]``)
        besides the root page; by default, the whole book.
    log : callable, optional
        Receives progress lines.

    Returns
    -------
    Path
        ``outdir``.

    Raises
    ------
    FileNotFoundError
        If ``root`` has no ``_config.yml`` or ``book/``.
    ValueError
        If ``outdir`` lies inside ``root/book``, or solution text would reach the site.
    RuntimeError
        If ``jupyter-book build`` fails (its last output lines are in the message).

    """
    root = Path(root).resolve()
    outdir = Path(outdir).resolve()
    for needed in ("_config.yml", "_toc.yml", "book"):
        if not (root / needed).exists():
            raise FileNotFoundError(f"root: {root} has no {needed}; expected the book project")
    if outdir == root / "book" or (root / "book") in outdir.parents:
        raise ValueError(f"outdir: {outdir} lies inside {root / 'book'}; choose another folder")

    with tempfile.TemporaryDirectory(prefix="lossviz-class-site-") as tmp:
        work = Path(tmp) / "site"
        work.mkdir()
        for entry in root.iterdir():
            if entry.name in NOT_COPIED or entry.name.endswith(".egg-info") or entry == outdir:
                continue
            if entry.is_dir():
                shutil.copytree(entry, work / entry.name, ignore=shutil.ignore_patterns("_build"))
            else:
                shutil.copy2(entry, work / entry.name)
        release = Path(tmp) / "release"
        written = make_student_version(root / "book", release)
        shutil.copytree(release, work / "book")
        for path in written:
            built = work / "book" / path.relative_to(release)
            nbformat.write(tag_for_build(nbformat.read(built, as_version=4)), built)
        log(f"student version: {len(written)} notebook(s)")

        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
        (work / "_config.yml").write_text(
            "# The class website: _config.yml with lossviz.classroom.site's overlay.\n"
            + yaml.safe_dump(class_site_config(config), sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
        if chapters is not None:
            toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
            toc.pop("parts", None)
            toc["chapters"] = [{"file": c} for c in chapters]
            (work / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")

        # The kernels import this lossviz, not whatever copy pip may have installed.
        env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p
        )
        log("building the site (every notebook runs; this takes minutes)")
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "from jupyter_book.cli.main import main; main()",
                "build",
                str(work),
                "--keep-going",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=work,
        )
        html = work / "_build" / "html"
        if proc.returncode != 0 or not (html / "index.html").is_file():
            raise RuntimeError(
                "jupyter-book build of the class site failed:\n"
                + _failure(proc.stdout + proc.stderr)
            )
        # The download button serves the student version exactly as handed out.
        for path in written:
            served = html / "_sources" / "book" / path.relative_to(release)
            if served.is_file():
                shutil.copy2(path, served)
        for notebook in sorted((html / "_sources").rglob("*.ipynb")):
            leaks = find_leaks(nbformat.read(notebook, as_version=4))
            if leaks:
                raise ValueError(f"{notebook.name} would reach the site with " + "; ".join(leaks))
        leaks = _html_leaks(html)
        if leaks:
            raise ValueError("solution text in the class site: " + "; ".join(leaks[:10]))
        # Sphinx's warnings ("WARNING: ..."), not the kernels' "[IPKernelApp] WARNING |".
        for line in (proc.stdout + proc.stderr).splitlines():
            if re.search(r"\b(WARNING|ERROR):", line):
                log(line)
        shutil.copytree(html, outdir, dirs_exist_ok=True)
    log(f"class site written to {outdir} (open {outdir / 'index.html'})")
    return outdir
