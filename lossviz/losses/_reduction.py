"""Reductions of per-element losses and the matching scaling of gradients."""

from __future__ import annotations

import numpy as np


def reduce(values: np.ndarray, reduction: str, count: float | None = None):
    """Reduce per-element losses: ``"none"`` -> array, ``"sum"``/``"mean"`` -> float.

    ``count`` is the divisor of the mean (default: ``values.size``).
    """
    if reduction == "none":
        return np.asarray(values)
    total = float(np.sum(values))
    if reduction == "sum":
        return total
    return total / (values.size if count is None else count)


def reduce_grad(grad: np.ndarray, reduction: str, count: float | None = None) -> np.ndarray:
    """Scale the gradient of the summed loss to the gradient of the reduced loss."""
    if reduction == "mean":
        grad = grad / (np.size(grad) if count is None else count)
    return np.asarray(grad)  # 0-d arithmetic gives NumPy scalars; keep arrays
