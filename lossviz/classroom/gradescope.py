"""A Gradescope autograder for the book's exercises, so that a large class grades there.

``python -m lossviz.classroom gradescope autograder.zip [--source book] [--notebook X.ipynb]``
writes a zip in the layout of Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/):

- ``setup.sh`` installs Python, bubblewrap and the packages grading needs into
  ``/autograder/venv`` (choose an Ubuntu 24.04 base image: lossviz needs Python 3.11+);
- ``run_autograder`` grades ``/autograder/submission`` with the same trusted grader as
  ``grade`` and writes ``/autograder/results/results.json``: the total ``score``, one
  entry in ``tests`` per automatically graded question (``name``, ``number``, ``score``,
  ``max_score``, ``status``, ``output`` listing every case, ``visibility``), and an
  ``output`` naming the questions left to grade by hand (grade those as separate
  Gradescope questions);
- ``source/lossviz`` (the package), ``source/book`` (the instructor notebooks: the zip
  holds the solutions, and Gradescope never shows it to students) and
  ``requirements.txt``.

Inside Gradescope's container bubblewrap may be refused (no user namespaces); the run then
falls back to an unconfined worker inside that per-submission container, and says so in
the instructor-only stdout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lossviz.classroom import grading
from lossviz.classroom.sandbox import PACKAGE, Limits, bwrap_path

#: Packages the autograder installs (pinned from the repository's requirements.txt).
NEEDED = (
    "numpy",
    "scipy",
    "matplotlib",
    "ipython",
    "ipywidgets",
    "nbformat",
    "nbconvert",
    "traitlets",
    "pyyaml",
)

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q -r /autograder/source/requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${LOSSVIZ_PYTHON:-$ROOT/venv/bin/python}"
mkdir -p "$ROOT/results"
cd "$ROOT/source"
PYTHONPATH="$ROOT/source" "$PY" -m lossviz.classroom gradescope-run \\
  --source "$ROOT/source/book" --submission "$ROOT/submission" \\
  --results "$ROOT/results/results.json"
"""


def _requirements() -> str:
    pins = {}
    req = PACKAGE.parent / "requirements.txt"
    if req.exists():
        for line in req.read_text(encoding="utf-8").splitlines():
            name = line.split("==")[0].strip().lower()
            if "==" in line and name in NEEDED:
                pins[name] = line.strip()
    return "\n".join(pins.get(name, name) for name in NEEDED) + "\n"


def build_autograder(source: Path, out_zip: Path, notebooks: list[str] | None = None) -> Path:
    """Write the Gradescope autograder zip for the graded notebooks of ``source``.

    Parameters
    ----------
    source : Path
        The instructor's notebooks.
    out_zip : Path
        The zip to write.
    notebooks : list of str, optional
        Only these notebooks (file names), e.g. one chapter per Gradescope assignment.

    Returns
    -------
    Path
        ``out_zip``.

    Raises
    ------
    ValueError
        If no graded notebook is selected.

    """
    sources = grading.load_sources(Path(source))
    if notebooks:
        unknown = sorted(set(notebooks) - set(sources))
        if unknown:
            raise ValueError(f"not graded notebooks of {source}: {', '.join(unknown)}")
        sources = {k: v for k, v in sources.items() if k in notebooks}
    if not sources:
        raise ValueError(f"no notebook under {source} has nbgrader grade cells")
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            zf.writestr(info, text)
        zf.writestr("requirements.txt", _requirements())
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                zf.write(path, "lossviz/" + str(path.relative_to(PACKAGE)))
        for name in sources:
            found = next(p for p in Path(source).rglob(name) if p.is_file())
            zf.write(found, f"book/{name}")
    return out_zip


def _bwrap_works() -> bool:
    if bwrap_path() is None:
        return False
    try:
        done = subprocess.run(
            [bwrap_path(), "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "true"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_gradescope(source: Path, submission: Path, results: Path) -> dict:
    """Grade one Gradescope submission folder and write ``results.json``.

    Returns
    -------
    dict
        The results, as written.

    """
    start = time.monotonic()
    sources = grading.load_sources(Path(source))
    sandbox = _bwrap_works()
    if not sandbox:
        print(
            "note: bubblewrap cannot run in this container; the submission runs unconfined "
            "inside Gradescope's own per-submission container"
        )
    mpl = Path(tempfile.mkdtemp(prefix="lossviz-mpl-"))
    tests, by_hand, problems = [], [], []
    try:
        grading.matplotlib_cache(mpl)
        settings = grading.Settings(Limits(), sandbox, mpl)
        number = 0
        for name, nb in sources.items():
            totals, failures = grading.reference_totals(name, nb, settings)
            for failure in failures:
                print("warning:", failure)
            result = grading.grade_notebook("submission", Path(submission), name, nb, settings)
            problems += [f"{name}: {p}" for p in result.problems]
            notes = [f"{name}: {n}" for n in result.notes]
            for q in result.results:
                if q.per_case:
                    grading.finish_cases(q, totals.get(q.question.grade_id, 0))
                if q.score is None:
                    by_hand.append(f"{Path(name).stem}: {q.question.grade_id}")
                    continue
                number += 1
                lines = [q.message]
                lines += [f"{'✔' if ok else '✘'} {m}" for ok, m in q.cases]
                lines += notes
                tests.append(
                    {
                        "name": f"{Path(name).stem}: {q.question.grade_id}",
                        "number": str(number),
                        "score": q.score,
                        "max_score": q.question.points,
                        "status": "passed" if q.score >= q.question.points else "failed",
                        "output": "\n".join(lines)[:20_000],
                        "visibility": "visible",
                    }
                )
    finally:
        shutil.rmtree(mpl, ignore_errors=True)
    output = []
    if problems:
        output.append("Problems: " + "; ".join(problems))
    if by_hand:
        output.append("To be graded by hand: " + ", ".join(by_hand))
    payload = {
        "score": round(sum(t["score"] for t in tests), 2),
        "execution_time": round(time.monotonic() - start),
        "output": "\n".join(output),
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    results = Path(results)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    return payload


def main_run(argv: list[str]) -> int:
    """``gradescope-run``: the entry point run_autograder calls."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lossviz.classroom gradescope-run")
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    args = parser.parse_args(argv)
    payload = run_gradescope(args.source, args.submission, args.results)
    print(f"score {payload['score']} over {len(payload['tests'])} tests", file=sys.stderr)
    return 0
