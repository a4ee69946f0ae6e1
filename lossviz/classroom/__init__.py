"""Classroom tools: hand out the student version of the chapters and grade submissions.

Exercises use nbgrader's cell metadata (see EXERCISES.md). Two commands::

    python -m lossviz.classroom student-version OUTDIR [--source book]
    python -m lossviz.classroom grade SUBMISSIONS --out grades.csv [--source book]

and the class website, built from the student version (:mod:`lossviz.classroom.site`)::

    python -m lossviz.classroom class-site OUTDIR [--root .]

Grading runs each submission in a bubblewrap sandbox (:mod:`lossviz.classroom.sandbox`)
and judges its functions from outside (:mod:`lossviz.classroom.grading`). The student
version needs ``nbgrader`` (an instructor's tool; readers of the book do not need it).
"""

from lossviz.classroom.grading import grade_submissions
from lossviz.classroom.sandbox import Limits, SandboxUnavailable
from lossviz.classroom.student import make_student_version

__all__ = ["Limits", "SandboxUnavailable", "grade_submissions", "make_student_version"]
