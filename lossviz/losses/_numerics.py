"""Numerically stable building blocks: sigmoid, softplus, log-softmax."""

from __future__ import annotations

import numpy as np


def softplus(z: np.ndarray) -> np.ndarray:
    """Return ``log(1 + exp(z))`` without overflow (``logaddexp(0, z)``)."""
    return np.logaddexp(0.0, z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Return ``1 / (1 + exp(-z))`` without overflow: ``exp(-softplus(-z))``."""
    return np.exp(-np.logaddexp(0.0, -z))


def log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """Return ``z - logsumexp(z, axis)``, shifted by the maximum so nothing overflows."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def logistic_parts(z: np.ndarray):
    r"""Return ``softplus(z), softplus(-z), sigmoid(z), sigmoid(-z)`` from one ``exp``.

    With :math:`e = e^{-|z|} \in (0, 1]`: :math:`\operatorname{softplus}(\pm z) =
    \max(\pm z, 0) + \log(1 + e)` and :math:`\sigma(|z|) = 1/(1 + e)`,
    :math:`\sigma(-|z|) = e/(1 + e)`. Nothing overflows and nothing cancels.

    """
    e = np.exp(-np.abs(z))
    t = np.log1p(e)
    inv = 1.0 / (1.0 + e)
    nonneg = z >= 0
    return (
        np.maximum(z, 0.0) + t,
        np.maximum(-z, 0.0) + t,
        np.where(nonneg, inv, e * inv),
        np.where(nonneg, e * inv, inv),
    )
