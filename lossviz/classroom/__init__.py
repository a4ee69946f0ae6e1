"""Classroom tools: hand out the student version of the chapters and grade submissions.

Exercises use nbgrader's cell metadata (see EXERCISES.md). Two commands::

    python -m lossviz.classroom student-version OUTDIR [--source book]
    python -m lossviz.classroom grade SUBMISSIONS --out grades.csv [--source book]

and the class website, built from the student version (:mod:`lossviz.classroom.site`)::

    python -m lossviz.classroom class-site OUTDIR [--root .]

Needs ``nbgrader`` (an instructor's tool; readers of the book do not need it).
"""

from lossviz.classroom.grading import Limits, grade_submissions
from lossviz.classroom.student import make_student_version

__all__ = ["Limits", "grade_submissions", "make_student_version"]
