"""Checkers for the exercises of chapter 10, "Losses in floating point and at scale".

Functions
---------
round_bf16
    Checks ``my_round_bf16(x)``: float64 values rounded to the nearest bfloat16 value.
global_mean_grad
    Checks ``my_global_mean_grad(grads, sizes)``: the full-batch mean gradient from the
    mean gradients of micro-batches (or workers) of different sizes.
clip_grad_norm
    Checks ``my_clip_grad_norm(grads, max_norm)``: PyTorch's joint gradient-norm clipping.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lossviz import precision

from ._core import Case, call, check_array, check_cases, check_each, check_value, exercise, fail

__all__ = ["clip_grad_norm", "global_mean_grad", "round_bf16"]


#: Rounded values are exact: compare them with no absolute slack (subnormals are ~1e-40).
_EXACT = {"rtol": 1e-15, "atol": 0.0}


def _bf16(values: list[float]) -> np.ndarray:
    return precision.round_to(np.array(values), "bfloat16")


@exercise("Rounding to bfloat16")
def round_bf16(func: Callable) -> None:
    """Check ``my_round_bf16(x)`` on ties, overflow, subnormals and ordinary values."""
    __tracebackhide__ = True
    ordinary = [0.1, -2.5, 3.14159, 1000.7, 0.0]
    check_cases(
        func,
        [
            Case(
                (np.array(ordinary),),
                _bf16(ordinary),
                what="for ordinary values 0.1, -2.5, 3.14159, 1000.7 and 0 the rounded values",
                hint="bfloat16 keeps 8 significant bits: the spacing of values in [2^e, "
                "2^(e+1)) is 2^(e-7); np.frexp gives e",
                **_EXACT,
            ),
            Case(
                (np.array([1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8]),),
                np.array([1.0, 1.0 + 2.0**-6]),
                what="for the two ties 1 + 2^-8 and 1 + 3 * 2^-8 the rounded values",
                hint="a value exactly half-way between two neighbours goes to the one with "
                "an even last bit (np.round does this); truncating the extra bits is not "
                "rounding",
                **_EXACT,
            ),
            Case(
                (np.array([3.0e38, 3.4e38, -3.4e38]),),
                np.array([precision.round_to(3.0e38, "bfloat16"), np.inf, -np.inf]),
                what="for 3.0e38, 3.4e38 and -3.4e38 (near the largest bfloat16, about "
                "3.39e38) the rounded values",
                hint="a value that rounds past the largest finite number becomes +-inf, "
                "it is not clipped to the maximum",
                **_EXACT,
            ),
            Case(
                (np.array([1e-40, 3e-39]),),
                _bf16([1e-40, 3e-39]),
                what="for the tiny values 1e-40 and 3e-39 (below the smallest normal "
                "number 2^-126) the rounded values",
                hint="bfloat16 has subnormal numbers: below 2^-126 the spacing stays "
                "2^-133 instead of shrinking; values are not flushed to zero",
                **_EXACT,
            ),
        ],
    )


@exercise("The mean gradient of unequal micro-batches")
def global_mean_grad(func: Callable) -> None:
    """Check ``my_global_mean_grad(grads, sizes)`` on equal and unequal batch sizes."""
    __tracebackhide__ = True
    g_equal = [np.array([1.0, 2.0]), np.array([3.0, -2.0])]
    g_unequal = [np.array([1.0, 0.0]), np.array([0.0, 4.0]), np.array([2.0, 2.0])]
    g_matrix = [np.ones((2, 2)), np.zeros((2, 2))]
    check_cases(
        func,
        [
            Case(
                (g_equal, [4, 4]),
                np.array([2.0, 0.0]),
                what="for two micro-batches of 4 examples each the mean gradient",
                hint="add up each micro-batch's mean gradient times its number of examples, "
                "then divide by the total number of examples",
            ),
            Case(
                (g_unequal, [1, 3, 4]),
                (1 * g_unequal[0] + 3 * g_unequal[1] + 4 * g_unequal[2]) / 8,
                what="for micro-batches of 1, 3 and 4 examples the mean gradient",
                hint="weight each micro-batch's mean by its number of examples; the plain "
                "average of the means counts the lone example of the first batch three "
                "times too much",
            ),
            Case(
                (g_matrix, [3, 1]),
                np.full((2, 2), 0.75),
                what="for 2x2 gradients from batches of 3 and 1 examples the mean gradient",
                hint="divide the count-weighted sum by the total number of examples, 4",
            ),
            Case(
                ([np.array([0.5, -0.5])], [7]),
                np.array([0.5, -0.5]),
                what="for a single micro-batch the mean gradient (its own)",
            ),
        ],
    )


@exercise("Clipping the gradient norm")
def clip_grad_norm(func: Callable) -> None:
    """Check ``my_clip_grad_norm(grads, max_norm)`` against PyTorch's rule."""
    __tracebackhide__ = True
    rng = np.random.default_rng(10)
    cases = [
        ([np.array([3.0, 4.0])], 1.0, "one gradient of norm 5 clipped to 1"),
        ([np.array([0.3, 0.4])], 1.0, "one gradient of norm 0.5 under the limit 1"),
        (
            [np.array([3.0, 0.0]), np.array([[0.0], [4.0]])],
            2.5,
            "two parameters whose gradients have a joint norm of 5, clipped to 2.5",
        ),
        ([rng.normal(size=(3, 3)), rng.normal(size=4)], 0.5, "random gradients, max_norm 0.5"),
    ]

    def one(case: tuple) -> None:
        __tracebackhide__ = True
        grads, max_norm, label = case
        expected, total = precision.clip_grad_norm(grads, max_norm)
        result = call(func, grads, max_norm)
        if not isinstance(result, tuple | list) or len(result) != 2:
            fail(
                f"for {label}, your function returned {type(result).__name__}, expected a pair "
                "(clipped_grads, total_norm)",
                "return the list of clipped gradients and the norm before clipping",
            )
        clipped, norm = result
        check_value(
            norm,
            total,
            f"for {label}, the total norm before clipping",
            "the norm is taken over all entries of all gradients together: "
            "sqrt of the sum of every squared entry",
        )
        if len(clipped) != len(expected):
            fail(f"for {label}, you returned {len(clipped)} gradients, expected {len(expected)}")
        for i, (mine, ref) in enumerate(zip(clipped, expected, strict=True)):
            check_value(
                check_array(mine, f"clipped gradient {i}"),
                ref,
                f"for {label}, clipped gradient {i}",
                "every gradient is multiplied by the same factor min(1, max_norm / "
                "(total_norm + 1e-6)); clipping each gradient by its own norm changes the "
                "direction of the update",
                rtol=1e-9,
                atol=1e-12,
            )

    check_each(cases, one)
