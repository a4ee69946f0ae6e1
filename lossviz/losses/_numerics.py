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


def softplus_pair(z: np.ndarray):
    r"""Return ``softplus(z), softplus(-z)`` from one ``exp`` and one ``log1p``.

    :math:`\operatorname{softplus}(\pm z) = \max(\pm z, 0) + \log(1 + e^{-|z|})`:
    nothing overflows and nothing cancels.

    """
    t = np.log1p(np.exp(-np.abs(z)))
    return np.maximum(z, 0.0) + t, np.maximum(-z, 0.0) + t


def sigmoid_pair(z: np.ndarray):
    r"""Return ``sigmoid(z), sigmoid(-z)`` from one ``exp``.

    With :math:`e = e^{-|z|} \in (0, 1]`: :math:`\sigma(|z|) = 1/(1 + e)` and
    :math:`\sigma(-|z|) = e/(1 + e)`, so neither overflows nor is computed as
    :math:`1 - \sigma`.

    """
    e = np.exp(-np.abs(z))
    inv = 1.0 / (1.0 + e)
    small = e * inv
    nonneg = z >= 0
    return np.where(nonneg, inv, small), np.where(nonneg, small, inv)
