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
    """Return ``z - logsumexp(z, axis)``, shifted by the maximum so nothing overflows.

    The sum of the exponentials is an ``einsum`` over ``axis``: for a short class
    axis, several times faster than ``np.sum(..., axis)``.
    """
    shifted = z - np.max(z, axis=axis, keepdims=True)
    moved = np.moveaxis(np.exp(shifted), axis, -1)
    total = np.expand_dims(np.einsum("...i->...", moved), axis)
    shifted -= np.log(total)
    return shifted


def neg_where(mask: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return ``mask * -y``: ``-y`` where ``mask`` holds, a signed 0 elsewhere, in one new array."""
    g = np.negative(y)
    g *= mask
    return g


def exp_neg_abs(z: np.ndarray) -> np.ndarray:
    """Return ``e = exp(-|z|)`` in (0, 1], the one exponential the pairs below share."""
    e = np.abs(z)
    np.negative(e, out=e)
    return np.exp(e, out=e)


def softplus_pair(z: np.ndarray, e: np.ndarray | None = None):
    r"""Return ``softplus(z), softplus(-z)`` from one ``exp`` and one ``log1p``.

    :math:`\operatorname{softplus}(\pm z) = \max(\pm z, 0) + \log(1 + e^{-|z|})`:
    nothing overflows and nothing cancels. ``e`` is :func:`exp_neg_abs` ``(z)`` if
    already computed.

    """
    t = np.log1p(exp_neg_abs(z) if e is None else e)
    pos = np.maximum(z, 0.0)
    pos += t
    neg = np.minimum(z, 0.0)
    np.negative(neg, out=neg)  # max(-z, 0) without the temporary -z
    neg += t
    return pos, neg


def sigmoid_from(z: np.ndarray, e: np.ndarray) -> np.ndarray:
    r"""Return ``sigmoid(z)`` given ``e = exp_neg_abs(z)``, as one side of :func:`sigmoid_pair`.

    :math:`\sigma(z) = n / (1 + e)` with the numerator ``n = max(e, [z >= 0])``: 1 for
    :math:`z \ge 0`, :math:`e` below, so neither side is computed as :math:`1 - \sigma`.

    """
    num = np.maximum(e, z >= 0)
    num /= e + 1.0
    return num


def sigmoid_pair(z: np.ndarray, e: np.ndarray | None = None):
    r"""Return ``sigmoid(z), sigmoid(-z)`` from one ``exp``.

    With :math:`e = e^{-|z|} \in (0, 1]`: :math:`\sigma(|z|) = 1/(1 + e)` and
    :math:`\sigma(-|z|) = e/(1 + e)`, so neither overflows nor is computed as
    :math:`1 - \sigma`. The numerators, 1 or :math:`e`, are picked without a branch
    as ``max(e, [z >= 0])`` and ``max(e, [z < 0])`` (:math:`e \le 1`).
    ``e`` is :func:`exp_neg_abs` ``(z)`` if already computed.

    """
    e = exp_neg_abs(z) if e is None else e
    inv = e + 1.0
    np.divide(1.0, inv, out=inv)
    pos = np.maximum(e, z >= 0)
    pos *= inv
    neg = np.maximum(e, z < 0)
    neg *= inv
    return pos, neg
