"""Checkers for the exercises of chapter 4, "Implementing loss functions in Python".

Each checker calls the student's function on hand-computed cases and on the
extreme inputs that break naive implementations. It prints one confirmation
line when every case is right and raises :class:`ExerciseFailed` with a
specific hint when one is not.

Functions
---------
stable_bce_with_logits
    Checks ``my_bce_with_logits(input, target)``: mean binary cross-entropy
    from logits that survives logits of size 1e4 without a warning.
stable_cross_entropy
    Checks ``my_cross_entropy(input, target)``: mean cross-entropy of an
    ``(N, C)`` array of logits against ``N`` class indices, stable for large logits.
central_difference
    Checks ``my_numerical_grad(f, x, h)``: the central-difference gradient of a
    scalar function of an array.
generalized_cross_entropy
    Checks ``my_gce(input, target, q)``: the mean generalised cross-entropy of
    logits and its gradient, as the pair ``(loss, grad)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    ATOL,
    RTOL,
    Case,
    ExerciseFailed,
    call,
    check_array,
    check_cases,
    check_each,
    check_finite,
    check_scalar,
    check_shape,
    close,
    describe,
    diagnose,
    exercise,
    expect,
    fail,
    require_function,
)

__all__ = [
    "ExerciseFailed",
    "central_difference",
    "generalized_cross_entropy",
    "stable_bce_with_logits",
    "stable_cross_entropy",
]


# ----------------------------------------------------------------- reference maths
def _bce_logits_terms(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-element binary cross-entropy from logits, the softplus form."""
    return np.logaddexp(0.0, z) - y * z


def _ce_terms(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per-row cross-entropy of logits ``z`` (N, C) against class indices ``t`` (N,)."""
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    return lse - z[np.arange(z.shape[0]), t]


def _check_mean_loss(
    func: Callable[..., Any],
    args: tuple,
    shown: str,
    terms_of: Callable[..., np.ndarray],
    *,
    finite: str,
    mistakes: Callable[[], list[tuple[float, str]]],
    default: str,
) -> None:
    """Check one case of a mean loss: the student's number must be the mean of the terms.

    ``terms_of(*args)`` gives the loss of each sample, computed after the student's call
    (whose warnings come first). A single number must be finite (else the hint
    ``finite``); a wrong value that is the sum of the terms, or one of the known
    ``mistakes()`` (computed only for a wrong value), gets that mistake's hint.
    """
    __tracebackhide__ = True
    result = call(func, *args)
    if result is not None and np.ndim(result) == 0:
        check_finite(result, shown, finite)
    got = check_scalar(result, shown)
    terms = terms_of(*args)

    def known() -> list[tuple[float, str]]:
        return [(float(np.sum(terms)), "this is the sum over the samples; take the mean")] + (
            mistakes()
        )

    expect(got, float(np.mean(terms)), shown, known, default)


# ------------------------------------------------------------- stable_bce_with_logits
@exercise("Stable binary cross-entropy from logits")
def stable_bce_with_logits(my_bce_with_logits: Callable[..., Any]) -> None:
    """Check ``my_bce_with_logits(input, target)``, the mean binary cross-entropy from logits.

    The student's function takes logits ``input`` and 0/1 ``target`` of equal shape and
    returns the mean loss as one number.

    """
    __tracebackhide__ = True
    require_function(my_bce_with_logits)
    cases = [
        ([0.0], [1.0]),
        ([2.0], [1.0]),
        ([2.0], [0.0]),
        ([-1.5, 0.5, 3.0], [0.0, 1.0, 1.0]),
        ([1e4], [1.0]),  # confidently right
        ([1e4], [0.0]),  # confidently wrong
        ([-1e4], [1.0]),  # confidently wrong, the other way
        ([-1e4, 1e4, -1e4, 30.0], [0.0, 1.0, 1.0, 0.0]),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        inp, tgt = case
        z = np.array(inp, dtype=float)
        y = np.array(tgt, dtype=float)
        shown = f"my_bce_with_logits({describe(inp)}, {describe(tgt)})"

        def mistakes() -> list[tuple[float, str]]:
            p = np.clip(1.0 / (1.0 + np.exp(-np.clip(z, -700, 700))), 1e-7, 1 - 1e-7)
            return [
                (
                    float(np.mean(np.logaddexp(0.0, z) - (1.0 - y) * z)),
                    "the targets look swapped (or, equivalently, the sign of the logit "
                    "flipped): the loss for target 1 is softplus(-z) = softplus(z) - z, "
                    "for target 0 it is softplus(z)",
                ),
                (
                    float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))),
                    "this looks like probabilities clipped to [1e-7, 1 - 1e-7] (Keras' "
                    "convention), which caps the loss near 16.1; the exact softplus form "
                    "needs no clipping",
                ),
                (
                    float(np.mean(np.maximum(z, 0) - y * z)),
                    "the log1p(exp(-|z|)) part of softplus is missing: "
                    "softplus(z) = max(z, 0) + log1p(exp(-|z|))",
                ),
            ]

        _check_mean_loss(
            my_bce_with_logits,
            (z.copy(), y.copy()),
            shown,
            _bce_logits_terms,
            finite="for large |logits| use the softplus form log(1 + exp(z)) = "
            "np.logaddexp(0, z) instead of sigmoid followed by log",
            mistakes=mistakes,
            default="the loss per element is softplus(z) - y * z, with softplus(z) = "
            "np.logaddexp(0, z); then average",
        )

    check_each(cases, _one)


# ------------------------------------------------------------- stable_cross_entropy
@exercise("Stable cross-entropy from logits and class indices")
def stable_cross_entropy(my_cross_entropy: Callable[..., Any]) -> None:
    """Check ``my_cross_entropy(input, target)``: logits (N, C), class indices (N,), mean."""
    __tracebackhide__ = True
    require_function(my_cross_entropy)
    cases = [
        (np.zeros((1, 4)), np.array([2])),
        (np.array([[2.0, 1.0, 0.0]]), np.array([0])),
        (np.array([[2.0, 1.0, 0.0], [0.5, -1.0, 3.0]]), np.array([1, 2])),
        (np.array([[1e4, 0.0, -1e4]]), np.array([0])),  # confidently right
        (np.array([[1e4, 0.0, -1e4]]), np.array([2])),  # confidently wrong
        (np.array([[-1e4, -1e4 - 1.0]]), np.array([1])),  # every exp underflows
        (np.array([[800.0, 799.0, 0.0], [3.0, 2.0, 1.0], [0.0, 0.0, 0.0]]), np.array([1, 2, 0])),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        z, t = case
        shown = f"my_cross_entropy({describe(z)}, target={describe(t)})"

        def mistakes() -> list[tuple[float, str]]:
            m = z.max(axis=1, keepdims=True)
            logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
            return [
                (
                    float(-np.mean(logp)),
                    "this averages -log p over every class; pick only the entry of the "
                    "target class in each row, e.g. logp[np.arange(N), target]",
                ),
                (
                    float(np.mean(logp[np.arange(len(t)), t])),
                    "the sign is flipped: the loss is MINUS the log-probability of the "
                    "target class",
                ),
                (
                    float(np.mean(-logp[:, t])),
                    "logp[:, target] picks an (N, N) block (every row at every target); "
                    "use logp[np.arange(N), target] to take one entry per row",
                ),
                (
                    float(np.mean(-(z - m)[np.arange(len(t)), t])),
                    "the log of the normaliser, log-sum-exp of the shifted logits, is missing",
                ),
            ]

        _check_mean_loss(
            my_cross_entropy,
            (z.copy(), t.copy()),
            shown,
            _ce_terms,
            finite="subtract each row's largest logit before exponentiating "
            "(log-sum-exp), and work with log-probabilities, not probabilities",
            mistakes=mistakes,
            default="compute log-probabilities z - max - log(sum(exp(z - max))) row by row, "
            "take the target entry of each row, negate and average",
        )

    check_each(cases, _one)


# ------------------------------------------------------------- central_difference
@exercise("Central-difference gradient")
def central_difference(my_numerical_grad: Callable[..., Any]) -> None:
    """Check ``my_numerical_grad(f, x, h)``, the central-difference gradient of ``f`` at ``x``.

    The student's function takes a scalar function ``f`` of an array, a point ``x`` and a
    step ``h``; it returns an array shaped like ``x``.

    """
    __tracebackhide__ = True
    require_function(my_numerical_grad)

    def cubes(v):
        return float(np.sum(np.asarray(v) ** 3))

    def mixed(v):
        v = np.asarray(v)
        return float(np.sum(np.sin(v)) + v.ravel()[0] * v.ravel()[-1])

    cases = [
        (cubes, np.array([1.0, -2.0, 0.5]), 1e-3, "sum(x**3)", lambda v: 3 * v**2),
        (
            mixed,
            np.array([[0.3, -1.2], [2.0, 0.7]]),
            1e-5,
            "sum(sin(x)) + x[0, 0] * x[1, 1]",
            lambda v: np.cos(v) + np.array([[v[1, 1], 0.0], [0.0, v[0, 0]]]),
        ),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        f, x, h, name, exact_fn = case
        shown = f"my_numerical_grad(f, {describe(x)}, h={h:g}) with f(x) = {name}"
        x_before = x.copy()
        got = check_array(call(my_numerical_grad, f, x, h), shown)
        if not np.array_equal(x, x_before):  # pragma: no cover - call() passes copies
            fail(f"{shown} changed x in place", "perturb a copy of x, not x itself")
        check_shape(got, x.shape, shown, "the gradient has one entry per entry of x, shaped like x")
        want = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            want[i] = (f(x + e) - f(x - e)) / (2 * h)
        if close(got, want):
            return
        forward = np.zeros_like(x)
        all_at_once = np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))
        no_half = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            forward[i] = (f(x + e) - f(x)) / h
            no_half[i] = (f(x + e) - f(x - e)) / h
        candidates = [
            (
                forward,
                "this is the forward difference (f(x + h) - f(x)) / h, whose error is "
                "of order h; use (f(x + h e_i) - f(x - h e_i)) / (2 h)",
            ),
            (no_half, "the denominator should be 2 h: the two points are 2 h apart"),
            (
                all_at_once,
                "every entry was perturbed at once; move one coordinate at a time "
                "(x + h e_i for each index i)",
            ),
            (
                exact_fn(x),
                "this is the exact derivative, not the numerical one; the checker "
                "wants the central difference with the given step h",
            ),
        ]
        hint = diagnose(
            got,
            candidates,
            "for each index i, add and subtract h in entry i only and divide the "
            "difference of f by 2 h",
        )
        idx = tuple(int(i) for i in np.argwhere(~np.isclose(got, want, rtol=RTOL, atol=ATOL))[0])
        fail(
            f"{shown} should be {describe(want)}, yours gave {describe(got)} "
            f"(first difference at index {idx})",
            hint,
        )

    check_each(cases, _one)


# ------------------------------------------------------------- generalized_cross_entropy
def _gce_reference(z: np.ndarray, t: np.ndarray, q: float) -> tuple[float, np.ndarray]:
    """Mean generalised cross-entropy ``(1 - p_y**q) / q`` of logits and its gradient."""
    n, c = z.shape
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    logp_y = logp[np.arange(n), t]
    loss = float(np.mean(-np.expm1(q * logp_y) / q))
    grad = np.exp(q * logp_y)[:, None] * (np.exp(logp) - np.eye(c)[t]) / n
    return loss, grad


def _gce_case(z: np.ndarray, t: np.ndarray, q: float, part: int, what: str, hint: str) -> Case:
    """Return the case ``my_gce(z, t, q=q)``; ``part`` 0 checks the loss, 1 the gradient."""
    return Case((z, t), _gce_reference(z, t, q)[part], kwargs={"q": q}, what=what, hint=hint)


def _pair_part(func: Callable[..., Any], index: int) -> Callable[..., Any]:
    """Return a view of ``func`` giving entry ``index`` of the pair ``(loss, grad)``."""

    def part(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        result = func(*args, **kwargs)
        if not isinstance(result, tuple | list) or len(result) != 2:
            fail(
                f"{part.__name__} returned {describe(result)}, expected the pair (loss, grad)",
                "end the function with `return loss, grad`",
            )
        return result[index]

    part.__name__ = getattr(func, "__name__", None) or type(func).__name__
    return part


@exercise("Generalised cross-entropy")
def generalized_cross_entropy(my_gce: Callable[..., Any]) -> None:
    r"""Check ``my_gce(input, target, q)``, the generalised cross-entropy and its gradient.

    The loss of one row is :math:`(1 - p_y^{\,q})/q` with :math:`p = \operatorname{softmax}(z)`;
    ``my_gce`` returns the mean over the rows and its gradient with respect to the
    logits, :math:`p_y^{\,q}\,(p - e_y)/N` per row.

    The student's function takes logits ``input`` (N, C), class indices ``target`` (N,) and
    ``q`` in (0, 1]; it returns ``(loss, grad)``, a number and an (N, C) array.

    """
    __tracebackhide__ = True
    require_function(my_gce)
    rows = np.array([[2.0, 1.0, 0.0], [0.5, -1.0, 3.0], [0.0, 0.0, 0.0]])
    rows_t = np.array([0, 2, 1])
    grad_z = np.array([[1.5, -0.5, 0.2], [-1.0, 2.0, 0.0]])
    grad_t = np.array([2, 1])
    huge = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 - 1.0, -1e4 - 2.0]])
    huge_t = np.array([2, 0])
    stable = (
        "compute a stable log-softmax (subtract each row's largest logit) and "
        "p_y**q as np.exp(q * log p_y), never p = exp(z) / sum(exp(z))"
    )
    loss_cases = [
        _gce_case(
            np.zeros((1, 3)),
            np.array([1]),
            0.5,
            0,
            "for logits [[0, 0, 0]], target [1] and q = 0.5 (so p_y = 1/3) the loss",
            "the loss of a row is (1 - p_y**q) / q, with p = softmax(z) and p_y "
            "the probability of the target class",
        ),
        _gce_case(
            rows,
            rows_t,
            0.7,
            0,
            f"for the 3 rows of logits {describe(rows)}, target [0, 2, 1], q = 0.7, the loss",
            "the loss is the MEAN of (1 - p_y**q) / q over the rows, not the sum; take "
            "each row's target entry with logp[np.arange(N), target]",
        ),
        _gce_case(
            rows,
            rows_t,
            1.0,
            0,
            "at q = 1, where each row's loss is 1 - p_y, the loss",
            "use the q passed in, and divide by q",
        ),
        _gce_case(
            rows,
            rows_t,
            1e-4,
            0,
            "at q = 1e-4, close to the cross-entropy, the loss",
            "as q -> 0 the loss must approach the cross-entropy -log p_y; compute "
            "p_y**q as np.exp(q * log p_y) (or 1 - p_y**q as -np.expm1(q * log p_y))",
        ),
        _gce_case(
            huge,
            huge_t,
            0.5,
            0,
            f"for logits of size 1e4, {describe(huge)}, target [2, 0], q = 0.5, the loss",
            stable,
        ),
    ]
    check_cases(_pair_part(my_gce, 0), loss_cases)
    gradient = (
        "the gradient of a row's loss with respect to its logits is p_y**q * (p - onehot(y)), "
        "the cross-entropy gradient p - onehot(y) weighted by p_y**q; divide by N for the mean"
    )
    grad_cases = [
        _gce_case(
            grad_z,
            grad_t,
            0.7,
            1,
            f"for logits {describe(grad_z)}, target [2, 1], q = 0.7, the gradient",
            gradient,
        ),
        _gce_case(
            huge,
            huge_t,
            0.5,
            1,
            "for logits of size 1e4 the gradient",
            stable,
        ),
    ]
    check_cases(_pair_part(my_gce, 1), grad_cases)
