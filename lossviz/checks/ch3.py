"""Checkers for the exercises of chapter 3, "Choosing a loss".

Each checker calls the student's function on a few hand-computed cases. A
correct answer prints one confirmation line; a wrong one raises
:class:`~lossviz.checks.ExerciseFailed` naming the case and, when the wrong
value matches a typical mistake (a sum instead of a mean, a missing factor,
PyTorch's ``smooth_l1`` instead of Huber, ...), saying which.

Functions
---------
huber
    Checks ``my_huber(input, target, delta=1.0)``: the mean Huber loss.
focal
    Checks ``my_focal(logits, targets, gamma=2.0)``: the mean binary focal loss on logits.
dice
    Checks ``my_dice(probs, mask, smooth=1.0)``: the soft Dice loss of a whole mask.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    call,
    check_each,
    check_scalar,
    check_value,
    exercise,
    fail,
    require_function,
    shown_call,
)

__all__ = ["dice", "focal", "huber"]


def _check_default(
    func: Callable, name: str, args: tuple, expected: float, option: str, hint: str
) -> None:
    """One case: the student's function called without ``option`` must use its default."""
    __tracebackhide__ = True
    shown = shown_call(name, args, {})
    got = check_scalar(call(func, *args), shown)
    check_value(got, expected, f"{shown} (default {option})", hint)


# ----------------------------------------------------------------------------- huber
def _huber_ref(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))


@exercise("Huber loss")
def huber(my_huber: Callable[..., Any]) -> None:
    """Check ``my_huber(input, target, delta=1.0)``, the mean Huber loss.

    Examples
    --------
    >>> import numpy as np
    >>> def my_huber(input, target, delta=1.0):
    ...     r = np.abs(np.asarray(input, float) - np.asarray(target, float))
    ...     return np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)))
    >>> huber(my_huber)
    ✔ Huber loss: correct (8 checks passed).

    """
    require_function(my_huber)
    cases = [
        # (input, target, delta): small residual, large residual, negative residual,
        # another delta, a batch to average, the boundary, and the default delta
        ([0.5], [0.0], 1.0),
        ([3.0], [0.0], 1.0),
        ([-3.0], [0.0], 1.0),
        ([3.0], [0.0], 2.0),
        ([0.0, 3.0, -2.0, 0.5], [0.0, 1.0, 1.0, 1.0], 1.0),
        ([2.5, -0.2], [0.5, 0.3], 0.5),
        ([1.0], [0.0], 1.0),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        inp, tgt, delta = case
        x, y = np.array(inp), np.array(tgt)
        r = x - y
        shown = shown_call("my_huber", (x, y), {"delta": delta})
        got = check_scalar(call(my_huber, x, y, delta=delta), shown)
        per = _huber_ref(r, delta)
        mistakes = [
            (
                float(np.mean(np.where(r <= delta, 0.5 * r**2, per))),
                "the branch is chosen by r <= delta instead of |r| <= delta, so large negative "
                "residuals land in the quadratic branch: take the absolute value first",
            ),
            (
                float(np.mean(0.5 * r**2)),
                "this is half the squared error: the quadratic branch is used for every "
                "residual, but beyond |r| > delta the loss is linear, delta * (|r| - delta/2)",
            ),
            (
                float(np.mean(np.where(np.abs(r) <= delta, 0.5 * r**2, delta * np.abs(r)))),
                "the linear branch is missing its offset: it is delta * (|r| - delta/2), "
                "which makes the two branches meet at |r| = delta",
            ),
            (
                float(np.mean(np.where(np.abs(r) <= delta, r**2, per))),
                "the quadratic branch is missing its factor 1/2: it is 0.5 * r**2",
            ),
            (
                float(np.mean(r**2)),
                "this is the squared error; the Huber loss is 0.5 * r**2 only where "
                "|r| <= delta and linear beyond",
            ),
            (
                float(np.mean(per / delta)),
                "this is PyTorch's smooth_l1_loss with beta = delta, which is the Huber loss "
                "divided by delta; multiply the linear branch by delta, not 1",
            ),
            (
                float(np.sum(per)),
                "this is the sum of the per-element losses; the task asks for their mean",
            ),
        ]
        if len(r) == 1:  # for one element, sum == mean: drop that hint
            mistakes = mistakes[:-1]
        check_value(
            got,
            float(np.mean(per)),
            shown,
            "use 0.5 * r**2 where |r| <= delta and delta * (|r| - delta/2) elsewhere, "
            "with r = input - target, then take the mean",
            mistakes=mistakes,
        )

    x, y = np.array([0.0, 4.0]), np.array([1.5, 0.0])
    default = functools.partial(
        _check_default,
        my_huber,
        "my_huber",
        (x, y),
        float(np.mean(_huber_ref(x - y, 1.0))),
        "delta",
        "give delta the default value 1.0, as torch.nn.functional.huber_loss does",
    )
    check_each(cases, _one, then=[default])


# ----------------------------------------------------------------------------- focal
def _softplus(v: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, v)


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return np.exp(-_softplus(-v))


def _focal_ref(z: np.ndarray, t: np.ndarray, gamma: float) -> np.ndarray:
    ce = t * _softplus(-z) + (1 - t) * _softplus(z)
    one_minus_pt = t * _sigmoid(-z) + (1 - t) * _sigmoid(z)
    return one_minus_pt**gamma * ce


@exercise("Focal loss")
def focal(my_focal: Callable[..., Any]) -> None:
    r"""Check ``my_focal(logits, targets, gamma=2.0)``, the mean binary focal loss on logits.

    The loss is :math:`-(1 - p_t)^\gamma \log p_t` with :math:`p_t = \sigma(z)` for
    target 1 and :math:`1 - \sigma(z)` for target 0, averaged over the elements,
    without the class weight alpha.

    Examples
    --------
    >>> import numpy as np
    >>> def my_focal(logits, targets, gamma=2.0):
    ...     z, t = np.asarray(logits, float), np.asarray(targets, float)
    ...     ce = np.logaddexp(0, -z) * t + np.logaddexp(0, z) * (1 - t)
    ...     p_wrong = np.exp(-np.logaddexp(0, z)) * t + np.exp(-np.logaddexp(0, -z)) * (1 - t)
    ...     return np.mean(p_wrong**gamma * ce)
    >>> focal(my_focal)
    ✔ Focal loss: correct (6 checks passed).

    """
    require_function(my_focal)
    cases = [
        ([0.0], [1.0], 2.0),
        ([2.0, -1.0, 0.5], [1.0, 0.0, 0.0], 2.0),
        ([1.5, -0.5], [1.0, 1.0], 0.0),
        ([-2.0, 3.0, 0.3, -0.7], [1.0, 0.0, 1.0, 0.0], 1.0),
        ([100.0, -100.0, 50.0, 30.0], [0.0, 1.0, 1.0, 0.0], 2.0),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        inp, tgt, gamma = case
        z, t = np.array(inp), np.array(tgt)
        shown = shown_call("my_focal", (z, t), {"gamma": gamma})
        got = check_scalar(call(my_focal, z, t, gamma=gamma), shown)
        if not np.isfinite(got):
            fail(
                f"{shown} gave {got}",
                "compute log(sigmoid(z)) as -np.logaddexp(0, -z), never as "
                "np.log(1 / (1 + np.exp(-z))), so that large logits neither overflow nor "
                "take the log of 0",
            )
        per = _focal_ref(z, t, gamma)
        ce = _focal_ref(z, t, 0.0)
        p = _sigmoid(z)
        p_t = np.where(t == 1, p, 1 - p)
        alpha_t = 0.25 * t + 0.75 * (1 - t)
        mistakes = [
            (
                float(np.mean(ce)),
                "this is the plain binary cross-entropy: multiply each term by (1 - p_t)**gamma",
            ),
            (
                float(np.mean((1 - p) ** gamma * ce)),
                "the modulating factor uses 1 - sigmoid(z) for every element; it must be "
                "1 - p_t, the probability of the *wrong* class, which is sigmoid(z) when the "
                "target is 0",
            ),
            (
                float(np.mean(p_t**gamma * ce)),
                "the factor is p_t**gamma, which up-weights the easy examples; focal loss "
                "uses (1 - p_t)**gamma to down-weight them",
            ),
            (
                float(np.mean((1 - p_t) ** gamma)),
                "the log term is missing: multiply (1 - p_t)**gamma by -log(p_t)",
            ),
            (
                float(np.mean(alpha_t * per)),
                "this includes torchvision's class weight alpha = 0.25; the task asks for the "
                "focal loss without alpha",
            ),
            (float(np.sum(per)), "this is the sum over the elements; the task asks for the mean"),
        ]
        if len(z) == 1:
            mistakes = mistakes[:-1]
        check_value(
            got,
            float(np.mean(per)),
            shown,
            "compute p_t = sigmoid(z) where the target is 1 and 1 - sigmoid(z) where it is 0, "
            "then average -(1 - p_t)**gamma * log(p_t)",
            mistakes=mistakes,
        )

    z, t = np.array([0.8, -1.2]), np.array([0.0, 1.0])
    default = functools.partial(
        _check_default,
        my_focal,
        "my_focal",
        (z, t),
        float(np.mean(_focal_ref(z, t, 2.0))),
        "gamma",
        "give gamma the default value 2.0, as in the focal-loss paper",
    )
    check_each(cases, _one, then=[default])


# ----------------------------------------------------------------------------- dice
@exercise("Soft Dice loss")
def dice(my_dice: Callable[..., Any]) -> None:
    r"""Check ``my_dice(probs, mask, smooth=1.0)``, the soft Dice loss over a whole mask.

    The loss is :math:`1 - (2\sum p y + s) / (\sum p + \sum y + s)`, with the sums
    over every element of the (possibly 2-D) arrays.

    Examples
    --------
    >>> import numpy as np
    >>> def my_dice(probs, mask, smooth=1.0):
    ...     p, y = np.asarray(probs, float), np.asarray(mask, float)
    ...     return 1 - (2 * np.sum(p * y) + smooth) / (np.sum(p) + np.sum(y) + smooth)
    >>> dice(my_dice)
    ✔ Soft Dice loss: correct (6 checks passed).

    """
    require_function(my_dice)
    grid = np.zeros((4, 4))
    grid[1:3, 1:3] = 1.0
    soft = np.full((4, 4), 0.1)
    soft[1:3, 1:3] = [[0.9, 0.6], [0.8, 0.2]]
    soft[0, 0] = 0.7
    cases = [
        ([0.9, 0.8, 0.1, 0.0], [1.0, 1.0, 0.0, 0.0], 0.0),
        ([0.9, 0.8, 0.1, 0.0], [1.0, 1.0, 0.0, 0.0], 1.0),
        ([0.2, 0.0, 0.5, 0.1], [0.0, 1.0, 0.0, 0.0], 0.0),
        (soft, grid, 1.0),
        ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 1.0),
    ]

    def _one(case: Any) -> None:
        __tracebackhide__ = True
        inp, tgt, smooth = case
        p, y = np.array(inp, dtype=float), np.array(tgt, dtype=float)
        shown = shown_call("my_dice", (p, y), {"smooth": smooth})
        got = check_scalar(call(my_dice, p, y, smooth=smooth), shown)
        tp, sp, sy = float(np.sum(p * y)), float(np.sum(p)), float(np.sum(y))
        want = 1 - (2 * tp + smooth) / (sp + sy + smooth)
        mistakes = [
            (
                (2 * tp + smooth) / (sp + sy + smooth),
                "this is the Dice coefficient (1 for a perfect mask); the loss is 1 minus it",
            ),
            (
                1 - (tp + smooth) / (sp + sy + smooth),
                "the numerator is missing its factor 2: Dice = 2 TP / (sum p + sum y)",
            ),
            (
                1 - (tp + smooth) / (sp + sy - tp + smooth),
                "this is the Jaccard (IoU) loss, TP / (sum p + sum y - TP); Dice uses 2 TP / "
                "(sum p + sum y)",
            ),
            (
                1 - 2 * tp / (sp + sy + smooth),
                "smooth is added to the denominator only; add it to the numerator too, so "
                "that an empty prediction of an empty mask scores a perfect 0",
            ),
            (
                1 - (2 * tp + smooth) / (sp + sy) if sp + sy > 0 else np.nan,
                "smooth is added to the numerator only; add it to the denominator too",
            ),
            (
                1 - 2 * tp / (sp + sy) if sp + sy > 0 else np.nan,
                "smooth is ignored: add it to both numerator and denominator",
            ),
        ]
        if p.ndim == 2:
            rows = [
                1 - (2 * np.sum(a * b) + smooth) / (np.sum(a) + np.sum(b) + smooth)
                for a, b in zip(p, y, strict=True)
            ]
            mistakes.append(
                (
                    float(np.mean(rows)),
                    "this averages a Dice loss per row; the sums run over the whole mask, "
                    "every pixel of every row",
                )
            )
        check_value(
            got,
            want,
            shown,
            "return 1 - (2 * sum(p * y) + smooth) / (sum(p) + sum(y) + smooth), with the sums "
            "over all elements",
            mistakes=mistakes,
        )

    p, y = np.array([0.6, 0.3]), np.array([1.0, 0.0])
    default = functools.partial(
        _check_default,
        my_dice,
        "my_dice",
        (p, y),
        1 - (2 * 0.6 + 1.0) / (0.9 + 1.0 + 1.0),
        "smooth",
        "give smooth the default value 1.0",
    )
    check_each(cases, _one, then=[default])
