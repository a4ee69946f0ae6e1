"""The chapter 1 checkers accept correct answers and reject typical wrong ones with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz.checks import ch1
from lossviz.checks.ch1 import ExerciseFailed


def test_exercise_failed_is_an_assertion_error():
    assert issubclass(ExerciseFailed, AssertionError)


# --------------------------------------------------------------------- empirical_risk
def good_risk(w, b, x, y):
    return np.mean((w * x + b - y) ** 2)


def test_empirical_risk_accepts_a_correct_answer(capsys):
    ch1.empirical_risk(good_risk)
    assert "correct" in capsys.readouterr().out


def test_empirical_risk_accepts_a_plain_python_float(capsys):
    ch1.empirical_risk(
        lambda w, b, x, y: float(
            sum((w * xi + b - yi) ** 2 for xi, yi in zip(x, y, strict=True)) / len(x)
        )
    )
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda w, b, x, y: np.sum((w * x + b - y) ** 2), "sum of the squared residuals"),
        (lambda w, b, x, y: 0.5 * np.mean((w * x + b - y) ** 2), "factor 1/2"),
        (lambda w, b, x, y: np.sqrt(np.mean((w * x + b - y) ** 2)), "square root"),
        (lambda w, b, x, y: np.mean(np.abs(w * x + b - y)), "mean absolute residual"),
        (lambda w, b, x, y: np.mean(w * x + b - y), "cancel"),
        (lambda w, b, x, y: np.mean(w * x + b - y) ** 2, "squares the mean residual"),
        (lambda w, b, x, y: np.mean((b * x + w - y) ** 2), "swapped"),
        (lambda w, b, x, y: (w * x + b - y) ** 2, "expected a single number"),
        (lambda w, b, x, y: None, "return"),
    ],
)
def test_empirical_risk_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch1.empirical_risk(wrong)


def test_unfinished_exercise_says_so():
    def unfinished(w, b, x, y):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="NotImplementedError"):
        ch1.empirical_risk(unfinished)


def test_error_in_student_code_reaches_them_with_a_note_naming_the_call():
    def broken(w, b, x, y):
        return w * x + b - z  # noqa: F821 - the student's typo

    with pytest.raises(NameError) as info:
        ch1.empirical_risk(broken)
    assert any("came from your function" in note for note in info.value.__notes__)


def test_checkers_are_reachable_as_checks_ch1():
    from lossviz import checks

    assert checks.ch1.empirical_risk is ch1.empirical_risk


# --------------------------------------------------------------------- mae
def good_mae(input, target):
    return np.mean(np.abs(np.asarray(input) - np.asarray(target)))


def test_mae_accepts_a_correct_answer(capsys):
    ch1.mae(good_mae)
    assert "correct" in capsys.readouterr().out


def test_mae_accepts_the_library_loss(capsys):
    from lossviz.losses import l1

    ch1.mae(l1)
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda i, t: np.sum(np.abs(i - t)), "sum of the absolute errors"),
        (lambda i, t: np.mean((i - t) ** 2), "mean squared error"),
        (lambda i, t: np.mean(i - t), "absolute value"),
        (lambda i, t: abs(np.mean(i - t)), "absolute value"),
        (lambda i, t: np.abs(i - t), "expected a single number"),
    ],
)
def test_mae_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch1.mae(wrong)


def test_mae_that_fails_on_lists_is_told_to_use_asarray():
    def array_only(input, target):
        if isinstance(input, list):
            return 0.0
        return np.mean(np.abs(input - target))

    with pytest.raises(ExerciseFailed, match="np.asarray"):
        ch1.mae(array_only)


# --------------------------------------------------------------------- objective
def good_objective(w, b, x, y, lam):
    return np.mean((w * x + b - y) ** 2) + lam * w**2


def test_objective_accepts_a_correct_answer(capsys):
    ch1.objective(good_objective)
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda w, b, x, y, lam: np.mean((w * x + b - y) ** 2), "risk alone"),
        (lambda w, b, x, y, lam: lam * w**2, "penalty alone"),
        (
            lambda w, b, x, y, lam: np.mean((w * x + b - y) ** 2) + lam * (w**2 + b**2),
            "intercept b is penalised",
        ),
        (lambda w, b, x, y, lam: np.mean((w * x + b - y) ** 2) + lam * abs(w), r"\|w\|"),
        (lambda w, b, x, y, lam: np.mean((w * x + b - y) ** 2) + w**2, "lam is missing"),
        (lambda w, b, x, y, lam: np.sum((w * x + b - y) ** 2) + lam * w**2, "is a sum"),
        (
            lambda w, b, x, y, lam: np.mean((w * x + b - y) ** 2 + lam * w**2 / len(x)),
            "divided by the number of samples",
        ),
    ],
)
def test_objective_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch1.objective(wrong)
