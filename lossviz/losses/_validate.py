"""Input validation for the losses: turn arguments into clean float64 arrays or raise.

Every public loss calls these helpers first, so the maths below them can assume
finite float64 arrays of agreeing shapes. Each error names the argument, what was
received and what was expected.
"""

from __future__ import annotations

import numbers

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


def _describe(arr: np.ndarray) -> str:
    """Short description of the offending values for an error message."""
    flat = arr.ravel()
    shown = ", ".join(repr(v) for v in flat[:3].tolist())
    more = ", ..." if flat.size > 3 else ""
    return f"[{shown}{more}]"


def as_array(x, name: str) -> np.ndarray:
    """Convert ``x`` to a finite, non-empty float64 array.

    Parameters
    ----------
    x : array_like
        Real numbers (Python numbers, lists, NumPy arrays of int or float dtype).
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        A float64 copy (or view) of ``x``.

    Raises
    ------
    TypeError
        If ``x`` holds booleans, complex numbers, strings or other objects.
    ValueError
        If ``x`` is empty or holds NaN or infinity.

    """
    try:
        raw = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of real numbers; {err}") from None
    kind = raw.dtype.kind
    if kind == "b":
        raise TypeError(
            f"{name} must hold real numbers, got a boolean array; "
            f"convert it explicitly, e.g. {name}.astype(float)"
        )
    if kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (int or float), got dtype {raw.dtype} "
            f"({type(x).__name__})"
        )
    arr = raw.astype(np.float64, copy=False)
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); expected at least one element")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{name} must be finite, got {int(bad.sum())} NaN or infinite value(s): "
            f"{_describe(arr[bad])}"
        )
    return arr


def same_shape(a: np.ndarray, name_a: str, b: np.ndarray, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have exactly the same shape.

    No broadcasting: ``(n,)`` against ``(n, 1)`` is an error, because NumPy would
    silently turn it into an ``(n, n)`` array.
    """
    if a.shape != b.shape:
        hint = ""
        if a.size == b.size:
            hint = f"; reshape one of them, e.g. {name_b}.reshape({a.shape})"
        raise ValueError(
            f"{name_b} must have the same shape as {name_a}: got {name_a} of shape "
            f"{a.shape} and {name_b} of shape {b.shape} (no broadcasting){hint}"
        )


def broadcastable_to(w: np.ndarray, name: str, shape: tuple, of: str = "input") -> None:
    """Raise unless ``w`` broadcasts to ``shape`` without enlarging it (for weights)."""
    try:
        out = np.broadcast_shapes(w.shape, shape)
    except ValueError:
        out = None
    if out != tuple(shape):
        raise ValueError(
            f"{name} of shape {w.shape} must broadcast to the shape {tuple(shape)} of {of} "
            f"without changing it"
        )


def check_in_unit_interval(x: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``x`` lies in [0, 1]."""
    bad = (x < 0) | (x > 1)
    if bad.any():
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got {int(bad.sum())} value(s) "
            f"outside: {_describe(x[bad])}"
        )


def check_nonnegative(x: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``x`` is >= 0."""
    bad = x < 0
    if bad.any():
        raise ValueError(
            f"{name} must be non-negative, got {int(bad.sum())} negative value(s): "
            f"{_describe(x[bad])}"
        )


def check_plus_minus_one(y: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``y`` is -1 or +1."""
    bad = (y != 1) & (y != -1)
    if bad.any():
        raise ValueError(
            f"{name} must hold labels -1 or +1, got {int(bad.sum())} other value(s): "
            f"{_describe(y[bad])} (labels in {{0, 1}}? use 2 * {name} - 1)"
        )


def as_class_indices(t, name: str, n_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """Convert ``t`` to an int64 array of class indices in ``[0, n_classes)``.

    Entries equal to ``ignore_index`` are allowed and left as they are.
    """
    arr = as_array(t, name)
    frac = arr != np.round(arr)
    if frac.any():
        raise ValueError(
            f"{name} must hold integer class indices, got non-integer value(s): "
            f"{_describe(arr[frac])}"
        )
    ok = (arr >= 0) & (arr < n_classes)  # checked before the cast, which could overflow
    if ignore_index is not None:
        ok |= arr == ignore_index
    if not ok.all():
        extra = f" (or ignore_index={ignore_index})" if ignore_index is not None else ""
        raise ValueError(
            f"{name} must hold class indices in [0, {n_classes - 1}]{extra}, got "
            f"{_describe(np.array([int(v) if abs(v) < 2**53 else v for v in arr[~ok]]))}"
        )
    return arr.astype(np.int64)


def check_reduction(reduction, allowed: tuple = REDUCTIONS) -> str:
    """Return ``reduction`` if it is one of ``allowed``, else raise ``ValueError``."""
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(a) for a in allowed)}, got {reduction!r}"
        )
    return reduction


def as_option(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """Validate a scalar real option and return it as a float.

    ``low``/``high`` are inclusive bounds unless ``low_open`` makes the lower one strict.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (v < low or (low_open and v == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name} must be {op} {low}, got {value!r}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return v


def pair(input, target, reduction):
    """Validate ``input``/``target`` of equal shape and the reduction."""
    check_reduction(reduction)
    x = as_array(input, "input")
    y = as_array(target, "target")
    same_shape(x, "input", y, "target")
    return x, y
