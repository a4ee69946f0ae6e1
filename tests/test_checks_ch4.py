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


# ------------------------------------------------------------- generalized_cross_entropy
def _log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def good_gce(input, target, q=0.7):
    z = np.asarray(input, dtype=float)
    t = np.asarray(target)
    logp = _log_softmax(z)
    logp_y = logp[np.arange(len(t)), t]
    grad = np.exp(q * logp_y)[:, None] * (np.exp(logp) - np.eye(z.shape[1])[t]) / len(t)
    return float(np.mean((1 - np.exp(q * logp_y)) / q)), grad


def good_gce_by_chain_rule(input, target, q=0.7):
    """Another correct form: p_y**q from the stable softmax, gradient by the chain rule."""
    z = np.asarray(input, dtype=float)
    t = np.asarray(target)
    n = len(t)
    p = np.exp(_log_softmax(z))
    p_y = p[np.arange(n), t]
    loss = float(np.mean(-np.expm1(q * np.log(np.maximum(p_y, 1e-300))) / q))
    dloss_dpy = -(np.maximum(p_y, 1e-300) ** (q - 1))
    dpy_dz = p_y[:, None] * (np.eye(z.shape[1])[t] - p)
    return loss, dloss_dpy[:, None] * dpy_dz / n


def test_gce_checker_is_reexported():
    assert checks.generalized_cross_entropy is ch4.generalized_cross_entropy


def test_gce_checker_accepts_the_notebook_reference_solution(capsys):
    """The answer cell of the chapter, read from the notebook, passes its own checker."""
    import json

    from conftest import ROOT

    nb = json.loads((ROOT / "book" / "04_implementation.ipynb").read_text(encoding="utf-8"))
    (cell,) = [
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "ch4-gce-code"
    ]
    namespace = {"np": np}
    exec("".join(cell["source"]), namespace)
    ch4.generalized_cross_entropy(namespace["my_gce"])
    assert "✔ Generalised cross-entropy: correct" in capsys.readouterr().out


@pytest.mark.parametrize("answer", [good_gce, good_gce_by_chain_rule])
def test_gce_accepts_a_correct_answer(answer, capsys):
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no warning anywhere
        ch4.generalized_cross_entropy(answer)
    assert "correct" in capsys.readouterr().out


def naive_gce(input, target, q=0.7):
    e = np.exp(np.asarray(input, dtype=float))
    p = e / e.sum(axis=1, keepdims=True)
    p_y = p[np.arange(len(target)), target]
    grad = p_y[:, None] ** q * (p - np.eye(p.shape[1])[target]) / len(target)
    return float(np.mean((1 - p_y**q) / q)), grad


def sum_gce(input, target, q=0.7):
    loss, grad = good_gce(input, target, q)
    return loss * len(target), grad * len(target)


def ce_gradient_gce(input, target, q=0.7):
    loss, _ = good_gce(input, target, q)
    z = np.asarray(input, dtype=float)
    return loss, (np.exp(_log_softmax(z)) - np.eye(z.shape[1])[target]) / len(target)


def unscaled_gradient_gce(input, target, q=0.7):
    loss, grad = good_gce(input, target, q)
    return loss, grad * len(target)


def fixed_q_gce(input, target, q=0.7):
    return good_gce(input, target, 0.7)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (naive_gce, "must not warn"),
        (sum_gce, "MEAN"),
        (fixed_q_gce, "p_y the probability of the target class"),
        (ce_gradient_gce, "weighted by p_y\\*\\*q"),
        (unscaled_gradient_gce, "divide by N"),
        (lambda input, target, q=0.7: good_gce(input, target, q)[0], "pair \\(loss, grad\\)"),
        (lambda input, target, q=0.7: None, "pair"),
    ],
)
def test_gce_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch4.generalized_cross_entropy(wrong)


def test_gce_unfinished_exercise_says_so():
    def my_gce(input, target, q=0.7):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="my_gce still raises NotImplementedError"):
        ch4.generalized_cross_entropy(my_gce)


def test_gce_cases_are_independent_for_partial_credit():
    """The grader's collect mode records all 7 cases: a wrong gradient loses only its 2."""
    from lossviz.checks._core import collect

    outcomes, _ = collect(ch4.generalized_cross_entropy, ce_gradient_gce)
    assert [o.passed for o in outcomes] == [True] * 5 + [False] * 2
    outcomes, printed = collect(ch4.generalized_cross_entropy, good_gce)
    assert [o.passed for o in outcomes] == [True] * 7 and "correct" in printed
