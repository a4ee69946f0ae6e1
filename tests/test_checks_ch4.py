"""The chapter 4 checkers accept correct answers and reject typical wrong ones with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import checks
from lossviz.checks import ch4
from lossviz.checks._core import ExerciseFailed


def test_checkers_are_reexported_by_the_checks_package():
    assert checks.stable_bce_with_logits is ch4.stable_bce_with_logits
    assert checks.stable_cross_entropy is ch4.stable_cross_entropy
    assert checks.central_difference is ch4.central_difference


# ------------------------------------------------------------- stable_bce_with_logits
def good_bce(input, target):
    z = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def good_bce_other_form(input, target):
    z = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    return float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))))


@pytest.mark.parametrize("answer", [good_bce, good_bce_other_form])
def test_bce_accepts_a_correct_answer(answer, capsys):
    ch4.stable_bce_with_logits(answer)
    assert "correct" in capsys.readouterr().out


def naive_bce_warns(input, target):
    p = 1 / (1 + np.exp(-np.asarray(input)))
    return float(np.mean(-(target * np.log(p) + (1 - target) * np.log(1 - p))))


def naive_bce_silenced(input, target):
    with np.errstate(all="ignore"):
        return naive_bce_warns(input, target)


def keras_like_bce(input, target):
    z = np.clip(np.asarray(input), -700, 700)
    p = np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)
    return float(np.mean(-(target * np.log(p) + (1 - target) * np.log(1 - p))))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (naive_bce_warns, "must not warn"),
        (naive_bce_silenced, "softplus"),
        (lambda input, target: good_bce(input, target) * len(np.atleast_1d(input)), "sum"),
        (lambda input, target: good_bce(input, 1 - np.asarray(target)), "swapped"),
        (lambda input, target: good_bce(-np.asarray(input), target), "swapped"),
        (keras_like_bce, "clipped"),
        (
            lambda input, target: float(np.mean(np.maximum(input, 0) - target * input)),
            "log1p",
        ),
        (lambda input, target: np.logaddexp(0.0, input) - target * input, "reduce"),
        (lambda input, target: None, "return"),
    ],
)
def test_bce_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch4.stable_bce_with_logits(wrong)


@pytest.mark.parametrize(
    "checker",
    [ch4.stable_bce_with_logits, ch4.stable_cross_entropy, ch4.central_difference],
)
def test_unfinished_exercise_says_so(checker):
    def unfinished(*args):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="NotImplementedError"):
        checker(unfinished)


def test_bce_checker_asks_for_a_function_not_a_value():
    with pytest.raises(ExerciseFailed, match="without calling it"):
        ch4.stable_bce_with_logits(0.5)


# ------------------------------------------------------------- stable_cross_entropy
def good_ce(input, target):
    z = np.asarray(input, dtype=float)
    t = np.asarray(target)
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(len(t)), t]))


def test_cross_entropy_accepts_a_correct_answer(capsys):
    ch4.stable_cross_entropy(good_ce)
    assert "correct" in capsys.readouterr().out


def naive_ce(input, target):
    with np.errstate(all="ignore"):
        e = np.exp(input)
        p = e / e.sum(axis=1, keepdims=True)
        return float(-np.mean(np.log(p[np.arange(len(target)), target])))


def _logp(z):
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (naive_ce, "log-sum-exp"),
        (lambda z, t: good_ce(z, t) * len(t), "sum over the samples"),
        (lambda z, t: float(-np.mean(_logp(z))), "every class"),
        (lambda z, t: float(np.mean(_logp(z)[np.arange(len(t)), t])), "sign is flipped"),
        (lambda z, t: float(np.mean(-_logp(z)[:, t])), r"\(N, N\)"),
        (
            lambda z, t: float(-np.mean((z - z.max(axis=1, keepdims=True))[np.arange(len(t)), t])),
            "normaliser",
        ),
    ],
)
def test_cross_entropy_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch4.stable_cross_entropy(wrong)


def test_cross_entropy_reports_a_warning_from_the_student_code():
    def warns(z, t):
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        return float(-np.mean(np.log(p[np.arange(len(t)), t])))

    with np.errstate(all="warn"), pytest.raises(ExerciseFailed, match="must not warn"):
        ch4.stable_cross_entropy(warns)


# ------------------------------------------------------------- central_difference
def good_grad(f, x, h):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_central_difference_accepts_a_correct_answer(capsys):
    ch4.central_difference(good_grad)
    assert "correct" in capsys.readouterr().out


def forward_grad(f, x, h):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x)) / h
    return g


def no_half_grad(f, x, h):
    return 2 * good_grad(f, x, h)


def all_at_once_grad(f, x, h):
    return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))


def flat_grad(f, x, h):
    return good_grad(f, x, h).ravel()


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (forward_grad, "forward difference"),
        (no_half_grad, "2 h"),
        (all_at_once_grad, "one coordinate at a time"),
        (flat_grad, "shaped like x"),
        (lambda f, x, h: None, "return"),
    ],
)
def test_central_difference_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch4.central_difference(wrong)
