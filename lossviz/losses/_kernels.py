r"""Kernels shared by several losses of Part II, each computing a value and its gradient.

:func:`logistic` gives softplus and sigmoid of :math:`\pm z` from one exponential, with
the same arithmetic as :func:`._numerics.softplus_pair` and :func:`._numerics.sigmoid_pair`
(so the results agree to the bit), for losses that need only one side of each pair,
e.g. :math:`-\log\sigma(d) = \operatorname{softplus}(-d)` and its derivative
:math:`-\sigma(-d)` (BPR, Bradley-Terry, DPO, the GAN losses, the negative ELBO): every
result is written into an array allocated once, the caller's own temporary may be
overwritten, and the work runs in parts of :data:`_CHUNK` elements, so that the
temporaries are small (allocating and first touching a large array costs as much as
several passes over it). Zero-dimensional arrays stay arrays.

:func:`softmax_match` compares the softmax of scores with the softmax of targets, row by
row (ListNet, knowledge distillation).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, same_shape
from ._numerics import log_softmax
from ._reduction import reduce, scale_grad
from ._registry import GRAD, VALUE

#: Elements per pass of :func:`logistic`: its temporaries stay small (in the cache, and
#: reused by the allocator) instead of each being as large as the input.
_CHUNK = 1 << 14


def logistic(z: np.ndarray, sign: int, *, value: bool = True, grad: bool = True, own: bool = False):
    r"""Return ``(softplus(sign * z), sigmoid(sign * z))``, each None if not asked for.

    Parameters
    ----------
    z : numpy.ndarray
        Float64 array.
    sign : {1, -1}
        The side: :math:`\operatorname{softplus}(\pm z)` and :math:`\sigma(\pm z)`, where
        :math:`\frac{d}{dz}\operatorname{softplus}(\pm z) = \pm\sigma(\pm z)`.
    value, grad : bool
        Whether to compute the softplus and the sigmoid.
    own : bool
        True if ``z`` is the caller's temporary: the softplus is written into it.

    Returns
    -------
    softplus, sigmoid : numpy.ndarray or None

    Notes
    -----
    With :math:`e = e^{-|z|}`: :math:`\operatorname{softplus}(\pm z) = \max(\pm z, 0) +
    \log(1 + e)` and :math:`\sigma(\pm z) = \max(e, [\pm z \ge 0]) / (1 + e)` (the
    numerator is 1 or :math:`e`; at :math:`z = 0` the minus side takes :math:`e = 1`).

    Examples
    --------
    >>> import numpy as np
    >>> sp, s = logistic(np.array([0.0, 2.0]), -1)
    >>> sp.round(6), s.round(6)
    (array([0.693147, 0.126928]), array([0.5     , 0.119203]))

    """
    sp = sig = None
    if value:
        sp = z if own and isinstance(z, np.ndarray) else np.empty_like(z)  # not a NumPy scalar
    if grad:
        sig = np.empty_like(z)
    z = np.asarray(z)
    for part in chunks(z, sp, sig):
        logistic_part(sign, *part)
    return sp, sig


def chunks(*arrays):
    """Yield matching parts of at most :data:`_CHUNK` elements of arrays of one shape.

    Parameters
    ----------
    *arrays : numpy.ndarray or None
        Arrays of one shape (None entries stay None in every part).

    Yields
    ------
    list
        One 1-D view per array (None for None), in memory order, when every array is
        C-contiguous or every array is F-contiguous; otherwise the arrays themselves,
        whole, once (e.g. a strided view or a broadcast weight). Writing into a part
        writes into its array. The loops over the parts keep their temporaries small
        and in the cache, and read each input once.
    """
    flat = flat_views(*arrays)
    if flat is None:
        yield list(arrays)
        return
    size = next(a.size for a in flat if a is not None)
    for start in range(0, size, _CHUNK):
        part = slice(start, start + _CHUNK)
        yield [None if a is None else a[part] for a in flat]


def flat_views(*arrays):
    """Return 1-D views of arrays of one shape in memory order, or None if there are none.

    There are when every array (None entries stay None) is C-contiguous or every
    array is F-contiguous.
    """
    present = [a for a in arrays if a is not None]
    if all(a.flags.c_contiguous for a in present):
        return [None if a is None else a.reshape(-1) for a in arrays]
    if all(a.flags.f_contiguous for a in present):
        return [None if a is None else a.T.reshape(-1) for a in arrays]
    return None


def pairwise_sum(leaf, start: int, stop: int) -> float:
    """Return the sum of ``leaf(i, j)`` over parts ``[i, j)`` of ``[start, stop)``, added pairwise.

    Parts of at most :data:`_CHUNK` elements, combined as NumPy's pairwise summation
    splits an array (halves, the first a multiple of 8): if ``leaf(i, j)`` is
    ``np.sum`` of elements ``i`` to ``j`` of a contiguous array, the result is
    ``np.sum`` of its elements ``start`` to ``stop`` computed part by part, so
    intermediates stay small. (Should NumPy change its summation, the result
    changes by rounding only.)
    """
    n = stop - start
    if n <= _CHUNK:
        return leaf(start, stop)
    half = n // 2
    half -= half % 8
    return pairwise_sum(leaf, start, start + half) + pairwise_sum(leaf, start + half, stop)


def logistic_part(sign, z, sp, sig):
    """:func:`logistic` of one 1-D part ``z``, written into ``sp`` and ``sig`` (None: skipped)."""
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    if sig is not None:
        np.maximum(e, z >= 0 if sign > 0 else z < 0, out=sig)
        inv = e + 1.0
        np.divide(1.0, inv, out=inv)
        sig *= inv
    if sp is not None:
        if sign > 0:
            np.maximum(z, 0.0, out=sp)
        else:
            np.minimum(z, 0.0, out=sp)
            np.negative(sp, out=sp)  # max(-z, 0) without the temporary -z
        sp += np.log1p(e, out=e)


def softmax_match(
    want: int,
    input,
    target,
    reduction: str,
    shape: str,
    tau: float = 1.0,
    divergence: bool = False,
):
    r"""Match the softmax of scores to the softmax of targets, row by row.

    The scores give :math:`q = \operatorname{softmax}(s/\tau)` and the targets
    :math:`p = \operatorname{softmax}(y/\tau)`, each over a row.

    Parameters
    ----------
    want : int
        What to compute (:data:`._registry.VALUE`, :data:`._registry.GRAD` or both).
    input, target : array_like
        Scores :math:`s` and targets :math:`y`, both of shape ``(N, K)``.
    reduction : str
        How the per-row values are combined (already validated).
    shape : str
        What ``input`` must be, for the error message, e.g. ``"(N, C): logits"``.
    tau : float
        The temperature :math:`\tau > 0` (already validated).
    divergence : bool
        The value per row is :math:`\tau^2\,\mathrm{KL}(p\,\|\,q)`, clipped at 0
        against rounding (distillation), instead of the cross-entropy
        :math:`-\sum_j p_j\log q_j` (ListNet).

    Returns
    -------
    value, grad
        The reduced value (None unless asked for) and the gradient
        :math:`\tau(q - p)` with respect to ``input`` (None unless asked for).

    """
    s = as_array(input, "input")
    y = as_array(target, "target")
    if s.ndim != 2:
        raise ValueError(f"input must have shape {shape}; got {s.shape}")
    same_shape(s, "input", y, "target")
    log_q = log_softmax(s / tau if tau != 1.0 else s, axis=1)
    log_p = log_softmax(y / tau if tau != 1.0 else y, axis=1)
    p = np.exp(log_p, out=None if divergence else log_p)  # log p: needed by the KL only
    value = None
    if want & VALUE and divergence:
        log_p -= log_q
        log_p *= p  # p (log p - log q)
        value = reduce(np.maximum(tau**2 * np.sum(log_p, axis=1), 0.0), reduction)
    elif want & VALUE:
        value = reduce(-np.sum(p * log_q, axis=1), reduction)
    if not want & GRAD:
        return value, None
    grad = np.exp(log_q, out=log_q)
    grad -= p
    if tau != 1.0:
        grad *= tau
    return value, scale_grad(grad, reduction, s.shape[0])
