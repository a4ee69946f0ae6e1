r"""Checkers for the exercises of chapter 5, "Losses in practice".

Functions
---------
per_class_recall
    Checks ``my_recall(y_true, y_pred)``: the recall of every class.
info_nce
    Checks ``my_info_nce(sim, tau=1.0)``: the InfoNCE loss of a similarity matrix
    whose diagonal holds the positive pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    ExerciseFailed,
    call,
    check_array,
    check_each,
    check_finite,
    check_scalar,
    close,
    exercise,
    expect,
    fail,
)

__all__ = ["ExerciseFailed", "info_nce", "per_class_recall"]


def _fmt(v: Any) -> str:
    return np.array2string(np.asarray(v, dtype=float), precision=4, separator=", ")


# ------------------------------------------------------------------ per_class_recall
def _recall(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    return np.array([np.mean(y_pred[y_true == c] == c) for c in range(k)])


@exercise("Recall per class")
def per_class_recall(my_recall: Callable[..., Any]) -> str:
    """Check ``my_recall(y_true, y_pred)``, the recall of each class ``0 .. K-1``.

    ``K`` is the number of classes, ``max(y_true) + 1``; every class occurs in
    ``y_true`` in the cases used.

    """
    __tracebackhide__ = True
    cases = [
        ([0, 0, 1, 1], [0, 0, 1, 1]),  # perfect
        ([0, 0, 0, 1], [0, 0, 0, 0]),  # majority vote: recall 1 and 0
        ([0, 0, 0, 0, 1, 1], [0, 1, 0, 0, 1, 0]),
        ([0, 1, 2, 2, 1, 0], [0, 2, 2, 1, 1, 1]),  # three classes
        ([1, 1, 1, 0], [1, 0, 0, 0]),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        t, p = case
        yt, yp = np.array(t), np.array(p)
        shown = f"my_recall(y_true={t}, y_pred={p})"
        got = check_array(call(my_recall, yt.copy(), yp.copy()), shown)
        k = int(yt.max()) + 1
        want = _recall(yt, yp, k)
        if close(got, want):
            return
        precision = np.array(
            [np.mean(yt[yp == c] == c) if np.any(yp == c) else np.nan for c in range(k)]
        )
        swapped = np.array(
            [np.mean(yt[yp == c] == c) if np.any(yp == c) else 0.0 for c in range(k)]
        )
        hints = [
            (
                np.full(k, np.mean(yt == yp)),
                "this is the overall accuracy repeated for each "
                "class; recall divides the hits of class c by the number of examples whose "
                "TRUE class is c.",
            ),
            (
                float(np.mean(yt == yp)),
                "you returned one number, the accuracy; return one recall per class, as an array.",
            ),
            (
                precision,
                "this is the precision (hits divided by the number of PREDICTIONS of "
                "class c); recall divides by the number of true examples of class c.",
            ),
            (swapped, "this looks like the arguments swapped: y_true comes first."),
            (
                np.array([np.sum((yt == c) & (yp == c)) for c in range(k)], dtype=float),
                "these are counts of hits; divide each by the number of examples of that class.",
            ),
        ]
        hint = next(
            (
                h
                for v, h in hints
                if np.shape(got) == np.shape(v) and np.allclose(got, v, equal_nan=True)
            ),
            "for each class c, take the examples with y_true == c and compute the "
            "fraction predicted as c.",
        )
        if got.shape != want.shape:
            hint = (
                f"expected one recall per class, shape {want.shape}, got shape {got.shape}: " + hint
            )
        fail(f"{shown} should be {_fmt(want)}, yours gave {_fmt(got)}", hint)

    check_each(cases, _one)
    return f"Recall per class: correct on all {len(cases)} cases."


# ------------------------------------------------------------------ info_nce
def _info_nce(sim: np.ndarray, tau: float) -> float:
    s = sim / tau
    m = s.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(s - m).sum(axis=1))
    return float(np.mean(lse - np.diag(s)))


@exercise("InfoNCE")
def info_nce(my_info_nce: Callable[..., Any]) -> str:
    r"""Check ``my_info_nce(sim, tau=1.0)``, the InfoNCE loss.

    Row ``i`` of ``sim`` holds the similarities of anchor ``i`` with every candidate;
    the positive is candidate ``i``. The loss is the mean over rows of
    :math:`-\log \operatorname{softmax}(s_i / \tau)_i`.

    """
    __tracebackhide__ = True
    rng = np.random.default_rng(5)
    cases = [
        (np.zeros((4, 4)), 1.0, "all similarities equal: the loss is log N = log 4"),
        (np.eye(3) * 2.0, 1.0, None),
        (np.array([[1.0, 0.5], [0.2, 0.9]]), 1.0, None),
        (np.array([[1.0, 0.5, 0.0], [0.3, 0.8, 0.1], [0.9, 0.2, 0.4]]), 0.5, None),
        (rng.normal(size=(5, 5)), 0.1, None),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        sim, tau, what = case
        shown = f"my_info_nce(sim={_fmt(sim)}, tau={tau})"
        got = check_scalar(call(my_info_nce, sim.copy(), tau=tau), shown)
        want = _info_nce(sim, tau)
        n = sim.shape[0]
        hints = [
            (
                _info_nce(sim, 1.0),
                "tau seems to be ignored: divide the similarities by tau before the softmax.",
            ),
            (
                _info_nce(sim.T, tau),
                "this uses the columns instead of the rows: row i holds "
                "anchor i's similarities to every candidate.",
            ),
            (n * want, "this is the sum over anchors; take the mean."),
            (-want, "the sign is flipped: the loss is MINUS the log-probability of the positive."),
            (_info_nce(sim * tau, 1.0), "you multiplied by tau; divide by it."),
        ]
        expect(
            got,
            want,
            what or shown,
            hints,
            "for each row, subtract log-sum-exp of the row from its diagonal entry, "
            "negate, then average over rows.",
            wording="{what}: expected {expected}, yours gave {got}",
        )

    def _tail() -> None:
        __tracebackhide__ = True
        big = np.array([[1000.0, 0.0], [0.0, 1000.0]])
        got = call(my_info_nce, big.copy(), tau=1.0)
        check_finite(
            got,
            "my_info_nce on similarities of size 1000",
            "exp(1000) overflows: subtract the largest entry of each row first "
            "(the log-sum-exp trick).",
        )
        if not close(check_scalar(got, "my_info_nce"), 0.0):
            fail(
                f"for similarities [[1000, 0], [0, 1000]] the loss is 0, yours gave {got}",
                "with the log-sum-exp trick the answer stays exact.",
            )

    check_each(cases, _one, then=[_tail])
    return f"InfoNCE: correct on all {len(cases) + 1} cases, including very large similarities."
