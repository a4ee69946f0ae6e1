"""Checkers for the exercises of chapter 2, "The mathematics of loss functions".

Each checker runs the student's function on hand-computed cases, compares
gradients with central finite differences of an independent reference, and
recognises the usual mistakes (a missing ``1/N``, a flipped sign, a forgotten
factor 2, the wrong eigenvalue) so that its message can say which one it is.

Functions
---------
smoothed_ce_grad
    Checks ``my_grad(logits, target, smoothing)``: the gradient of the mean
    softmax cross-entropy with label smoothing, ``(p - q) / N``.
two_layer_backprop
    Checks ``my_backprop(X, y, W1, b1, W2, b2)``: the gradients of the mean
    squared error of a two-layer ReLU network, by the chain rule.
lr_limit
    Checks ``my_lr_limit(X)``: the largest learning rate for which gradient
    descent on the mean squared error of a linear model converges.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    call,
    check_array,
    check_each,
    check_finite,
    check_scalar,
    check_shape,
    close,
    describe,
    exercise,
    expect,
    fail,
    finite_difference,
)

__all__ = ["lr_limit", "smoothed_ce_grad", "two_layer_backprop"]


# ----------------------------------------------------------------------------- helpers


def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = np.max(z, axis=1, keepdims=True)
    shifted = z - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _smoothed_target(target: np.ndarray, n_classes: int, smoothing: float) -> np.ndarray:
    onehot = np.eye(n_classes)[target]
    return (1.0 - smoothing) * onehot + smoothing / n_classes


def _smoothed_ce(logits: np.ndarray, target: np.ndarray, smoothing: float) -> float:
    """Mean over samples of ``-sum_k q_k log softmax(z)_k``."""
    q = _smoothed_target(target, logits.shape[1], smoothing)
    return float(-np.mean(np.sum(q * _log_softmax(logits), axis=1)))


def _smoothed_ce_grad(logits: np.ndarray, target: np.ndarray, smoothing: float) -> np.ndarray:
    p = np.exp(_log_softmax(logits))
    q = _smoothed_target(target, logits.shape[1], smoothing)
    return (p - q) / logits.shape[0]


# ----------------------------------------------------------------------------- exercise 1


@exercise("Cross-entropy gradient with label smoothing")
def smoothed_ce_grad(my_grad: Callable[..., Any]) -> None:
    r"""Check ``my_grad(logits, target, smoothing)`` against ``(p - q) / N``.

    ``logits`` has shape ``(N, C)``, ``target`` holds ``N`` class indices and
    ``smoothing`` is the label-smoothing weight :math:`\varepsilon`; the loss is
    the mean over samples of :math:`-\sum_k q_k \log \operatorname{softmax}(z)_k`
    with :math:`q = (1 - \varepsilon)\,\mathrm{onehot}(y) + \varepsilon / C`.

    """
    __tracebackhide__ = True
    rng = np.random.default_rng(2)
    cases = [
        (np.array([[0.0, 0.0]]), np.array([1]), 0.0),
        (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), np.array([2, 0]), 0.0),
        (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), np.array([2, 0]), 0.1),
        (rng.normal(size=(5, 4)), rng.integers(0, 4, size=5), 0.2),
        (rng.normal(scale=3.0, size=(3, 6)), np.array([5, 0, 2]), 1.0),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        logits, target, eps = case
        shown = f"my_grad({describe(logits)}, target={target.tolist()}, smoothing={eps:g})"
        got = check_array(call(my_grad, logits, target, eps), shown)
        check_shape(got, logits.shape, shown, "the gradient has one entry per logit, shape (N, C)")
        want = _smoothed_ce_grad(logits, target, eps)
        n, c = logits.shape
        p = np.exp(_log_softmax(logits))
        q = _smoothed_target(target, c, eps)
        onehot = np.eye(c)[target]
        p_wrong_axis = np.exp(logits - np.max(logits)) / np.sum(
            np.exp(logits - np.max(logits)), axis=0, keepdims=True
        )
        expect(
            got,
            want,
            shown,
            [
                (
                    p - q,
                    "this is N times too large: the loss is a mean over the N samples, "
                    "so divide by N",
                ),
                (
                    (q - p) / n,
                    "the sign is flipped: the gradient of the loss is p - q, "
                    "and gradient descent then moves against it",
                ),
                (
                    (p - onehot) / n,
                    "the smoothing is ignored: with smoothing the target is "
                    "q = (1 - smoothing) * onehot + smoothing / C, and the gradient is (p - q) / N",
                ),
                (
                    (p - ((1.0 - eps) * onehot + eps)) / n,
                    "the uniform part of q is smoothing / C per class, not smoothing",
                ),
                (
                    (p - ((1.0 - eps) * onehot)) / n,
                    "the uniform part smoothing / C is missing from q",
                ),
                (
                    (p_wrong_axis - q) / n,
                    "the softmax is taken over the samples (axis 0); "
                    "take it over the classes (axis=1)",
                ),
                ((logits - q) / n, "the logits appear where their softmax p should be"),
            ],
            "write the loss as -sum_k q_k z_k + log sum_j exp(z_j) (sum_k q_k = 1), "
            "differentiate by z_k, and divide by N",
            wording="for {what} the gradient is {expected}, yours gave {got}",
        )

    def _tail() -> None:
        __tracebackhide__ = True
        # against finite differences of the loss itself, on fresh numbers
        logits, target, eps = rng.normal(size=(4, 3)), np.array([0, 2, 1, 1]), 0.3
        got = check_array(call(my_grad, logits, target, eps), "my_grad")
        numeric = finite_difference(lambda z: _smoothed_ce(z, target, eps), logits)
        if not close(got, numeric, rtol=1e-5, atol=1e-7):
            fail(
                f"at logits {describe(logits)} the finite-difference gradient is "
                f"{describe(numeric)}, yours gave {describe(got)}",
                "compare term by term with (p - q) / N",
            )

        # rows of p - q sum to zero: a consequence worth checking on its own
        sums = np.sum(got, axis=1)
        if not close(sums, np.zeros_like(sums)):
            fail(
                f"each row of the gradient should sum to 0, yours sum to {describe(sums)}",
                "both p and q are probability distributions, so p - q sums to 0",
            )

        # huge logits: stable implementations subtract the row maximum
        big = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]])
        target = np.array([1, 2])
        got = call(my_grad, big, target, 0.0)
        check_finite(
            got,
            "for logits of size 1e4 the gradient",
            "subtract each row's largest logit before exponentiating",
        )
        want = _smoothed_ce_grad(big, target, 0.0)
        if not close(check_array(got, "my_grad"), want, atol=1e-9):
            fail(
                f"for logits {describe(big)} the gradient is {describe(want)}, yours gave "
                f"{describe(got)}",
                "subtract each row's largest logit before exponentiating",
            )

    check_each(cases, _one, then=[_tail])
    return (
        "Cross-entropy gradient with label smoothing: correct. Your (p - q) / N matches "
        "five hand-made cases, finite differences and logits of size 1e4."
    )


# ----------------------------------------------------------------------------- exercise 2


def _net_loss(X, y, W1, b1, W2, b2) -> float:
    h = np.maximum(X @ W1 + b1, 0.0)
    return float(np.mean((h @ W2 + b2 - y) ** 2))


def _net_grads(X, y, W1, b1, W2, b2) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    r = h @ W2 + b2 - y
    dyhat = 2.0 * r / X.shape[0]
    dW2 = h.T @ dyhat
    db2 = float(np.sum(dyhat))
    da = np.outer(dyhat, W2) * (a > 0)
    dW1 = X.T @ da
    db1 = np.sum(da, axis=0)
    return dW1, db1, dW2, db2


def _net_problem(seed: int, n: int, d: int, hidden: int) -> tuple[np.ndarray, ...]:
    """Make a small problem whose hidden pre-activations stay away from the ReLU kink."""
    rng = np.random.default_rng(seed)
    while True:
        X = rng.normal(size=(n, d))
        W1 = rng.normal(size=(d, hidden))
        b1 = rng.normal(scale=0.5, size=hidden)
        if np.min(np.abs(X @ W1 + b1)) > 1e-2:
            break
    W2 = rng.normal(size=hidden)
    b2 = float(rng.normal())
    y = rng.normal(size=n)
    return X, y, W1, b1, W2, b2


_NAMES = ("dW1", "db1", "dW2", "db2")


@exercise("Backpropagation through a two-layer ReLU network")
def two_layer_backprop(my_backprop: Callable[..., Any]) -> None:
    """Check ``my_backprop(X, y, W1, b1, W2, b2)`` returning ``(dW1, db1, dW2, db2)``.

    The network is ``yhat = relu(X @ W1 + b1) @ W2 + b2`` with ``X`` of shape
    ``(N, D)``, ``W1`` ``(D, H)``, ``b1`` ``(H,)``, ``W2`` ``(H,)`` and a number
    ``b2``; the loss is ``mean((yhat - y) ** 2)``.

    """
    __tracebackhide__ = True
    _items = [(0, (1, 1, 1)), (1, (4, 2, 3)), (2, (6, 3, 5))]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        seed, (n, d, hidden) = case
        params = _net_problem(seed, n, d, hidden)
        X, y, W1, b1, W2, b2 = params
        shown = f"my_backprop on N={n} samples, D={d} inputs, H={hidden} hidden units"
        result = call(my_backprop, *params)
        if not isinstance(result, tuple | list) or len(result) != 4:
            fail(
                f"{shown} returned {describe(result)}",
                "return the four gradients as a tuple (dW1, db1, dW2, db2)",
            )
        want = _net_grads(*params)
        shapes = [W1.shape, b1.shape, W2.shape, ()]
        a = X @ W1 + b1
        h = np.maximum(a, 0.0)
        r = h @ W2 + b2 - y
        for k, (name, got_k, want_k, shape) in enumerate(
            zip(_NAMES, result, want, shapes, strict=True)
        ):
            if name == "db2":
                got_arr = np.asarray(check_scalar(got_k, f"{shown}: db2"))
            else:
                got_arr = check_array(got_k, f"{shown}: {name}")
                check_shape(
                    got_arr,
                    shape,
                    f"{shown}: {name}",
                    "a gradient has the shape of its parameter; "
                    + (
                        "sum over the samples (axis 0)"
                        if name == "db1"
                        else "check the order of the matrix product (a transpose)"
                    ),
                )
            candidates: list[tuple[Any, str]] = [
                (
                    np.asarray(want_k) / 2.0,
                    "it is half the right value: the derivative of r**2 is 2*r",
                ),
                (
                    np.asarray(want_k) * n,
                    "it is N times too large: the loss is a mean, so dL/dyhat = 2 * (yhat - y) / N",
                ),
                (
                    -np.asarray(want_k),
                    "the sign is flipped: dL/dyhat is 2 * (yhat - y) / N, prediction minus target",
                ),
            ]
            if name in ("dW1", "db1"):
                da_nomask = np.outer(2.0 * r / n, W2)
                candidates.append(
                    (
                        X.T @ da_nomask if name == "dW1" else np.sum(da_nomask, axis=0),
                        "the ReLU's derivative is missing: multiply by (X @ W1 + b1 > 0) "
                        "on the way back",
                    )
                )
                da_hmask = np.outer(2.0 * r / n, W2) * h
                candidates.append(
                    (
                        X.T @ da_hmask if name == "dW1" else np.sum(da_hmask, axis=0),
                        "the ReLU's derivative is 1 where its input is positive and 0 "
                        "elsewhere, not its output",
                    )
                )
            expect(
                got_arr,
                want_k,
                f"{shown}: {name}",
                candidates,
                "work backwards: dL/dyhat, then dW2 and db2, then dL/dh = dL/dyhat W2, "
                "then through the ReLU, then dW1 and db1"
                if k < 2
                else "dW2 = h.T @ dL/dyhat and db2 = sum of dL/dyhat, where "
                "h = relu(X @ W1 + b1) and dL/dyhat = 2 * (yhat - y) / N",
            )

    def _tail() -> None:
        __tracebackhide__ = True
        # and the whole set against central finite differences of the loss
        params = _net_problem(3, 5, 2, 4)
        result = call(my_backprop, *params)
        for k, name in enumerate(_NAMES):

            def along(v, k=k):
                p = list(params)
                p[2 + k] = v if k < 3 else float(v)
                return _net_loss(*p)

            numeric = finite_difference(along, params[2 + k])
            got = np.asarray(result[k], dtype=np.float64).reshape(numeric.shape)
            if not close(got, numeric, rtol=1e-5, atol=1e-7):
                fail(
                    f"on a fresh network the finite-difference {name} is {describe(numeric)}, "
                    f"yours gave {describe(got)}",
                    "compare your chain rule step by step",
                )

    check_each(_items, _one, then=[_tail])
    return (
        "Backpropagation through a two-layer ReLU network: correct. All four gradients "
        "match the chain rule and finite differences on four networks."
    )


# ----------------------------------------------------------------------------- exercise 3


def _lr_limit(X: np.ndarray) -> float:
    return X.shape[0] / float(np.linalg.eigvalsh(X.T @ X)[-1])


@exercise("The largest stable learning rate")
def lr_limit(my_lr_limit: Callable[..., Any]) -> None:
    r"""Check ``my_lr_limit(X)``: the learning rate above which gradient descent diverges.

    For :math:`L(\theta) = \frac1N\lVert X\theta - y\rVert^2` the Hessian is
    :math:`H = \frac2N X^\top X`; gradient descent converges from every start
    exactly when :math:`\eta < 2/\lambda_{\max}(H) = N/\lambda_{\max}(X^\top X)`.

    The student's function takes the design matrix ``X``, shape ``(N, D)``.

    """
    __tracebackhide__ = True
    rng = np.random.default_rng(5)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    cases = [
        np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 1.0]]),  # X^T X = diag(9, 2), N = 3
        np.column_stack([x, np.ones(4)]),
        np.column_stack([10.0 * x, np.ones(4)]),
        np.column_stack([x, x]),  # rank-deficient: the limit is still set by lambda_max
        rng.normal(size=(20, 3)) * np.array([1.0, 5.0, 0.2]),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        X = case
        shown = f"my_lr_limit(X of shape {X.shape})"
        got = check_scalar(call(my_lr_limit, X), shown)
        want = _lr_limit(X)
        n = X.shape[0]
        ev = np.linalg.eigvalsh(X.T @ X)
        lam_max, lam_min = float(ev[-1]), float(ev[0])
        expect(
            got,
            want,
            shown,
            [
                (
                    2.0 / lam_max,
                    "this is 2 / lambda_max(X^T X); the Hessian of the mean "
                    "squared error is H = (2/N) X^T X, so the limit is 2 / lambda_max(H)",
                ),
                (
                    n / (2.0 * lam_max),
                    "this is 1 / lambda_max(H): above it the steepest direction "
                    "overshoots and oscillates, but it still converges; divergence starts at "
                    "twice that",
                ),
                (
                    1.0 / lam_max,
                    "this is 1 / lambda_max(X^T X): use the Hessian "
                    "H = (2/N) X^T X and the limit 2 / lambda_max(H)",
                ),
                (
                    n / lam_min if lam_min > 1e-12 else np.nan,
                    "the smallest eigenvalue sets how slowly GD converges; the largest one sets "
                    "when it diverges",
                ),
                (
                    lam_max / lam_min if lam_min > 1e-12 else np.nan,
                    "this is the condition number; the question asks for a learning rate",
                ),
                (
                    n / float(np.trace(X.T @ X)),
                    "the trace is the sum of all eigenvalues; "
                    "use only the largest (np.linalg.eigvalsh returns them sorted)",
                ),
            ],
            "compute H = (2/N) X^T X, its largest eigenvalue, and return 2 / lambda_max",
            wording="for {what} the limit is {expected}, yours gave {got}",
        )

    check_each(cases, _one)
    return (
        "The largest stable learning rate: correct. Your limit equals 2 / lambda_max(H) "
        "on five design matrices, a rank-deficient one included."
    )
