"""Floating-point formats, rounding to them, and the tools of mixed-precision training.

NumPy has ``float64``, ``float32`` and ``float16`` but no ``bfloat16``. This module
describes all four by their bit layout (:data:`FORMATS`), rounds float64 values to any of
them with round-to-nearest-even (:func:`round_to`, exact, also for subnormals and
overflow), and simulates the two mechanisms that make low-precision training work:
dynamic loss scaling as PyTorch's ``torch.amp.GradScaler`` does it
(:class:`DynamicLossScaler`) and gradient clipping as ``torch.nn.utils.clip_grad_norm_``
and ``clip_grad_value_`` do it (:func:`clip_grad_norm`, :func:`clip_grad_value`).

Examples
--------
>>> from lossviz.precision import FORMATS, round_to
>>> FORMATS["bfloat16"].eps
0.0078125
>>> round_to([1.00390625, 1.01171875, 70000.0], "float16")
array([1.00390625, 1.01171875,        inf])
>>> round_to([1.00390625, 1.01171875], "bfloat16")
array([1.      , 1.015625])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lossviz._validate import as_int, as_real

__all__ = [
    "FORMATS",
    "DynamicLossScaler",
    "Format",
    "clip_grad_norm",
    "clip_grad_value",
    "get_format",
    "round_to",
    "sequential_sum",
    "thresholds",
]


@dataclass(frozen=True)
class Format:
    """A binary floating-point format, described by its precision and exponent range.

    Attributes
    ----------
    name : str
        ``"float64"``, ``"float32"``, ``"bfloat16"`` or ``"float16"``.
    precision : int
        Significand bits, the implicit leading bit included (53, 24, 8, 11).
    emin, emax : int
        Exponents of the smallest and largest normal numbers, ``2**emin`` and
        ``(2 - 2**(1 - precision)) * 2**emax``.
    bits : int
        Storage size in bits.

    """

    name: str
    precision: int
    emin: int
    emax: int
    bits: int

    @property
    def max(self) -> float:
        """The largest finite value."""
        return math.ldexp(2.0 - math.ldexp(1.0, 1 - self.precision), self.emax)

    @property
    def smallest_normal(self) -> float:
        """The smallest positive normal number, ``2**emin``."""
        return math.ldexp(1.0, self.emin)

    @property
    def smallest_subnormal(self) -> float:
        """The smallest positive number (subnormal), ``2**(emin - precision + 1)``."""
        return math.ldexp(1.0, self.emin - self.precision + 1)

    @property
    def eps(self) -> float:
        """Machine epsilon: the gap between 1 and the next larger number, ``2**(1 - p)``."""
        return math.ldexp(1.0, 1 - self.precision)

    @property
    def unit_roundoff(self) -> float:
        """The largest relative error of rounding to nearest, ``eps / 2``."""
        return math.ldexp(1.0, -self.precision)


#: The four formats of deep learning, from their bit layouts (IEEE 754 and Google's bfloat16).
FORMATS: dict[str, Format] = {
    "float64": Format("float64", 53, -1022, 1023, 64),
    "float32": Format("float32", 24, -126, 127, 32),
    "bfloat16": Format("bfloat16", 8, -126, 127, 16),
    "float16": Format("float16", 11, -14, 15, 16),
}


def get_format(fmt: str | Format) -> Format:
    """Return the :class:`Format` named ``fmt`` (or ``fmt`` itself).

    Raises
    ------
    ValueError
        For a name not in :data:`FORMATS`.
    TypeError
        For anything but a string or a :class:`Format`.

    """
    if isinstance(fmt, Format):
        return fmt
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format name or a Format, got {type(fmt).__name__}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")
    return FORMATS[fmt]


def thresholds(fmt: str | Format) -> dict[str, float]:
    r"""Where the elementary steps of a loss break down in a format, in closed form.

    Parameters
    ----------
    fmt : str or Format
        The format.

    Returns
    -------
    dict
        ``"sigmoid_one"``: the logit :math:`p \ln 2` from which a naive
        :math:`\sigma(z) = 1 / (1 + e^{-z})` rounds to exactly 1 (then :math:`\log(1 - p)`
        is :math:`-\infty`);
        ``"exp_overflow"``: the smallest :math:`t` with :math:`e^t` rounding to ``inf``;
        ``"exp_underflow"``: the largest :math:`t` with :math:`e^t` rounding to 0;
        ``"square_overflow"``: the smallest :math:`|r|` with :math:`r^2` rounding to ``inf``;
        ``"neg_log_max"``: the largest finite :math:`-\log p`, at the smallest positive
        :math:`p`;
        ``"sum_stall"``: :math:`2^p`, the running total at which adding 1 changes nothing.

    Notes
    -----
    With precision :math:`p`, largest exponent :math:`e_{\max}` and smallest normal
    exponent :math:`e_{\min}`: a value rounds to ``inf`` from
    :math:`2^{e_{\max}+1} - 2^{e_{\max}-p}` (half a spacing above the largest number) and
    to 0 up to :math:`2^{e_{\min}-p}` (half the smallest subnormal; the tie goes to the
    even neighbour, 0); :math:`1 + u` rounds to 1 for :math:`u \le 2^{-p}`.

    Examples
    --------
    >>> t = thresholds("float32")
    >>> round(t["sigmoid_one"], 2), round(t["exp_overflow"], 2)
    (16.64, 88.72)

    """
    f = get_format(fmt)
    ln2 = math.log(2.0)
    log_inf = (f.emax + 1) * ln2 + math.log1p(-math.ldexp(1.0, -(f.precision + 1)))
    return {
        "sigmoid_one": f.precision * ln2,
        "exp_overflow": log_inf,
        "exp_underflow": (f.emin - f.precision) * ln2,
        "square_overflow": math.exp(0.5 * log_inf),
        "neg_log_max": -(f.emin - f.precision + 1) * ln2,
        "sum_stall": math.ldexp(1.0, f.precision),
    }


def round_to(x, fmt: str | Format) -> np.ndarray:
    r"""Round float64 values to the nearest value of a format, ties to even.

    Parameters
    ----------
    x : array_like
        Real numbers (converted to float64; NaN and infinities pass through).
    fmt : str or Format
        Target format: ``"float64"``, ``"float32"``, ``"bfloat16"`` or ``"float16"``.

    Returns
    -------
    numpy.ndarray
        float64 array holding exactly representable values of ``fmt``: values past the
        largest finite number (by half a spacing or more) become ``inf``, values below
        the subnormal range become (signed) zero.

    Raises
    ------
    TypeError
        For non-numeric or complex input.
    ValueError
        For an unknown format.

    Notes
    -----
    A value :math:`x = m \cdot 2^{e}` with :math:`\tfrac12 \le |m| < 1` lies on a grid of
    spacing :math:`q = 2^{\max(e, e_{\min} + 1) - p}` in a format of precision :math:`p`;
    rounding is ``np.round(x / q) * q`` (NumPy rounds halves to even), which is exact
    because dividing by a power of two is. Rounding directly from float64 avoids the
    double rounding of a float64 -> float32 -> bfloat16 conversion.

    Examples
    --------
    >>> round_to([3.0e38, 3.4e38], "bfloat16")
    array([3.00405527e+38,            inf])

    """
    f = get_format(fmt)
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"x must be real numbers, got an array of dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if f.name == "float64":
        return arr.copy()
    _, e = np.frexp(arr)
    quantum = np.ldexp(1.0, np.maximum(e, f.emin + 1) - f.precision)
    with np.errstate(invalid="ignore"):
        out = np.round(arr / quantum) * quantum
    out = np.where(np.abs(out) > f.max, np.copysign(np.inf, arr), out)
    return np.where(np.isfinite(arr), out, arr)


def sequential_sum(values, fmt: str | Format) -> float:
    """Add ``values`` one after another, rounding every partial sum to ``fmt``.

    This is how a naive loop accumulates a loss in low precision (``np.sum`` uses
    pairwise summation, and PyTorch accumulates half-precision sums in float32, which
    both hide the effect).

    Parameters
    ----------
    values : array_like
        1-D real values, each first rounded to ``fmt``.
    fmt : str or Format
        The accumulator's format.

    Returns
    -------
    float
        The rounded running total after the last value.

    Examples
    --------
    >>> sequential_sum([1.0] * 3000, "float16")
    2048.0

    """
    f = get_format(fmt)
    vals = round_to(np.asarray(values, dtype=np.float64).ravel(), f)
    total = 0.0
    for v in vals:
        total = float(round_to(total + v, f))
    return total


def _grads(grads) -> list[np.ndarray]:
    if isinstance(grads, np.ndarray):
        grads = [grads]
    if not isinstance(grads, Sequence) or len(grads) == 0:
        raise ValueError("grads must be a non-empty list of arrays (one per parameter)")
    out = []
    for i, g in enumerate(grads):
        arr = np.asarray(g)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"grads[{i}] must hold real numbers, got dtype {arr.dtype}")
        out.append(arr.astype(np.float64))
    return out


def clip_grad_norm(grads, max_norm: float, norm_type: float = 2.0):
    """Scale gradients so that their joint norm is at most ``max_norm``, as PyTorch does.

    Parameters
    ----------
    grads : list of array_like
        One gradient per parameter tensor.
    max_norm : float
        Largest allowed norm, > 0.
    norm_type : float, optional
        The p of the p-norm over all entries of all gradients (``inf`` for the max).

    Returns
    -------
    clipped : list of numpy.ndarray
        The gradients times ``min(1, max_norm / (total_norm + 1e-6))``.
    total_norm : float
        The norm before clipping (what ``torch.nn.utils.clip_grad_norm_`` returns).

    Raises
    ------
    ValueError
        For an empty list or a non-positive ``max_norm``.

    Notes
    -----
    ``torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=2.0)`` multiplies every
    gradient in place by the same clamped coefficient, so the direction of the update is
    kept; only its length changes.

    Examples
    --------
    >>> clipped, norm = clip_grad_norm([np.array([3.0, 4.0])], 1.0)
    >>> norm, np.round(clipped[0], 6)
    (5.0, array([0.6, 0.8]))

    """
    gs = _grads(grads)
    max_norm = as_real(max_norm, "max_norm", low=0.0, low_open=True)
    flat = np.concatenate([g.ravel() for g in gs])
    if norm_type == math.inf:
        total = float(np.max(np.abs(flat))) if flat.size else 0.0
    else:
        total = float(np.sum(np.abs(flat) ** norm_type) ** (1.0 / norm_type))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [g * coef for g in gs], total


def clip_grad_value(grads, clip_value: float) -> list[np.ndarray]:
    """Clamp every gradient entry to ``[-clip_value, clip_value]`` (``clip_grad_value_``).

    Parameters
    ----------
    grads : list of array_like
        One gradient per parameter tensor.
    clip_value : float
        Largest allowed magnitude of one entry, > 0.

    Returns
    -------
    list of numpy.ndarray
        The clamped gradients; unlike norm clipping this can change their direction.

    Examples
    --------
    >>> clip_grad_value([np.array([3.0, 0.5])], 1.0)[0]
    array([1. , 0.5])

    """
    gs = _grads(grads)
    clip_value = as_real(clip_value, "clip_value", low=0.0, low_open=True)
    return [np.clip(g, -clip_value, clip_value) for g in gs]


class DynamicLossScaler:
    """Dynamic loss scaling, step by step as ``torch.amp.GradScaler`` does it.

    Each step: multiply the loss by ``scale`` before the backward pass (:meth:`scale_grads`
    simulates the float16 gradients that come out of it), divide the gradients by
    ``scale`` in float32 (:meth:`unscale`), and call :meth:`update` with whether they
    were all finite. A step with an ``inf`` or ``NaN`` gradient is skipped and the scale
    multiplied by ``backoff_factor``; after ``growth_interval`` finite steps in a row
    the scale is multiplied by ``growth_factor``.

    Parameters
    ----------
    init_scale : float, optional
        Starting scale (PyTorch: 65536.0 = 2**16).
    growth_factor : float, optional
        Factor after a run of good steps (2.0).
    backoff_factor : float, optional
        Factor after a step with overflow (0.5).
    growth_interval : int, optional
        Good steps in a row before growing (2000).
    fmt : str, optional
        The format the scaled gradients are computed in (``"float16"``).

    Examples
    --------
    >>> s = DynamicLossScaler(init_scale=8.0, growth_interval=2)
    >>> [s.update(ok) or s.scale for ok in (True, True, False, True)]
    [8.0, 16.0, 8.0, 8.0]

    """

    def __init__(
        self,
        init_scale: float = 65536.0,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        fmt: str = "float16",
    ) -> None:
        self.scale = as_real(init_scale, "init_scale", low=0.0, low_open=True)
        self.growth_factor = as_real(growth_factor, "growth_factor", low=1.0, low_open=True)
        self.backoff_factor = as_real(
            backoff_factor, "backoff_factor", low=0.0, high=1.0, low_open=True, high_open=True
        )
        self.growth_interval = as_int(growth_interval, "growth_interval", low=1)
        self.format = get_format(fmt)
        self.good_steps = 0
        self.skipped = 0

    def scale_grads(self, true_grads) -> np.ndarray:
        """Return the gradients a backward pass of ``scale * loss`` yields in the low format."""
        return round_to(np.asarray(true_grads, dtype=np.float64) * self.scale, self.format)

    def unscale(self, scaled_grads) -> tuple[np.ndarray, bool]:
        """Divide by the scale in float32; return the gradients and whether all are finite."""
        g = round_to(np.asarray(scaled_grads, dtype=np.float64) / self.scale, "float32")
        return g, bool(np.all(np.isfinite(g)))

    def update(self, finite: bool) -> None:
        """Skip-and-back-off after an overflow, grow after ``growth_interval`` good steps."""
        if finite:
            self.good_steps += 1
            if self.good_steps == self.growth_interval:
                self.scale *= self.growth_factor
                self.good_steps = 0
        else:
            self.scale *= self.backoff_factor
            self.good_steps = 0
            self.skipped += 1
