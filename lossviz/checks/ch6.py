r"""Checkers for the exercises of chapter 6, "Regularised, composite and multi-task objectives".

Each checker calls the student's function on independent, hand-computed cases (one
point each in the grader) and, when a wrong value matches a typical mistake, says which.

Functions
---------
soft_threshold
    Checks ``my_soft_threshold(v, tau)``: the proximal operator of ``tau * ||.||_1``.
giou
    Checks ``my_giou(boxes, targets)``: the GIoU loss of each pair of boxes ``(n, 4)``.
adamw_step
    Checks ``my_adamw_step(w, grad, m, v, t, lr, weight_decay)``: one step of AdamW.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    Case,
    ExerciseFailed,
    call,
    check_case,
    check_each,
    check_value,
    exercise,
    fail,
)

__all__ = ["ExerciseFailed", "adamw_step", "giou", "soft_threshold"]


# ------------------------------------------------------------------- soft_threshold
def _soft(v: np.ndarray, tau: float) -> np.ndarray:
    return np.sign(v) * np.maximum(np.abs(v) - tau, 0.0)


@exercise("Soft-thresholding")
def soft_threshold(my_soft_threshold: Callable[..., Any]) -> None:
    """Check ``my_soft_threshold(v, tau)`` = ``sign(v) * max(|v| - tau, 0)`` elementwise.

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

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        v, tau, hint = item
        arr = np.array(v)
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
        what = f"my_soft_threshold({v}, tau={tau})"
        case = Case((arr, tau), _soft(arr, tau), hint=hint, what=what, mistakes=mistakes)
        check_case(my_soft_threshold, case)

    check_each(cases, one)


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

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        b, t, hint, label = item
        bb, tt = np.array(b), np.array(t)
        p = _giou_parts(bb, tt)
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
        what = f"for {label}, my_giou(...)"
        check_case(my_giou, Case((bb, tt), _giou_ref(bb, tt), hint, what=what, mistakes=mistakes))

    check_each(cases, one)


# ----------------------------------------------------------------------- adamw_step
def _adam_parts(w, g, m, v, t, lr, b1, b2, eps, bias=True):
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g * g
    m_hat = m_new / (1 - b1**t) if bias else m_new
    v_hat = v_new / (1 - b2**t) if bias else v_new
    return m_new, v_new, lr * m_hat / (np.sqrt(v_hat) + eps)


def _adamw_ref(w, g, m, v, t, lr, wd, b1=0.9, b2=0.999, eps=1e-8):
    m_new, v_new, step = _adam_parts(w, g, m, v, t, lr, b1, b2, eps)
    return (1 - lr * wd) * w - step, m_new, v_new


@exercise("One AdamW step")
def adamw_step(my_adamw_step: Callable[..., Any]) -> None:
    """Check ``my_adamw_step(w, grad, m, v, t, lr, weight_decay)`` -> ``(w, m, v)``.

    The step of ``torch.optim.AdamW`` with ``betas=(0.9, 0.999)`` and ``eps=1e-8``:
    decay the weights by ``1 - lr * weight_decay``, update the moments with ``grad``,
    and take the bias-corrected Adam step.

    Examples
    --------
    >>> adamw_step(_adamw_ref)
    ✔ One AdamW step: correct (24 checks passed).

    """
    __tracebackhide__ = True
    cases = [
        (
            "the first step (t = 1, zero moments)",
            ([1.0, -2.0], [0.5, 0.1], [0.0, 0.0], [0.0, 0.0], 1, 0.1, 0.01),
        ),
        (
            "a later step (t = 3) with running moments",
            (
                [0.3, 4.0, -1.0],
                [-0.2, 1.5, 0.0],
                [0.1, 0.4, -0.05],
                [0.02, 0.3, 0.001],
                3,
                0.05,
                0.2,
            ),
        ),
        (
            "weight_decay = 0, which is plain Adam",
            ([2.0, -0.5], [1.0, -3.0], [0.2, -0.1], [0.5, 0.4], 7, 0.01, 0.0),
        ),
        (
            "a zero gradient, where only the decay and the moments' memory act",
            ([5.0, -5.0], [0.0, 0.0], [0.1, -0.1], [0.04, 0.04], 2, 0.1, 0.5),
        ),
    ]

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        label, (w, g, m, v, t, lr, wd) = item
        args = tuple(np.array(a, dtype=float) for a in (w, g, m, v)) + (t, lr, wd)
        wa, ga, ma, va = args[:4]
        want = _adamw_ref(wa, ga, ma, va, t, lr, wd)
        m1, v1, step = _adam_parts(wa, ga, ma, va, t, lr, 0.9, 0.999, 1e-8)
        g_l2 = ga + wd * wa
        m2, v2, step_l2 = _adam_parts(wa, g_l2, ma, va, t, lr, 0.9, 0.999, 1e-8)
        _, _, step_nobias = _adam_parts(wa, ga, ma, va, t, lr, 0.9, 0.999, 1e-8, bias=False)
        mistakes = [
            (
                wa - step_l2,
                "this is Adam with an L2 penalty (torch.optim.Adam's weight_decay): the decay "
                "went into the gradient; AdamW shrinks the weights directly, "
                "w * (1 - lr * weight_decay)",
            ),
            (
                (1 - lr * wd) * (wa - step),
                "the decay was applied after the Adam step; PyTorch's AdamW shrinks the weights "
                "first, then subtracts the step computed from the old weights' gradient",
            ),
            (
                (1 - wd) * wa - step,
                "the decay per step is lr * weight_decay, not weight_decay alone",
            ),
            (
                (1 - lr * wd) * wa - step_nobias,
                "the moments need bias correction: divide m by 1 - beta1**t and v by 1 - beta2**t",
            ),
        ]
        result = call(my_adamw_step, *args)
        if not (isinstance(result, tuple) and len(result) == 3):
            fail(
                f"for {label}, my_adamw_step returned {type(result).__name__}",
                "return a tuple (new_w, new_m, new_v) of three arrays",
            )
        names = ("the new weights", "the new first moment m", "the new second moment v")
        moments = (
            "m = beta1 * m + (1 - beta1) * grad and v = beta2 * v + (1 - beta2) * "
            "grad**2, with the gradient of the loss alone (no decay term)"
        )
        for k, (got, expected, name) in enumerate(zip(result, want, names, strict=True)):
            what = f"for {label}, {name}"
            if k == 0:  # the weights: a wrong value may be a known mistake
                check_value(got, expected, what, mistakes=mistakes)
            else:
                check_value(got, expected, what, moments)

    check_each(cases, one)
