r"""Checkers for the exercises of chapter 7, "Losses for sequences".

Functions
---------
masked_ce
    Checks ``my_masked_ce(logits, targets, ignore_index=-100)``: the mean token
    cross-entropy over the non-ignored positions of batch-first ``(N, T, V)`` logits.
ctc
    Checks ``my_ctc(log_probs, target, blank=0)``: the CTC loss of one ``(T, C)``
    sequence, computed in log space.

Every case is independent (its own :class:`Case`), and each hint names the known
mistake whose value that case would produce.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import Case, ExerciseFailed, check_cases, exercise

__all__ = ["ExerciseFailed", "ctc", "masked_ce"]


# ------------------------------------------------------------------ masked_ce
def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _token_nll(logits: np.ndarray, targets: np.ndarray, ignore_index: int) -> np.ndarray:
    """Per-position NLL (N, T), 0 where the target is ignored."""
    keep = targets != ignore_index
    logp = _log_softmax(logits)
    picked = np.take_along_axis(logp, np.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    return np.where(keep, -picked, 0.0)


def _masked_case(logits, targets, ignore_index=-100, what=""):
    nll = _token_nll(logits, targets, ignore_index)
    keep = targets != ignore_index
    want = float(nll.sum() / keep.sum())
    wrong = {
        "divided by all N*T positions, padding included": float(nll.mean()),
        "averaged the per-sequence means": float(np.mean(nll.sum(1) / keep.sum(1))),
    }
    hint = "; ".join(f"{v:.6g} would mean you {k}" for k, v in wrong.items())
    hint += (
        ". Divide the summed loss of the real tokens by their count, with the "
        "vocabulary on the LAST axis of logits."
    )
    kwargs = {} if ignore_index == -100 else {"ignore_index": ignore_index}
    return Case((logits, targets), want, kwargs=kwargs, what=what, hint=hint, rtol=1e-7)


@exercise("Masked token cross-entropy")
def masked_ce(my_masked_ce: Callable[..., Any]) -> None:
    """Check ``my_masked_ce(logits, targets, ignore_index=-100)``.

    ``logits`` is ``(N, T, V)`` (vocabulary last), ``targets`` ``(N, T)`` with
    ``ignore_index`` at padding; the answer is the mean NLL over real tokens.

    """
    __tracebackhide__ = True
    rng = np.random.default_rng(70)
    z1 = np.array([[[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]], [[0.0, 1.0, 3.0], [1.0, 0.0, 0.0]]])
    t1 = np.array([[0, 2], [1, -100]])
    z2 = rng.normal(size=(3, 6, 5))
    t2 = rng.integers(0, 5, size=(3, 6))
    t2[0, 4:] = -100
    t2[1, 1:] = -100
    z3 = rng.normal(size=(2, 4, 4)) * 1000.0  # T == V: the axes must still be right
    t3 = np.array([[3, 1, -1, -1], [0, -1, -1, -1]])
    cases = [
        _masked_case(z1, t1, what="for a 2 x 2 batch with one padded position, the loss"),
        _masked_case(z2, t2, what="for a 3 x 6 batch of unequal lengths, the loss"),
        _masked_case(
            z3,
            t3,
            ignore_index=-1,
            what="with ignore_index=-1 and logits of size 1000 (T = V = 4), the loss",
        ),
    ]
    check_cases(my_masked_ce, cases)


# ------------------------------------------------------------------------ ctc
def _ctc_reference(
    lp: np.ndarray, target: list[int], blank: int = 0, *, skip_repeats: bool = False
) -> float:
    """Return the CTC loss by the log-space forward recursion (trusted side).

    ``skip_repeats=True`` reproduces the usual mistake: allowing the skip between two
    equal labels, which counts paths that collapse to a single copy.
    """
    ext = [blank]
    for label in target:
        ext += [label, blank]
    alpha = np.full(len(ext), -np.inf)
    alpha[: min(2, len(ext))] = lp[0, ext[: min(2, len(ext))]]
    for t in range(1, len(lp)):
        prev = alpha
        alpha = np.full(len(ext), -np.inf)
        for s in range(len(ext)):
            a = prev[s]
            if s >= 1:
                a = np.logaddexp(a, prev[s - 1])
            if s >= 2 and ext[s] != blank and (skip_repeats or ext[s] != ext[s - 2]):
                a = np.logaddexp(a, prev[s - 2])
            alpha[s] = a + lp[t, ext[s]]
    total = alpha[-1] if len(ext) == 1 else np.logaddexp(alpha[-1], alpha[-2])
    return float(-total)


def _ctc_case(
    lp: np.ndarray, target: list[int], what: str, hint: str, blank: int = 0, rtol: float = 1e-6
) -> Case:
    """Return the case ``my_ctc(lp, target[, blank=blank])``, expected by the reference."""
    kwargs = {"blank": blank} if blank else {}
    expected = _ctc_reference(lp, target, blank)
    return Case((lp, target), expected, hint, kwargs=kwargs, what=what, rtol=rtol)


@exercise("The CTC loss in log space")
def ctc(my_ctc: Callable[..., Any]) -> None:
    """Check ``my_ctc(log_probs, target, blank=0)`` for one ``(T, C)`` sequence."""
    __tracebackhide__ = True
    rng = np.random.default_rng(71)
    lp1 = np.log(np.full((2, 2), 0.5))
    lp2 = _log_softmax(rng.normal(size=(5, 3)))
    lp3 = _log_softmax(rng.normal(size=(4, 3)))
    lp4 = _log_softmax(rng.normal(size=(6, 4)))
    lp5 = np.full((2000, 3), -math.log(3.0))
    wrong_repeat = _ctc_reference(lp2, [1, 1], skip_repeats=True)
    cases = [
        Case(
            (lp1, [1]),
            -math.log(0.75),
            what="for 2 frames at probability 1/2 and the target [1] (3 alignments), the loss",
            hint="the alignments are (1, blank), (blank, 1) and (1, 1): -log(3/4)",
        ),
        _ctc_case(
            lp2,
            [1, 1],
            "for a repeated label [1, 1] in 5 frames, the loss",
            f"{wrong_repeat:.6g} would mean you allowed the skip between two equal "
            "labels; a repeated label must pass through the blank between its copies",
        ),
        Case(
            (lp3, []),
            float(-lp3[:, 0].sum()),
            what="for an empty target, the loss",
            hint="with no labels the only path is all blanks: -sum of log_probs[:, blank]",
        ),
        _ctc_case(
            lp4, [3, 1], "with blank=2, the loss", "use the blank argument, not the index 0", 2
        ),
        _ctc_case(
            lp5,
            [1, 2],
            "for 2000 frames (probabilities underflow), the loss",
            "work with log-alpha and np.logaddexp; in probability space every "
            "alpha underflows to 0 and the loss becomes inf",
            rtol=1e-9,
        ),
    ]
    check_cases(my_ctc, cases)
