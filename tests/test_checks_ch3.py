"""The chapter 3 checkers accept correct answers and reject typical wrong ones with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import checks, losses
from lossviz.checks import ExerciseFailed, ch3


def test_chapter_3_checkers_are_reexported():
    assert checks.ch3 is ch3
    assert {"huber", "focal", "dice"} <= set(ch3.__all__)


# --------------------------------------------------------------------- huber
def good_huber(input, target, delta=1.0):
    r = np.abs(np.asarray(input, float) - np.asarray(target, float))
    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


def test_huber_accepts_the_reference_answer(capsys):
    ch3.huber(good_huber)
    assert "Huber loss: correct" in capsys.readouterr().out


def test_huber_accepts_lossviz_itself(capsys):
    ch3.huber(lambda input, target, delta=1.0: losses.huber(input, target, delta=delta))
    assert "correct" in capsys.readouterr().out


def _abs_r(input, target):
    return np.abs(np.asarray(input, float) - np.asarray(target, float))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda i, t, delta=1.0: np.mean(0.5 * _abs_r(i, t) ** 2), "quadratic branch is used"),
        (
            lambda i, t, delta=1.0: np.mean(
                np.where(_abs_r(i, t) <= delta, 0.5 * _abs_r(i, t) ** 2, delta * _abs_r(i, t))
            ),
            "missing its offset",
        ),
        (
            lambda i, t, delta=1.0: np.mean(
                np.where(
                    _abs_r(i, t) <= delta, _abs_r(i, t) ** 2, delta * (_abs_r(i, t) - 0.5 * delta)
                )
            ),
            "factor 1/2",
        ),
        (
            lambda i, t, delta=1.0: losses.smooth_l1(i, t, beta=delta),
            "smooth_l1_loss",
        ),
        (
            lambda i, t, delta=1.0: np.mean(
                np.where(
                    np.asarray(i) - np.asarray(t) <= delta,
                    0.5 * _abs_r(i, t) ** 2,
                    delta * (_abs_r(i, t) - 0.5 * delta),
                )
            ),
            "absolute value first",
        ),
        (lambda i, t, delta=1.0: losses.huber(i, t, delta=delta, reduction="sum"), "sum"),
        (
            lambda i, t, delta=1.0: losses.huber(i, t, delta=delta, reduction="none"),
            "single number",
        ),
        (lambda i, t, delta=1.0: None, "returned None"),
        (lambda i, t, delta=2.0: losses.huber(i, t, delta=delta), "default value 1.0"),
    ],
)
def test_huber_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch3.huber(wrong)


def test_huber_says_when_the_exercise_is_unfinished():
    def my_huber(input, target, delta=1.0):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="NotImplementedError"):
        ch3.huber(my_huber)


def test_huber_explains_passing_a_value_instead_of_a_function():
    with pytest.raises(ExerciseFailed, match="without calling it"):
        ch3.huber(2.5)


def test_a_bug_in_the_students_code_reaches_the_student_unchanged():
    def my_huber(input, target, delta=1.0):
        return undefined_name  # noqa: F821 - the student's typo

    with pytest.raises(NameError) as info:
        ch3.huber(my_huber)
    assert any("your function" in note for note in info.value.__notes__)


# --------------------------------------------------------------------- focal
def good_focal(logits, targets, gamma=2.0):
    z, t = np.asarray(logits, float), np.asarray(targets, float)
    ce = t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z)
    p_wrong = t * np.exp(-np.logaddexp(0, z)) + (1 - t) * np.exp(-np.logaddexp(0, -z))
    return float(np.mean(p_wrong**gamma * ce))


def test_focal_accepts_the_reference_answer(capsys):
    ch3.focal(good_focal)
    assert "Focal loss: correct" in capsys.readouterr().out


def test_focal_accepts_lossviz_without_alpha(capsys):
    ch3.focal(lambda z, t, gamma=2.0: losses.sigmoid_focal(z, t, alpha=-1.0, gamma=gamma))
    assert "correct" in capsys.readouterr().out


def _sig(z):
    return 1 / (1 + np.exp(-np.clip(np.asarray(z, float), -500, 500)))


def _ce(z, t):
    z, t = np.asarray(z, float), np.asarray(t, float)
    return t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z)


def _pt(z, t):
    t = np.asarray(t, float)
    return t * _sig(z) + (1 - t) * (1 - _sig(z))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda z, t, gamma=2.0: np.mean(_ce(z, t)), "plain binary cross-entropy"),
        (lambda z, t, gamma=2.0: np.mean((1 - _sig(z)) ** gamma * _ce(z, t)), "wrong\\* class"),
        (lambda z, t, gamma=2.0: np.mean(_pt(z, t) ** gamma * _ce(z, t)), "up-weights"),
        (lambda z, t, gamma=2.0: np.mean((1 - _pt(z, t)) ** gamma), "log term is missing"),
        (lambda z, t, gamma=2.0: losses.sigmoid_focal(z, t, gamma=gamma), "alpha"),
        (
            lambda z, t, gamma=2.0: losses.sigmoid_focal(
                z, t, alpha=-1.0, gamma=gamma, reduction="sum"
            ),
            "sum",
        ),
        (
            lambda z, t, gamma=1.0: losses.sigmoid_focal(z, t, alpha=-1.0, gamma=gamma),
            "default value 2.0",
        ),
    ],
)
def test_focal_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch3.focal(wrong)


def test_focal_rejects_an_implementation_that_overflows():
    def naive(logits, targets, gamma=2.0):
        z, t = np.asarray(logits, float), np.asarray(targets, float)
        p = 1 / (1 + np.exp(-z))
        p_t = t * p + (1 - t) * (1 - p)
        return float(np.mean(-((1 - p_t) ** gamma) * np.log(p_t)))

    with pytest.raises(ExerciseFailed, match="must not warn|logaddexp"):
        ch3.focal(naive)


# --------------------------------------------------------------------- dice
def good_dice(probs, mask, smooth=1.0):
    p, y = np.asarray(probs, float), np.asarray(mask, float)
    return float(1 - (2 * np.sum(p * y) + smooth) / (np.sum(p) + np.sum(y) + smooth))


def test_dice_accepts_the_reference_answer(capsys):
    ch3.dice(good_dice)
    assert "Soft Dice loss: correct" in capsys.readouterr().out


def _sums(p, y):
    p, y = np.asarray(p, float), np.asarray(y, float)
    return np.sum(p * y), np.sum(p), np.sum(y)


def _per_row(p, y, smooth=1.0):
    p, y = np.atleast_2d(np.asarray(p, float)), np.atleast_2d(np.asarray(y, float))
    return float(np.mean([good_dice(a, b, smooth) for a, b in zip(p, y, strict=True)]))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda p, y, smooth=1.0: 1 - good_dice(p, y, smooth), "Dice coefficient"),
        (
            lambda p, y, smooth=1.0: (
                1 - (_sums(p, y)[0] + smooth) / (sum(_sums(p, y)[1:]) + smooth)
            ),
            "factor 2",
        ),
        (
            lambda p, y, smooth=1.0: (
                1 - (_sums(p, y)[0] + smooth) / (sum(_sums(p, y)[1:]) - _sums(p, y)[0] + smooth)
            ),
            "Jaccard",
        ),
        (
            lambda p, y, smooth=1.0: 1 - 2 * _sums(p, y)[0] / (sum(_sums(p, y)[1:]) + smooth),
            "denominator only",
        ),
        (lambda p, y, smooth=1.0: good_dice(p, y, 0.0), "smooth is ignored"),
        (_per_row, "per row"),
        (lambda p, y, smooth=0.0: good_dice(p, y, smooth), "default value 1.0"),
    ],
)
def test_dice_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch3.dice(wrong)


def test_dice_reference_agrees_with_lossviz():
    rng = np.random.default_rng(0)
    p, y = rng.random((6, 6)), (rng.random((6, 6)) < 0.3).astype(float)
    assert np.isclose(good_dice(p, y, smooth=0.0), losses.dice(p, y, eps=0.0))
