"""Argument validation for all of lossviz: one policy, one message style.

Policy: an argument of the wrong *type* raises ``TypeError``; an argument of the
right type with a wrong *value* (out of range, NaN, wrong shape, unknown choice)
raises ``ValueError``. Every message reads ``<name> must be <what was expected>,
got <what was received>`` (plus a hint where one helps).

Scalars: :func:`as_real`, :func:`as_int`, :func:`as_choice`, :func:`as_bool`, and
:func:`as_interval` for a pair ``(low, high)``. Arrays (used by the
losses, so the maths below them can assume finite float64 arrays of agreeing
shapes): :func:`as_array`, :func:`same_shape`, :func:`broadcastable_to`, the
``check_*`` functions, :func:`as_class_indices` and :func:`pair`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


def _describe(arr: np.ndarray) -> str:
    """Short description of the offending values for an error message."""
    flat = arr.ravel()
    shown = ", ".join(repr(v) for v in flat[:3].tolist())
    more = ", ..." if flat.size > 3 else ""
    return f"[{shown}{more}]"


def as_array(x, name: str, *, finite: bool = True) -> np.ndarray:
    """Convert ``x`` to a finite, non-empty float64 array.

    Parameters
    ----------
    x : array_like
        Real numbers (Python numbers, lists, NumPy arrays of int or float dtype).
    name : str
        Argument name used in error messages.
    finite : bool
        Check that every entry is finite (``False`` leaves it to the caller, see
        :func:`residual`).

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
    if finite and kind == "f" and not np.isfinite(arr).all():  # integers are always finite
        bad = ~np.isfinite(arr)
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
    if x.min() < 0 or x.max() > 1:
        bad = (x < 0) | (x > 1)
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got {int(bad.sum())} value(s) "
            f"outside: {_describe(x[bad])}"
        )


def check_nonnegative(x: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``x`` is >= 0."""
    if x.min() < 0:
        bad = x < 0
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
    return as_choice(reduction, "reduction", allowed)


def _interval(low, high, low_open: bool, high_open: bool) -> str:
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    return f"{left}{lo}, {hi}{right}"


def as_real(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return the real number ``value`` as a float, or raise.

    ``low``/``high`` bound it (inclusive unless ``low_open``/``high_open``).

    Raises
    ------
    TypeError
        If ``value`` is not a real number (a bool is not one).
    ValueError
        If it is NaN, infinite or outside the bounds.

    Examples
    --------
    >>> as_real(2, "delta", low=0.0, low_open=True)
    2.0
    >>> as_real(0.0, "delta", low=0.0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: delta must be a finite real number in (0, inf), got 0.0

    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    v = float(value)
    ok = math.isfinite(v)
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        where = _interval(low, high, low_open, high_open)
        raise ValueError(f"{name} must be a finite real number in {where}, got {value!r}")
    return v


def as_interval(value, name: str) -> tuple[float, float]:
    """Return the pair ``(low, high)`` of finite real numbers with ``low < high``, or raise.

    Raises
    ------
    TypeError
        If ``value`` is not a sequence, or an entry is not a real number.
    ValueError
        If it does not have two entries, an entry is not finite, or ``low >= high``.

    Examples
    --------
    >>> as_interval([-3, 3], "x_range")
    (-3.0, 3.0)
    >>> as_interval((2.0, 1.0), "x_range")
    Traceback (most recent call last):
    ...
    ValueError: x_range must be a pair (low, high) with low < high, got (2.0, 1.0)

    """
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a pair (low, high) of real numbers, got {value!r}"
            f" ({type(value).__name__})"
        ) from None
    if len(items) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {len(items)} values: {value!r}")
    low, high = (as_real(v, f"{name}[{i}]") for i, v in enumerate(items))
    if not low < high:
        raise ValueError(f"{name} must be a pair (low, high) with low < high, got {value!r}")
    return low, high


def as_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return the integer ``value`` as an int, or raise.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (a bool or a float such as 3.0 is not one).
    ValueError
        If it lies outside ``[low, high]``.

    Examples
    --------
    >>> as_int(0, "n", low=1)
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 1, got 0

    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        if high is None:
            expected = f">= {low}"
        elif low is None:
            expected = f"<= {high}"
        else:
            expected = f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {expected}, got {value!r}")
    return v


def as_choice(value, name: str, choices: tuple):
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``.

    Examples
    --------
    >>> as_choice("l1", "kind", ("mse", "huber"))
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of 'mse', 'huber', got 'l1'

    """
    hashable = isinstance(value, (str, numbers.Number)) and not isinstance(value, bool)
    if not (hashable and value in choices):
        raise ValueError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}"
        )
    return value


def as_bool(value, name: str) -> bool:
    """Return the flag ``value`` as a bool, or raise ``TypeError``.

    Only ``True`` and ``False`` (Python or NumPy booleans) are flags: ``1`` or ``"yes"``
    is a wrong type, not a truthy value.

    Examples
    --------
    >>> as_bool(1, "symmetric")
    Traceback (most recent call last):
    ...
    TypeError: symmetric must be True or False, got 1 (int)

    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def residual(input, target, reduction):
    """Validate ``input``/``target`` like :func:`pair` and return them and ``input - target``.

    Finiteness is checked once, on the difference: it is finite only if both are
    (or, when not, the inputs are checked one by one for the error message; finite
    inputs whose difference overflows pass). One pass over the data instead of two.
    """
    check_reduction(reduction)
    x = as_array(input, "input", finite=False)
    y = as_array(target, "target", finite=False)
    same_shape(x, "input", y, "target")
    with np.errstate(invalid="ignore"):  # inf - inf: the inputs are reported below
        d = x - y
    if not np.isfinite(d).all():
        as_array(x, "input")
        as_array(y, "target")
    return x, y, d


def pair(input, target, reduction, *, finite: bool = True):
    """Validate ``input``/``target`` of equal shape and the reduction.

    ``finite=False`` leaves the finiteness check to the caller (see :func:`as_array`).
    """
    check_reduction(reduction)
    x = as_array(input, "input", finite=finite)
    y = as_array(target, "target", finite=finite)
    same_shape(x, "input", y, "target")
    return x, y
