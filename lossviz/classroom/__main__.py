"""Command line: ``python -m lossviz.classroom {student-version,grade} ...``.

Examples
--------
Build the student version of every chapter into ``release/``::

    python -m lossviz.classroom student-version release --source book

Grade ``submissions/<student>/<notebook>.ipynb`` into a CSV and feedback files::

    python -m lossviz.classroom grade submissions --source book --out grades.csv

Build the class website (the book from the student version, no solutions) into
``class-site/``::

    python -m lossviz.classroom class-site class-site

"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the command and return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m lossviz.classroom",
        description="Hand out and grade the textbook's exercises (nbgrader format).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sv = sub.add_parser("student-version", help="write the student version of every notebook")
    sv.add_argument("outdir", type=Path, help="folder for the student notebooks")
    sv.add_argument(
        "--source", type=Path, default=Path("book"), help="instructor notebooks (default: book)"
    )

    gr = sub.add_parser("grade", help="grade SUBMISSIONS/<student>/<notebook>.ipynb")
    gr.add_argument("submissions", type=Path)
    gr.add_argument(
        "--source",
        type=Path,
        default=Path("book"),
        help="instructor notebooks with solutions (default: book)",
    )
    gr.add_argument("--out", type=Path, default=Path("grades.csv"), help="CSV to write")
    gr.add_argument(
        "--feedback",
        type=Path,
        default=None,
        help="folder for <student>.md feedback (default: feedback/ beside the CSV)",
    )
    gr.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (60)")
    gr.add_argument("--timeout", type=int, default=600, help="seconds per notebook (600)")
    gr.add_argument("--jobs", type=int, default=None, help="notebooks graded at once (CPUs)")
    gr.add_argument("--memory-mb", type=int, default=2048, help="memory per notebook (2048)")

    cs = sub.add_parser("class-site", help="build the website without solutions")
    cs.add_argument("outdir", type=Path, help="folder for the HTML site")
    cs.add_argument("--root", type=Path, default=Path("."), help="the book project (default: .)")

    args = parser.parse_args(argv)
    if args.command == "class-site":
        from lossviz.classroom.site import build_class_site

        try:
            build_class_site(args.outdir, args.root)
        except ModuleNotFoundError as err:
            if err.name != "nbgrader":
                raise
            print("error: the class site needs nbgrader: pip install nbgrader", file=sys.stderr)
            return 2
        except (ValueError, FileNotFoundError, RuntimeError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        return 0
    try:
        if args.command == "student-version":
            from lossviz.classroom.student import make_student_version

            written = make_student_version(args.source, args.outdir)
            print(f"wrote {len(written)} student notebook(s) to {args.outdir}")
        else:
            from lossviz.classroom.grading import Limits, grade_submissions

            limits = Limits(
                cell_timeout=args.cell_timeout, total_timeout=args.timeout, memory_mb=args.memory_mb
            )
            results = grade_submissions(
                args.submissions, args.source, args.out, args.feedback, limits, args.jobs
            )
            students = len({r.student for r in results})
            print(f"graded {students} student(s); scores in {args.out}")
    except ModuleNotFoundError as err:
        if err.name != "nbgrader":
            raise
        print("error: the classroom commands need nbgrader: pip install nbgrader", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
