r"""Checkers for the exercises of chapter 6, "Regularised, composite and multi-task objectives".

Each checker calls the student's function on independent, hand-computed cases (one
point each in the grader) and, when a wrong value matches a typical mistake, says which.

Functions
---------
soft_threshold
    Checks ``my_soft_threshold(v, tau)``: the proximal operator of ``tau * ||.||_1``.
giou
    Checks ``my_giou(boxes, targets)``: the GIoU loss of each pair of boxes ``(n, 4)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import Case, ExerciseFailed, call, check_array, check_value, exercise

__all__ = ["ExerciseFailed", "giou", "soft_threshold"]

_RTOL = 1e-6
_ATOL = 1e-9


def _matches(got: np.ndarray, value: np.ndarray) -> bool:
    return got.shape == value.shape and bool(np.allclose(got, value, rtol=_RTOL, atol=_ATOL))


def _run_case(func: Callable, case: Case, mistakes: list[tuple[np.ndarray, str]]) -> None:
    """One independent case: the student's array must equal ``case.expected``."""
    __tracebackhide__ = True
    what = case.what or "the result"
    got = check_array(call(func, *case.args, **case.kwargs), what)
    expected = np.asarray(case.expected, dtype=float)
    hint = case.hint
    if not _matches(got, expected):
        hint = next((h for value, h in mistakes if _matches(got, value)), case.hint)
    check_value(got, expected, what, hint, rtol=_RTOL, atol=_ATOL)


# ------------------------------------------------------------------- soft_threshold
def _soft(v: np.ndarray, tau: float) -> np.ndarray:
    return np.sign(v) * np.maximum(np.abs(v) - tau, 0.0)


@exercise("Soft-thresholding")
def soft_threshold(my_soft_threshold: Callable[..., Any]) -> None:
    """Check ``my_soft_threshold(v, tau)`` = ``sign(v) * max(|v| - tau, 0)`` elementwise.

    Parameters
    ----------
    my_soft_threshold : callable
        The student's function.

    Raises
    ------
    ExerciseFailed
        Naming the first case that fails and the likely mistake.

    Examples
    --------
    >>> import numpy as np
    >>> soft_threshold(lambda v, tau: np.sign(v) * np.maximum(np.abs(v) - tau, 0.0))
    ✔ Soft-thresholding: correct (8 checks passed).

    """
    __tracebackhide__ = True
    cases = [
        ([3.0, -0.5, 0.2, -2.0], 1.0, "entries beyond tau move tau towards 0, the others become 0"),
        ([0.7, -0.7, 0.0], 0.0, "with tau = 0 the operator returns v unchanged"),
        ([[1.5, -4.0], [0.25, -0.3]], 0.5, "the operator works elementwise, on any shape"),
        ([10.0, -10.0, 2.0], 25.0, "a threshold larger than every |v_j| gives all zeros"),
    ]
    for v, tau, hint in cases:
        arr = np.array(v)
        case = Case(
            (arr, tau), _soft(arr, tau), hint=hint, what=f"my_soft_threshold({v}, tau={tau})"
        )
        mistakes = [
            (
                arr - tau * np.sign(arr),
                "this is a subgradient step, v - tau * sign(v): it overshoots past 0 for small "
                "|v|; clamp the magnitude at 0 with max(|v| - tau, 0)",
            ),
            (
                np.where(np.abs(arr) > tau, arr, 0.0),
                "this is hard thresholding: entries beyond tau must also shrink by tau",
            ),
            (
                np.maximum(np.abs(arr) - tau, 0.0),
                "the magnitudes are right but the signs are lost: multiply by sign(v)",
            ),
            (
                np.maximum(arr - tau, 0.0),
                "negative entries must shrink towards 0 too: work with |v| and put the sign back",
            ),
        ]
        _run_case(my_soft_threshold, case, mistakes)


# ----------------------------------------------------------------------------- giou
def _giou_parts(b: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
    iw_raw = np.minimum(b[:, 2], t[:, 2]) - np.maximum(b[:, 0], t[:, 0])
    ih_raw = np.minimum(b[:, 3], t[:, 3]) - np.maximum(b[:, 1], t[:, 1])
    inter = np.clip(iw_raw, 0, None) * np.clip(ih_raw, 0, None)
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    area_t = (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
    union = area_b + area_t - inter
    hull = (np.maximum(b[:, 2], t[:, 2]) - np.minimum(b[:, 0], t[:, 0])) * (
        np.maximum(b[:, 3], t[:, 3]) - np.minimum(b[:, 1], t[:, 1])
    )
    return {
        "inter": inter,
        "union": union,
        "hull": hull,
        "raw": iw_raw * ih_raw,
        "area_b": area_b,
        "area_t": area_t,
    }


def _giou_ref(b: np.ndarray, t: np.ndarray) -> np.ndarray:
    p = _giou_parts(b, t)
    return 1 - p["inter"] / p["union"] + (p["hull"] - p["union"]) / p["hull"]


@exercise("The GIoU loss")
def giou(my_giou: Callable[..., Any]) -> None:
    """Check ``my_giou(boxes, targets)``: per-pair GIoU losses of ``(n, 4)`` box arrays.

    Parameters
    ----------
    my_giou : callable
        The student's function.

    Raises
    ------
    ExerciseFailed
        Naming the first case that fails and the likely mistake.

    Examples
    --------
    >>> from lossviz import losses
    >>> giou(lambda b, t: losses.giou(b, t, eps=0.0, reduction="none"))
    ✔ The GIoU loss: correct (8 checks passed).

    """
    __tracebackhide__ = True
    cases = [
        (
            [[0.0, 0.0, 2.0, 2.0]],
            [[1.0, 0.0, 3.0, 2.0]],
            "overlapping boxes: IoU = 2/6 and the enclosing box 3 x 2 has 6 - 6 = 0 empty area",
            "overlapping boxes",
        ),
        (
            [[3.0, 0.0, 5.0, 2.0]],
            [[0.0, 0.0, 2.0, 2.0]],
            "disjoint boxes: the intersection is 0, the enclosing box is 5 x 2 and 2 of its 10 "
            "units are empty",
            "boxes apart in x",
        ),
        (
            [[3.0, 3.0, 4.0, 4.0], [0.5, 0.5, 1.5, 1.5]],
            [[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]],
            "the first pair is disjoint in x AND y: both overlap widths are negative, so clamp "
            "each at 0 before multiplying",
            "two pairs, one disjoint in both directions",
        ),
        (
            [[0.0, 0.0, 4.0, 1.0], [-2.0, -1.0, 0.0, 3.0]],
            [[1.0, 0.0, 2.0, 3.0], [1.0, 1.0, 2.0, 2.0]],
            "a wide box across a tall one, and boxes with negative coordinates",
            "crossing boxes",
        ),
    ]
    for b, t, hint, label in cases:
        bb, tt = np.array(b), np.array(t)
        p = _giou_parts(bb, tt)
        case = Case((bb, tt), _giou_ref(bb, tt), hint=hint, what=f"for {label}, my_giou(...)")
        mistakes = [
            (
                1 - p["inter"] / p["union"],
                "this is the IoU loss 1 - IoU: add the empty fraction of the enclosing box, "
                "(A_C - U) / A_C",
            ),
            (
                1
                - p["raw"] / (p["area_b"] + p["area_t"] - p["raw"])
                + (p["hull"] - (p["area_b"] + p["area_t"] - p["raw"])) / p["hull"],
                "the overlap widths must be clamped at 0: for boxes disjoint in both directions "
                "two negative widths multiply to a positive 'intersection'",
            ),
            (
                1 - p["inter"] / p["union"] + (p["hull"] - p["inter"]) / p["hull"],
                "the penalty is the part of the enclosing box outside the UNION, (A_C - U) / A_C, "
                "not outside the intersection",
            ),
            (
                p["inter"] / p["union"] - (p["hull"] - p["union"]) / p["hull"],
                "this is GIoU itself, IoU - (A_C - U)/A_C; the loss is 1 - GIoU",
            ),
        ]
        _run_case(my_giou, case, mistakes)
