"""Seconds per notebook and per student of ``python -m lossviz.classroom grade``.

Makes a class of ``--students`` submissions (copies of the instructor's chapters, i.e.
complete answers, the slowest case) and grades it with ``--jobs 1`` and ``--jobs 2``
(sandbox on), printing wall time, seconds per student and the mean seconds per notebook.

    python benchmarks/bench_grading.py [--students 4] [--source book]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lossviz.classroom import grading
from lossviz.classroom.sandbox import Limits


def main() -> int:
    """Run the benchmark and print one line per --jobs value."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--source", type=Path, default=Path("book"))
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    chapters = sorted(
        p for p in args.source.glob("*.ipynb") if p.name in grading.load_sources(args.source)
    )
    root = Path(tempfile.mkdtemp(prefix="lossviz-bench-"))
    try:
        subs = root / "submissions"
        for i in range(args.students):
            folder = subs / f"student{i:02d}"
            folder.mkdir(parents=True)
            for nb in chapters:
                shutil.copy(nb, folder / nb.name)
        print(f"{args.students} students x {len(chapters)} chapters, sandbox on", flush=True)
        for jobs in args.jobs:
            start = time.monotonic()
            results = grading.grade_submissions(
                subs,
                args.source,
                root / f"out{jobs}" / "grades.csv",
                limits=Limits(),
                jobs=jobs,
                log=lambda *_: None,
            )
            wall = time.monotonic() - start
            per_nb = statistics.mean(r.seconds for r in results)
            per_student = statistics.mean(
                sum(r.seconds for r in results if r.student == s)
                for s in {r.student for r in results}
            )
            print(
                f"--jobs {jobs}: {wall:.1f} s in all (start-up and the reference run included), "
                f"{wall / args.students:.1f} s of wall time per student, "
                f"{per_student:.1f} s of grading per student, "
                f"{per_nb:.2f} s per notebook",
                flush=True,
            )
            for name in sorted({r.notebook for r in results}):
                mine = [r.seconds for r in results if r.notebook == name]
                print(f"    {name}: {statistics.mean(mine):.2f} s", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
