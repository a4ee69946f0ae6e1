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
    from lossviz.classroom.sandbox import SandboxUnavailable

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
        help="folder for <student>.md and .html feedback (default: feedback/ beside the CSV)",
    )
    gr.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (60)")
    gr.add_argument("--timeout", type=int, default=600, help="seconds per notebook (600)")
    gr.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="students graded at once (default: the number of CPUs)",
    )
    gr.add_argument("--memory-mb", type=int, default=2048, help="memory per notebook (2048)")
    gr.add_argument(
        "--call-timeout", type=float, default=20, help="seconds per call of a student function (20)"
    )
    gr.add_argument("--only", default=None, help="regrade one student (folder name)")
    gr.add_argument("--roster", type=Path, default=None, help="CSV: folder name, student_id, email")
    gr.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run submissions without bubblewrap (UNSAFE: only for code you trust)",
    )

    cs = sub.add_parser("class-site", help="build the website without solutions")
    cs.add_argument("outdir", type=Path, help="folder for the HTML site")
    cs.add_argument("--root", type=Path, default=Path("."), help="the book project (default: .)")

    gs = sub.add_parser("gradescope", help="write a Gradescope autograder zip")
    gs.add_argument("zip", type=Path, help="the zip to write, e.g. autograder.zip")
    gs.add_argument(
        "--source", type=Path, default=Path("book"), help="instructor notebooks (default: book)"
    )
    gs.add_argument(
        "--notebook",
        action="append",
        default=None,
        help="only this notebook (repeatable; default: every graded notebook)",
    )

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gradescope-run"]:  # called by the zip's run_autograder
        from lossviz.classroom.gradescope import main_run

        return main_run(argv[1:])
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
        elif args.command == "gradescope":
            from lossviz.classroom.gradescope import build_autograder

            build_autograder(args.source, args.zip, args.notebook)
            print(f"wrote {args.zip}: upload it as the assignment's autograder on Gradescope")
        else:
            from lossviz.classroom.grading import grade_submissions
            from lossviz.classroom.sandbox import NO_SANDBOX_WARNING, Limits

            if args.no_sandbox:
                print(f"warning: {NO_SANDBOX_WARNING}", file=sys.stderr)
            limits = Limits(
                cell_timeout=args.cell_timeout,
                total_timeout=args.timeout,
                memory_mb=args.memory_mb,
                call_timeout=args.call_timeout,
            )
            results = grade_submissions(
                args.submissions,
                args.source,
                args.out,
                args.feedback,
                limits,
                args.jobs,
                sandbox=not args.no_sandbox,
                only=args.only,
                roster=args.roster,
            )
            students = len({r.student for r in results})
            print(f"graded {students} student(s); scores in {args.out}")
    except ModuleNotFoundError as err:
        if err.name != "nbgrader":
            raise
        print("error: the classroom commands need nbgrader: pip install nbgrader", file=sys.stderr)
        return 2
    except SandboxUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
