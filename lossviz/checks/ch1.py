"""Checkers for the exercises of chapter 1, "What is a loss function?".

Each checker calls the student's function on a few hand-computed cases and
edge cases. It prints one short confirmation when every case is right and
raises :class:`ExerciseFailed` with a specific hint when one is not.

Functions
---------
empirical_risk
    Checks ``my_risk(w, b, x, y)``: the mean squared error of the line ``w x + b``.
mae
    Checks ``my_mae(input, target)``: the mean absolute error.
objective
    Checks ``my_objective(w, b, x, y, lam)``: empirical risk plus ``lam * w**2``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    ExerciseFailed,
    call,
    check_each,
    check_scalar,
    exercise,
    expect,
    require_function,
)

__all__ = ["ExerciseFailed", "empirical_risk", "mae", "objective"]


#: The data of the two line exercises: the points (0, 1), (1, 3), (2, 5), on y = 2 x + 1.
_LINE_X = [0.0, 1.0, 2.0]
_LINE_Y = [1.0, 3.0, 5.0]


def _arr(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=float)


# --------------------------------------------------------------------- empirical_risk
def _risk(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((w * x + b - y) ** 2))


@exercise("The risk of a line")
def empirical_risk(my_risk: Callable[..., Any]) -> str:
    """Check ``my_risk(w, b, x, y)``, the mean squared error of the line ``w * x + b``."""
    __tracebackhide__ = True
    require_function(my_risk)
    x, y = _arr(_LINE_X), _arr(_LINE_Y)
    cases = [
        # (w, b, x, y): the exact line, no model at all, slope only, intercept only
        (2.0, 1.0, x, y),
        (0.0, 0.0, x, y),
        (2.0, 0.0, x, y),
        (0.0, 2.0, x, y),
        (1.5, -0.5, _arr([4.0]), _arr([2.0])),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        w, b, xs, ys = case
        shown = f"my_risk(w={w:g}, b={b:g}, x={xs.tolist()}, y={ys.tolist()})"
        got = check_scalar(call(my_risk, w, b, xs.copy(), ys.copy()), shown)
        want = _risk(w, b, xs, ys)
        r = w * xs + b - ys
        hints = [
            (
                float(np.sum(r**2)),
                "this is the sum of the squared residuals; the empirical "
                "risk is their mean (divide by the number of samples).",
            ),
            (
                float(0.5 * np.mean(r**2)),
                "this is half the mean squared error; the chapter's risk has no factor 1/2.",
            ),
            (
                float(np.sqrt(np.mean(r**2))),
                "this is the square root of the mean squared error (RMSE); drop the square root.",
            ),
            (
                float(np.mean(np.abs(r))),
                "this is the mean absolute residual; square each residual before averaging.",
            ),
            (
                float(np.mean(r)),
                "this is the mean residual, where positive and negative "
                "errors cancel; square each residual before averaging.",
            ),
            (
                float(np.mean(r) ** 2),
                "this squares the mean residual; square each residual first, then average.",
            ),
            (
                _risk(b, w, xs, ys),
                "this looks like the risk of the line b * x + w: are w "
                "(the slope) and b (the intercept) swapped?",
            ),
        ]
        expect(
            got,
            want,
            shown,
            hints,
            "compute the residuals w * x + b - y, square them and take their mean.",
        )

    check_each(cases, _one)
    return f"The risk of a line: correct on all {len(cases)} cases."


# --------------------------------------------------------------------- mae
@exercise("Mean absolute error")
def mae(my_mae: Callable[..., Any]) -> str:
    """Check ``my_mae(input, target)``, the mean absolute error."""
    __tracebackhide__ = True
    require_function(my_mae)
    cases = [
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
        ([0.0], [2.0]),
        ([1.0, -1.0], [0.0, 0.0]),
        ([3.0, 0.0], [0.0, 0.0]),
        ([0.5, 2.0, -1.0, 4.0], [1.0, 2.0, 1.0, 0.0]),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        inp, tgt = case
        shown = f"my_mae({inp}, {tgt})"
        got = check_scalar(call(my_mae, _arr(inp), _arr(tgt)), shown)
        r = _arr(inp) - _arr(tgt)
        want = float(np.mean(np.abs(r)))
        hints = [
            (
                float(np.sum(np.abs(r))),
                "this is the sum of the absolute errors; take their mean instead.",
            ),
            (
                float(np.mean(r**2)),
                "this is the mean squared error; use the absolute value "
                "of each error instead of its square.",
            ),
            (
                float(np.mean(r)),
                "positive and negative errors cancel here: take the absolute "
                "value of each error before averaging.",
            ),
            (
                float(abs(np.mean(r))),
                "this is the absolute value of the mean error; take the "
                "absolute value of each error first, then average.",
            ),
        ]
        expect(got, want, shown, hints, "average |input - target| over the samples.")

    def _tail() -> None:
        __tracebackhide__ = True
        # the API contract: a plain number for list input too
        shown = "my_mae([1.0, 4.0], [2.0, 2.0])"
        got = check_scalar(call(my_mae, [1.0, 4.0], [2.0, 2.0]), f"{shown} with lists")
        expect(
            got,
            1.5,
            f"{shown} with Python lists",
            default="convert the inputs with np.asarray before subtracting.",
        )

    check_each(cases, _one, then=[_tail])
    return f"Mean absolute error: correct on all {len(cases) + 1} cases."


# --------------------------------------------------------------------- objective
@exercise("Adding a regulariser")
def objective(my_objective: Callable[..., Any]) -> str:
    """Check ``my_objective(w, b, x, y, lam)``: the empirical risk plus ``lam * w**2``."""
    __tracebackhide__ = True
    require_function(my_objective)
    x, y = _arr(_LINE_X), _arr(_LINE_Y)
    cases = [
        (2.0, 1.0, 0.0),  # no penalty: the plain risk, here 0
        (2.0, 1.0, 0.5),  # perfect fit: only the penalty 0.5 * 4 = 2
        (-1.0, 3.0, 0.1),  # a negative slope: the penalty must still be positive
        (1.0, 1.0, 2.0),
        (0.0, 3.0, 10.0),  # zero slope: no penalty, however large lam
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        w, b, lam = case
        shown = f"my_objective(w={w:g}, b={b:g}, x={x.tolist()}, y={y.tolist()}, lam={lam:g})"
        got = check_scalar(call(my_objective, w, b, x.copy(), y.copy(), lam), shown)
        risk = _risk(w, b, x, y)
        want = risk + lam * w**2
        hints = [
            (risk, "this is the risk alone; add the penalty lam * w**2."),
            (
                lam * w**2,
                "this is the penalty alone; add the empirical risk (the mean "
                "squared error of the line).",
            ),
            (
                risk + lam * (w**2 + b**2),
                "the intercept b is penalised too; in this chapter only the slope w is.",
            ),
            (risk + lam * abs(w), "this uses lam * |w|; the chapter's penalty is lam * w**2."),
            (risk + lam * w, "this uses lam * w, which rewards negative slopes; square w."),
            (risk + w**2, "lam is missing: the penalty is lam * w**2."),
            (
                float(np.sum((w * x + b - y) ** 2)) + lam * w**2,
                "the risk part is a sum; it should be the mean over the samples.",
            ),
            (
                risk + lam * w**2 / x.size,
                "the penalty is divided by the number of samples; it is added once, not averaged.",
            ),
        ]
        expect(got, want, shown, hints, "return mean((w * x + b - y)**2) + lam * w**2.")

    check_each(cases, _one)
    return f"Adding a regulariser: correct on all {len(cases)} cases."
