"""The chapter 2 checkers accept correct answers and name the typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest

import lossviz.losses as L
from lossviz.checks import ExerciseFailed, ch2


# ----------------------------------------------------------------------------- label smoothing
def _softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _q(target, c, eps):
    return (1 - eps) * np.eye(c)[target] + eps / c


def good_ce_grad(logits, target, smoothing):
    logits = np.asarray(logits, dtype=float)
    n, c = logits.shape
    return (_softmax(logits) - _q(target, c, smoothing)) / n


def test_smoothed_ce_grad_accepts_a_correct_answer(capsys):
    ch2.smoothed_ce_grad(good_ce_grad)
    out = capsys.readouterr().out
    assert "correct" in out and "label smoothing" in out and "1e4" in out


def test_the_exercise_formula_is_lossviz_cross_entropy_gradient():
    rng = np.random.default_rng(0)
    z, t = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    for eps in (0.0, 0.2, 1.0):
        np.testing.assert_allclose(
            good_ce_grad(z, t, eps), L.cross_entropy.grad(z, t, label_smoothing=eps), atol=1e-12
        )


def _wrong_ce(kind):
    def grad(logits, target, smoothing):
        logits = np.asarray(logits, dtype=float)
        n, c = logits.shape
        p, q = _softmax(logits), _q(target, c, smoothing)
        onehot = np.eye(c)[target]
        return {
            "no_mean": p - q,
            "sign": (q - p) / n,
            "no_smoothing": (p - onehot) / n,
            "eps_not_over_c": (p - ((1 - smoothing) * onehot + smoothing)) / n,
            "naive_exp": (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True) - q) / n,
            "transposed": ((p - q) / n).T,
        }[kind]

    return grad


@pytest.mark.parametrize(
    ("kind", "hint"),
    [
        ("no_mean", "divide by N"),
        ("sign", "sign is flipped"),
        ("no_smoothing", "smoothing is ignored"),
        ("eps_not_over_c", "smoothing / C per class"),
        ("naive_exp", "must not warn"),
        ("transposed", "shape"),
    ],
)
def test_smoothed_ce_grad_names_the_mistake(kind, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch2.smoothed_ce_grad(_wrong_ce(kind))


def test_smoothed_ce_grad_says_when_the_exercise_is_unfinished():
    def unfinished(logits, target, smoothing):
        raise NotImplementedError()

    with pytest.raises((NotImplementedError, ExerciseFailed)) as info:
        ch2.smoothed_ce_grad(unfinished)
    if isinstance(info.value, ExerciseFailed):
        assert "NotImplementedError" in str(info.value)


def test_smoothed_ce_grad_lets_the_students_own_error_through():
    def broken(logits, target, smoothing):
        return logits / undefined_name  # noqa: F821 - the student's typo

    with pytest.raises(NameError):
        ch2.smoothed_ce_grad(broken)


def test_smoothed_ce_grad_explains_a_missing_return():
    with pytest.raises(ExerciseFailed, match="return"):
        ch2.smoothed_ce_grad(lambda logits, target, smoothing: None)


# ----------------------------------------------------------------------------- backprop
def good_backprop(X, y, W1, b1, W2, b2):
    a = X @ W1 + b1
    h = np.maximum(a, 0)
    dyhat = 2 * (h @ W2 + b2 - y) / len(y)
    da = np.outer(dyhat, W2) * (a > 0)
    return X.T @ da, da.sum(axis=0), h.T @ dyhat, dyhat.sum()


def test_two_layer_backprop_accepts_a_correct_answer(capsys):
    ch2.two_layer_backprop(good_backprop)
    assert "correct" in capsys.readouterr().out


def test_two_layer_backprop_accepts_lists_and_numpy_scalars(capsys):
    def as_lists(*args):
        dW1, db1, dW2, db2 = good_backprop(*args)
        return [dW1.tolist(), db1.tolist(), dW2.tolist(), np.float64(db2)]

    ch2.two_layer_backprop(as_lists)
    assert "correct" in capsys.readouterr().out


def _wrong_backprop(kind):
    def backprop(X, y, W1, b1, W2, b2):
        a = X @ W1 + b1
        h = np.maximum(a, 0)
        r = h @ W2 + b2 - y
        scale = {"half": 1.0, "sum": 2.0 * len(y), "sign": -2.0}.get(kind, 2.0)
        dyhat = scale * r / len(y)
        mask = {"no_mask": 1.0, "h_mask": h}.get(kind, a > 0)
        da = np.outer(dyhat, W2) * mask
        db1 = da.sum(axis=0) if kind != "db1_keep" else da
        return X.T @ da, db1, h.T @ dyhat, dyhat.sum()

    return backprop


@pytest.mark.parametrize(
    ("kind", "hint"),
    [
        ("half", "2\\*r"),
        ("sum", "N times too large"),
        ("sign", "sign is flipped"),
        ("no_mask", "ReLU's derivative is missing"),
        ("h_mask", "not its output"),
        ("db1_keep", "sum over the samples"),
    ],
)
def test_two_layer_backprop_names_the_mistake(kind, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch2.two_layer_backprop(_wrong_backprop(kind))


def test_two_layer_backprop_wants_four_gradients():
    with pytest.raises(ExerciseFailed, match="tuple"):
        ch2.two_layer_backprop(lambda *args: good_backprop(*args)[:3])


# ----------------------------------------------------------------------------- learning rate
def good_lr_limit(X):
    H = 2 / X.shape[0] * X.T @ X
    return 2 / np.linalg.eigvalsh(H)[-1]


def test_lr_limit_accepts_a_correct_answer(capsys):
    ch2.lr_limit(good_lr_limit)
    assert "correct" in capsys.readouterr().out


def test_lr_limit_is_where_gradient_descent_starts_to_diverge():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(2.0, 3.0, size=30), np.ones(30)])
    y = X @ np.array([1.5, -0.5]) + rng.normal(size=30)
    limit = good_lr_limit(X)

    def final_distance(lr, steps=400):
        theta = np.zeros(2)
        for _ in range(steps):
            theta = theta - lr * 2 / len(y) * X.T @ (X @ theta - y)
        return np.linalg.norm(theta - np.linalg.lstsq(X, y, rcond=None)[0])

    assert final_distance(0.98 * limit) < 1e-2
    assert final_distance(1.02 * limit) > 1e2


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda X: 2 / np.linalg.eigvalsh(X.T @ X)[-1], "2/N"),
        (lambda X: 1 / np.linalg.eigvalsh(2 / len(X) * X.T @ X)[-1], "oscillates"),
        (lambda X: len(X) / np.trace(X.T @ X), "trace"),
        (lambda X: len(X) / np.linalg.eigvalsh(X.T @ X)[0], "smallest eigenvalue"),
    ],
)
def test_lr_limit_names_the_mistake(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch2.lr_limit(wrong)


def test_checkers_are_reachable_from_lossviz_checks():
    from lossviz import checks

    assert checks.ch2.lr_limit is ch2.lr_limit
    assert checks.lr_limit is ch2.lr_limit
    assert checks.smoothed_ce_grad is ch2.smoothed_ce_grad
    assert checks.two_layer_backprop is ch2.two_layer_backprop
