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
