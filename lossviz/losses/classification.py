"""Classification losses on probabilities, logits and log-probabilities."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import (
    as_array,
    as_int,
    as_real,
    broadcastable_to,
    check_in_unit_interval,
    check_nonnegative,
    check_reduction,
    pair,
)
from ._classes import class_indices, class_weights
from ._docs import loss_doc
from ._kernels import _CHUNK, chunks
from ._numerics import exp_neg_abs, log_softmax, sigmoid_pair, softplus_pair
from ._reduction import reduce, scale_grad, sum_of_products
from ._registry import GRAD, VALUE, Loss, fused, register

_BCE_EPS = 1e-12  # PyTorch's floor on p(1 - p) in the BCE gradient
_BCE_LOG_FLOOR = -100.0  # PyTorch's floor on log p and log(1 - p) in the BCE value
IGNORE_INDEX = -100  # PyTorch's default ignore_index: targets equal to it count for nothing


def _elementwise_weight(weight, name, shape):
    """Validate an optional non-negative weight broadcasting to ``shape`` (None -> 1.0)."""
    if weight is None:
        return 1.0
    w = as_array(weight, name)
    broadcastable_to(w, name, shape)
    check_nonnegative(w, name)
    return w


# --------------------------------------------------------------------- bce
def _bce_parts(input, target, weight, reduction):
    p, y = pair(input, target, reduction)
    check_in_unit_interval(p, "input")
    check_in_unit_interval(y, "target")
    return p, y, _elementwise_weight(weight, "weight", p.shape)


@loss_doc(
    {
        "input": ("array_like", r"Predicted probabilities :math:`p \in [0, 1]`."),
        "target": (
            "array_like",
            r"Target probabilities :math:`y \in [0, 1]` (usually 0 or 1), same shape.",
        ),
        "weight": (
            "array_like, optional",
            "Non-negative per-element weights :math:`w`, broadcasting to ``input``'s shape "
            "without enlarging it.",
        ),
    },
    value_errors="shape mismatch, probabilities outside [0, 1], negative weights, NaN/inf, "
    "empty input or an unknown reduction",
    reduction='How per-element losses are combined ("mean" divides by the number of elements, '
    "not by the summed weights, as in PyTorch).",
)
def _bce(want, input, target, *, weight=None, reduction="mean"):
    r"""Binary cross-entropy on probabilities.

    Notes
    -----
    .. math:: \ell = -w\,\big(y \max(\log p, -100) + (1 - y)\max(\log(1 - p), -100)\big),

    .. math:: \frac{\partial\ell}{\partial p} = w\,\frac{p - y}{\max(p(1 - p), 10^{-12})}.

    The logarithms are clamped at -100 and the gradient's denominator at
    :math:`10^{-12}`, exactly as ``torch.nn.functional.binary_cross_entropy`` does, so
    :math:`p \in \{0, 1\}` gives finite values. Prefer :func:`bce_with_logits`.

    Examples
    --------
    >>> from lossviz.losses import bce
    >>> round(bce([0.8, 0.1], [1.0, 0.0], reduction="sum"), 6)  # -log 0.8 - log 0.9
    0.328504

    """
    p, y, w = _bce_parts(input, target, weight, reduction)
    value = None
    if want & VALUE:
        with np.errstate(divide="ignore"):
            log_p = np.log(p)
            log_q = np.log1p(-p)
        np.maximum(log_p, _BCE_LOG_FLOOR, out=log_p)
        np.maximum(log_q, _BCE_LOG_FLOOR, out=log_q)
        log_p *= y
        log_q *= 1.0 - y
        log_p += log_q  # y log p + (1 - y) log(1 - p)
        value = -reduce(log_p * w if weight is not None else log_p, reduction)
    if not want & GRAD:
        return value, None
    den = 1.0 - p
    den *= p
    np.maximum(den, _BCE_EPS, out=den)
    g = p - y
    g /= den
    if weight is not None:
        g *= w
    return value, scale_grad(g, reduction)


bce = register(
    Loss(
        name="bce",
        display_name="Binary cross-entropy",
        task="classification",
        input_domain="probability",
        target_domain="probability",
        convex=True,
        formula_latex=r"-\big(y\log p + (1-y)\log(1-p)\big)",
        grad_latex=r"\frac{p - y}{p(1-p)}",
        **fused(_bce),
        torch_name="torch.nn.functional.binary_cross_entropy",
        keras_name="keras.losses.BinaryCrossentropy",
        sklearn_name="sklearn.metrics.log_loss",
        subgradient="p(1 - p) floored at 1e-12 in the gradient (PyTorch)",
    )
)


# --------------------------------------------------------- bce_with_logits
def _logit_ce(z, e, y_neg, y_pos):
    """Return ``(1 - y) softplus(z) + pi y softplus(-z)`` per element, no cancellation.

    ``e`` is :func:`exp_neg_abs` ``(z)``, ``y_neg = 1 - y`` and ``y_pos = pi y`` (``y``
    without a positive weight).
    """
    ce, sp_neg = softplus_pair(z, e)
    ce *= y_neg
    sp_neg *= y_pos
    ce += sp_neg
    return ce


def _bcel_parts(input, target, weight, pos_weight, reduction, values=True):
    """Validate the arguments of :func:`bce_with_logits`.

    ``values=False`` skips the checks of the values of ``input`` and ``target``
    (finite, targets in [0, 1]), for a caller that makes them part by part.
    """
    z, y = pair(input, target, reduction, finite=values)
    if values:
        check_in_unit_interval(y, "target")
    w = _elementwise_weight(weight, "weight", z.shape)
    pw = _elementwise_weight(pos_weight, "pos_weight", z.shape)
    return z, y, w, pw


@loss_doc(
    {
        "input": ("array_like", "Logits :math:`z` (any real numbers)."),
        "target": ("array_like", r"Target probabilities :math:`y \in [0, 1]`, same shape."),
        "weight": (
            "array_like, optional",
            "Non-negative per-element weights :math:`w`, broadcasting to ``input``'s shape.",
        ),
        "pos_weight": (
            "array_like, optional",
            r"Non-negative weight :math:`\pi` of the positive term, broadcasting to ``input``'s "
            r"shape (typically one per class, shape ``(C,)``).",
        ),
    },
    value_errors="shape mismatch, targets outside [0, 1], negative weights, NaN/inf, empty "
    "input or an unknown reduction",
)
def _bce_with_logits(want, input, target, *, weight=None, pos_weight=None, reduction="mean"):
    r"""Binary cross-entropy on logits, computed stably.

    Notes
    -----
    With :math:`\operatorname{softplus}(t) = \log(1 + e^t)` computed as
    ``logaddexp(0, t)`` and :math:`\sigma` the logistic sigmoid,

    .. math:: \ell = w\,\big(\pi y \operatorname{softplus}(-z)
              + (1 - y)\operatorname{softplus}(z)\big),

    .. math:: \frac{\partial\ell}{\partial z} = w\,\big((1 - y)\,\sigma(z)
              - \pi y\,\sigma(-z)\big) \;\; (= w(\sigma(z) - y) \text{ when } \pi = 1).

    PyTorch evaluates the equal form :math:`(1 - y)z + (1 + (\pi - 1)y)
    \operatorname{softplus}(-z)`, which loses relative accuracy to cancellation when
    the loss is tiny; the form above does not.
    Same as ``torch.nn.functional.binary_cross_entropy_with_logits``; stable for
    any float64 logit.

    Examples
    --------
    >>> import numpy as np
    >>> from lossviz.losses import bce_with_logits
    >>> bce_with_logits([0.0], [1.0]) == float(np.log(2.0))
    True
    >>> bce_with_logits([1e4, -1e4], [1.0, 1.0], reduction="none")
    array([    0., 10000.])

    """
    try:  # the values of input and target are checked by the pass over the parts below
        z, y, w, pw = _bcel_parts(input, target, weight, pos_weight, reduction, values=False)
    except (TypeError, ValueError):
        _bcel_parts(input, target, weight, pos_weight, reduction)  # the first error, in order
        raise
    summed = want & VALUE and weight is None and reduction != "none"
    per = np.empty_like(z) if want & VALUE and not summed else None
    grad = np.empty_like(z) if want & GRAD else None
    wb = None if weight is None else np.broadcast_to(w, z.shape)
    pwb = None if pos_weight is None else np.broadcast_to(pw, z.shape)
    total = 0.0
    for part in chunks(z, y, wb, pwb, per, grad):
        if not (np.isfinite(part[0]).all() and part[1].min() >= 0 and part[1].max() <= 1):
            _bcel_parts(input, target, weight, pos_weight, reduction)  # raises
        total += _bcel_part(want, summed, *part)
    value = per
    if summed:
        value = total / z.size if reduction == "mean" else total
    elif want & VALUE:
        value = reduce(per, reduction)
    if grad is not None:
        grad = scale_grad(grad, reduction)
    return value, grad


def _bcel_part(want, summed, z, y, w, pw, per, grad) -> float:
    """Compute :func:`bce_with_logits` on one part (:func:`._kernels.chunks`) of its arrays.

    The losses are written into ``per`` (or, if ``summed``, their sum returned) and the
    unscaled gradient into ``grad``; ``w`` and ``pw`` are the weights (None: none), and
    ``per`` and ``grad`` None when not asked for.
    """
    e = exp_neg_abs(z)
    y_neg = 1.0 - y
    y_pos = y if pw is None else pw * y
    total = 0.0
    if summed:
        # softplus(+-z) = relu(+-z) + log(1 + e): the sum of (1 - y) softplus(z) and
        # pi y softplus(-z) as sums of non-negative terms, no per-element array
        t = np.log1p(e)
        total = float(np.sum(t if pw is None else t * (y_neg + y_pos)))
        total += sum_of_products(y_neg, np.maximum(z, 0.0))
        total -= sum_of_products(y_pos, np.minimum(z, 0.0))
    elif per is not None:
        ce = _logit_ce(z, e, y_neg, y_pos)
        if w is not None:
            ce *= w
        per[...] = ce
    if grad is None:
        return total
    if pw is None:
        # (1 - y) sigmoid(z) - y sigmoid(-z) with s = sigmoid(-|z|) = e / (1 + e) and
        # q = [z < 0]: (1 - y) - s where z >= 0, s - y where z < 0, i.e.
        # ((1 - y) - q) + (2q - 1) s: no 1 - sigmoid, so tiny gradients keep their digits
        q = z < 0
        s_small = e / (e + 1.0)
        s_small *= 2.0 * q - 1.0
        np.subtract(y_neg, q, out=grad)
        grad += s_small
    else:
        s_pos, s_neg = sigmoid_pair(z, e)
        s_pos *= y_neg
        s_neg *= y_pos
        np.subtract(s_pos, s_neg, out=grad)  # (1 - y) sigmoid(z) - pi y sigmoid(-z)
    if w is not None:
        grad *= w
    return total


bce_with_logits = register(
    Loss(
        name="bce_with_logits",
        display_name="Binary cross-entropy with logits",
        task="classification",
        input_domain="real",
        target_domain="probability",
        convex=True,
        formula_latex=r"y\log(1 + e^{-z}) + (1 - y)\log(1 + e^{z})",
        grad_latex=r"\sigma(z) - y",
        **fused(_bce_with_logits),
        torch_name="torch.nn.functional.binary_cross_entropy_with_logits",
        keras_name="keras.losses.BinaryCrossentropy(from_logits=True)",
    )
)


# ------------------------------------------------------ cross_entropy, nll
class _ClassParts(NamedTuple):
    """Validated scores and targets of :func:`cross_entropy` and :func:`nll`."""

    scores: np.ndarray  # (N, C, d1, ...), a batch axis added to unbatched (C,) input
    target: np.ndarray  # class indices (N, d1, ...) or probabilities (N, C, d1, ...)
    probs: bool  # whether target holds probabilities
    weight: np.ndarray  # class weights (C,)
    out_shape: tuple  # shape of the "none" output
    in_shape: tuple  # shape of the input (and of its gradient)


def _class_parts(
    input, target, weight, ignore_index, reduction, allow_probs, finite=True
) -> _ClassParts:
    """Validate (C,) / (N, C, d1, ...) scores and their targets.

    ``finite=False`` leaves the finiteness of the scores to the caller.
    """
    check_reduction(reduction)
    ignore_index = as_int(ignore_index, "ignore_index")
    z = as_array(input, "input", finite=finite)
    if z.ndim == 0:
        raise ValueError(
            "input must have a class axis: shape (C,), (N, C) or (N, C, d1, ...); got a scalar"
        )
    unbatched = z.ndim == 1
    zb = z[None] if unbatched else z
    n_classes = zb.shape[1]
    w = class_weights(weight, n_classes, z.shape)
    probs = allow_probs and np.shape(target) == z.shape
    if probs:
        if ignore_index != IGNORE_INDEX:
            raise ValueError(
                f"ignore_index={ignore_index} is only supported for class-index targets, "
                f"not for class probabilities of shape {z.shape}"
            )
        t = as_array(target, "target")
        check_in_unit_interval(t, "target")
        t = t[None] if unbatched else t
    else:
        expected = z.shape[:0] if unbatched else (zb.shape[0], *zb.shape[2:])
        also = f" or class probabilities of shape {z.shape}" if allow_probs else ""
        t = class_indices(target, expected, z.shape, n_classes, ignore_index, also)
        t = t[None] if unbatched else t
    out_shape = () if unbatched else (zb.shape[0], *zb.shape[2:])
    return _ClassParts(zb, t, probs, w, out_shape, z.shape)


def _w_along_class_axis(w, ndim):
    """Reshape class weights (C,) to broadcast along axis 1 of an ndim-array."""
    return w.reshape((1, -1) + (1,) * (ndim - 2))


def _flat_positions(a, idx):
    """Positions ``n C + idx[n]`` in ``a.ravel()`` of a C-contiguous (N, C) ``a``, else None."""
    if a.ndim != 2 or not a.flags.c_contiguous:
        return None
    n_classes = a.shape[1]
    return np.arange(0, idx.shape[0] * n_classes, n_classes) + idx


def _pick(a, idx):
    """Return ``a[n, idx[n], ...]``, the entry of each sample's class (classes on axis 1)."""
    flat = _flat_positions(a, idx)
    if flat is not None:  # take from the flat array: about twice as fast as a[rows, idx]
        return a.ravel().take(flat)
    if a.ndim == 2:  # plain fancy indexing: several times faster than take_along_axis
        return a[np.arange(idx.shape[0]), idx]
    return np.take_along_axis(a, idx[:, None], axis=1)[:, 0]


def _put(a, idx, values):
    """Set ``a[n, idx[n], ...] = values[n, ...]`` in place (classes on axis 1)."""
    flat = _flat_positions(a, idx)
    if flat is not None:
        np.put(a, flat, values)
    elif a.ndim == 2:
        a[np.arange(idx.shape[0]), idx] = values
    else:
        np.put_along_axis(a, idx[:, None], values[:, None], axis=1)


def _index_terms(logp, t, w, ignore_index):
    """Per-target weights (0 where ignored), picked log-probabilities and the mask."""
    mask = t != ignore_index
    if mask.all():  # nothing ignored: no masking needed
        safe, w_t = t, w[t]
    else:
        safe = np.where(mask, t, 0)
        w_t = np.where(mask, w[safe], 0.0)
    return mask, safe, _pick(logp, safe), w_t


def _mean_divisor(w_t, reduction):
    denom = float(np.sum(w_t))
    if reduction == "mean" and denom == 0.0:
        raise ValueError(
            "target: every target equals ignore_index or has zero class weight, so the "
            "weighted mean divides by zero; use reduction='sum' or keep some targets"
        )
    return denom


@loss_doc(
    {
        "input": (
            "array_like",
            "Logits of shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; axis 1 (axis 0 when "
            "unbatched) holds the classes.",
        ),
        "target": (
            "array_like",
            "Class indices of shape ``()``, ``(N,)`` or ``(N, d1, ...)`` (integer values in "
            "``[0, C)`` or ``ignore_index``), or class probabilities with the shape of "
            "``input`` (entries in [0, 1]). A target with exactly the shape of "
            "``input`` is read as probabilities.",
        ),
        "weight": ("array_like, optional", "Non-negative class weights, shape ``(C,)``."),
        "ignore_index": (
            "int, default -100",
            "Class-index targets equal to it contribute nothing (index targets only).",
        ),
        "label_smoothing": (
            "float, default 0.0",
            r":math:`\varepsilon \in [0, 1]`: mix the target with the uniform distribution.",
        ),
    },
    value_errors="shapes that do not fit, class indices out of range or non-integer, "
    "probabilities outside [0, 1], NaN/inf, ``ignore_index`` with probability targets, a "
    "mean over no (weighted) target, or an unknown reduction",
    per="sample",
    reduction=r'"none" gives one loss per sample (shape of an index target). For index targets '
    r'"mean" divides by the summed weights :math:`\sum_n w_{y_n}` of the non-ignored '
    r"targets (their count without ``weight``); for probability targets it divides by "
    r"the number of samples ``N * d1 * ...``.",
    type_errors="non-numeric, boolean or complex arguments or a non-integer ignore_index",
)
def _cross_entropy(
    want,
    input,
    target,
    *,
    weight=None,
    ignore_index=IGNORE_INDEX,
    label_smoothing=0.0,
    reduction="mean",
):
    r"""Cross-entropy between logits and class indices or class probabilities.

    Notes
    -----
    With :math:`\log p = \operatorname{log\_softmax}(z)` (computed by log-sum-exp),
    for an index target :math:`y`,

    .. math:: \ell = (1 - \varepsilon)\,\big(-w_y \log p_y\big)
              + \frac{\varepsilon}{C}\sum_c \big(-w_c \log p_c\big),

    .. math:: \frac{\partial\ell}{\partial z_k} = (1 - \varepsilon)\,w_y (p_k - [k = y])
              + \frac{\varepsilon}{C}\Big(p_k \sum_c w_c - w_k\Big).

    For probability targets :math:`q' = (1 - \varepsilon) q + \varepsilon / C`,
    :math:`\ell = -\sum_c w_c q'_c \log p_c` and
    :math:`\partial\ell/\partial z_k = p_k \sum_c w_c q'_c - w_k q'_k`.
    Matches ``torch.nn.functional.cross_entropy``, including label smoothing with
    weights, except that a mean over zero total weight raises instead of returning NaN.

    Examples
    --------
    >>> from lossviz.losses import cross_entropy
    >>> round(cross_entropy([[2.0, 0.0, 0.0]], [0]), 6)  # log(e^2 + 2) - 2
    0.239545

    """
    parts = _class_parts(input, target, weight, ignore_index, reduction, allow_probs=True)
    z, t, w = parts.scores, parts.target, parts.weight
    eps = as_real(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    n_classes = z.shape[1]
    logp = log_softmax(z, axis=1)
    wb = _w_along_class_axis(w, z.ndim)
    value = g = None
    if parts.probs:
        wq = (t * (1.0 - eps) + eps / n_classes) * wb  # weighted smoothed target
        if want & VALUE:
            per = -np.sum(logp * wq, axis=1)
            value = reduce(per.reshape(parts.out_shape), reduction, per.size)
        if want & GRAD:
            g = np.exp(logp, out=logp)  # softmax p
            g *= np.sum(wq, axis=1, keepdims=True)
            g -= wq  # p sum(w q') - w q'
            g = scale_grad(g, reduction, g.size / n_classes).reshape(parts.in_shape)
        return value, g
    mask, safe, picked, w_t = _index_terms(logp, t, w, ignore_index)
    denom = _mean_divisor(w_t, reduction)
    smooth = (eps / n_classes) * mask  # weight of the smoothing term, 0 where ignored
    if want & VALUE:
        per = -(1.0 - eps) * w_t * picked
        if eps > 0.0:  # - (eps / C) sum_c w_c log p_c
            per -= smooth * np.einsum("ij...,j->i...", logp, w)
        value = reduce(per.reshape(parts.out_shape), reduction, denom)
    if want & GRAD:
        # (1 - eps) w_y (p - onehot(y)) + (eps / C) (p sum(w) - w), in one array
        coef = (1.0 - eps) * w_t
        g = np.exp(logp, out=logp)  # softmax p
        g *= (coef + smooth * np.sum(w))[:, None]
        _put(g, safe, _pick(g, safe) - coef)
        if eps > 0.0:
            g -= wb * smooth[:, None]
        g = scale_grad(g, reduction, denom).reshape(parts.in_shape)
    return value, g


cross_entropy = register(
    Loss(
        name="cross_entropy",
        display_name="Cross-entropy (softmax)",
        task="classification",
        input_domain="real",
        target_domain="class",
        convex=True,
        formula_latex=r"-\log\frac{e^{z_y}}{\sum_c e^{z_c}}",
        grad_latex=r"\operatorname{softmax}(z)_k - [k = y]",
        **fused(_cross_entropy),
        torch_name="torch.nn.functional.cross_entropy",
        keras_name="keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
        sklearn_name="sklearn.metrics.log_loss",
    )
)


@loss_doc(
    {
        "input": (
            "array_like",
            "Log-probabilities (e.g. a log-softmax) of shape ``(C,)``, ``(N, C)`` or ``(N, C, "
            "d1, ...)``, classes along axis 1 (axis 0 when unbatched).",
        ),
        "target": (
            "array_like",
            "Class indices of shape ``()``, ``(N,)`` or ``(N, d1, ...)``, integer values in "
            "``[0, C)`` or ``ignore_index``.",
        ),
        "weight": ("array_like, optional", "Non-negative class weights, shape ``(C,)``."),
        "ignore_index": ("int, default -100", "Targets equal to it contribute nothing."),
    },
    value_errors="shapes that do not fit, class indices out of range or non-integer, NaN/inf, a "
    "mean over no (weighted) target or an unknown reduction",
    per="sample",
    reduction=r'"mean" divides by the summed weights :math:`\sum_n w_{y_n}` of the non-ignored '
    r"targets (their count without ``weight``).",
    type_errors="non-numeric, boolean or complex arguments or a non-integer ignore_index",
)
def _nll(want, input, target, *, weight=None, ignore_index=IGNORE_INDEX, reduction="mean"):
    r"""Negative log-likelihood of class indices given log-probabilities.

    Notes
    -----
    .. math:: \ell = -w_y\, x_y, \qquad \frac{\partial\ell}{\partial x_k} = -w_y [k = y].

    Same as ``torch.nn.functional.nll_loss`` (the input is not checked to be a
    log-probability, as in PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> from lossviz.losses import nll
    >>> nll(np.log([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]), [0, 2], reduction="none")
    array([0.69314718, 0.22314355])

    """
    args = (input, target, weight, ignore_index, reduction, False)
    try:  # the scores' finiteness: checked below, with the picking of the target entries
        parts = _class_parts(*args, finite=False)
    except (TypeError, ValueError):
        _class_parts(*args)  # the first error, in order
        raise
    x, t, w = parts.scores, parts.target, parts.weight
    mask = t != ignore_index
    safe = t if mask.all() else np.where(mask, t, 0)
    w_t = w[safe] if safe is t else np.where(mask, w[safe], 0.0)
    denom = _mean_divisor(w_t, reduction)
    # -w_y at the target class, scaled for the mean before it is put (N numbers, not N C)
    coef = scale_grad(-w_t, reduction, denom) if want & GRAD else None
    g = np.empty_like(x) if want & GRAD else None
    flat = _flat_positions(x, safe)
    if flat is None:  # not (N, C) in C order: whole arrays
        if not np.isfinite(x).all():
            _class_parts(*args)  # raises
        picked = _pick(x, safe)
        if g is not None:
            g.fill(0.0)
            _put(g, safe, coef)
    else:  # rows in parts of about _CHUNK scores: each checked, picked from and put into
        picked = np.empty(safe.shape)  # while it is in the cache
        rows = max(1, _CHUNK // x.shape[1])
        x_flat, g_flat = x.reshape(-1), None if g is None else g.reshape(-1)
        for start in range(0, x.shape[0], rows):
            stop = min(start + rows, x.shape[0])
            part = slice(start * x.shape[1], stop * x.shape[1])
            if not np.isfinite(x_flat[part]).all():
                _class_parts(*args)  # raises
            np.take(x_flat, flat[start:stop], out=picked[start:stop])
            if g_flat is not None:
                g_flat[part] = 0.0
                g_flat[flat[start:stop]] = coef[start:stop]
    value = None
    if want & VALUE:
        value = reduce((-w_t * picked).reshape(parts.out_shape), reduction, denom)
    return value, None if g is None else g.reshape(parts.in_shape)


nll = register(
    Loss(
        name="nll",
        display_name="Negative log-likelihood",
        task="classification",
        input_domain="log-probability",
        target_domain="class",
        convex=True,
        formula_latex=r"-w_y\,x_y",
        grad_latex=r"-w_y\,[k = y]",
        **fused(_nll),
        torch_name="torch.nn.functional.nll_loss",
    )
)


# ----------------------------------------------------------- sigmoid_focal
class _FocalParts(NamedTuple):
    """Validated arguments of :func:`sigmoid_focal` and the intermediates both passes use."""

    y: np.ndarray  # targets
    gamma: float
    s_pos: np.ndarray  # p = sigmoid(z)
    pq: np.ndarray  # p (1 - p), with 1 - p = sigmoid(-z)
    m: np.ndarray  # 1 - p_t
    ce: np.ndarray  # binary cross-entropy with logits
    a_t: np.ndarray | float  # class weight alpha_t (1.0 when alpha < 0)


def _focal_parts(input, target, alpha, gamma, reduction) -> _FocalParts:
    alpha = as_real(alpha, "alpha", high=1.0)
    gamma = as_real(gamma, "gamma", low=0.0)
    z, y = pair(input, target, reduction)
    check_in_unit_interval(y, "target")
    # in place where possible: at most about 8 arrays of the input's size at once
    e = exp_neg_abs(z)
    y_neg = 1.0 - y
    ce = _logit_ce(z, e, y_neg, y)  # BCE with logits
    a_t = 1.0
    if alpha >= 0:
        a_t = y * alpha
        a_t += (1.0 - alpha) * y_neg
    s_pos, pq = sigmoid_pair(z, e)
    del e
    m = y * pq
    y_neg *= s_pos
    m += y_neg  # 1 - p_t = y (1 - p) + (1 - y) p
    del y_neg
    pq *= s_pos
    return _FocalParts(y, gamma, s_pos, pq, m, ce, a_t)


@loss_doc(
    {
        "input": ("array_like", "Logits :math:`z`."),
        "target": ("array_like", r"Binary targets :math:`y \in [0, 1]`, same shape as ``input``."),
        "alpha": (
            "float, default 0.25",
            r"Weight :math:`\alpha \le 1` of the positive class; any ``alpha < 0`` turns the "
            r"class weighting off.",
        ),
        "gamma": (
            "float, default 2.0",
            r"Focusing exponent :math:`\gamma \ge 0`; ``gamma=0`` gives (weighted) BCE.",
        ),
    },
    value_errors="shape mismatch, targets outside [0, 1], ``alpha > 1``, ``gamma < 0``, "
    "NaN/inf, empty input or an unknown reduction",
    reduction='How per-element losses are combined (torchvision\'s default is "none").',
)
def _sigmoid_focal(want, input, target, *, alpha=0.25, gamma=2.0, reduction="mean"):
    r"""Sigmoid focal loss on logits (torchvision's formula).

    Notes
    -----
    With :math:`p = \sigma(z)`, :math:`m = 1 - p_t = y(1 - p) + (1 - y)p`,
    :math:`\mathrm{ce} = \operatorname{BCE}(z, y)` and
    :math:`\alpha_t = \alpha y + (1 - \alpha)(1 - y)`,

    .. math:: \ell = \alpha_t\, \mathrm{ce}\; m^{\gamma},

    .. math:: \frac{\partial\ell}{\partial z} = \alpha_t\Big((p - y)\,m^{\gamma}
              + \gamma\,\mathrm{ce}\; m^{\gamma - 1}(1 - 2y)\,p(1 - p)\Big).

    :math:`1 - p` is computed as :math:`\sigma(-z)`, and the cross-entropy with
    ``logaddexp``, so large logits neither overflow nor lose the loss to rounding.

    Examples
    --------
    >>> from lossviz.losses import sigmoid_focal
    >>> sigmoid_focal([0.0], [1.0])  # 0.25 * log 2 * 0.5**2
    0.04332169878499658

    """
    f = _focal_parts(input, target, alpha, gamma, reduction)
    m_gamma = f.m**f.gamma
    value = None
    if want & VALUE:
        per = f.ce * f.a_t
        per *= m_gamma
        value = reduce(per, reduction)
        del per
    if not want & GRAD:
        return value, None
    if f.gamma >= 1.0:  # m^(gamma - 1) is finite everywhere
        focus = f.m ** (f.gamma - 1.0)
    else:  # only used where m > 0; the focusing term is taken as its limit 0 elsewhere
        pos = f.m > 0
        focus = np.where(pos, f.m, 1.0) ** (f.gamma - 1.0)
        focus *= pos
    focus *= f.ce
    focus *= f.gamma
    sign = np.multiply(f.y, -2.0, out=f.m)  # m is not needed any more: reuse its memory
    sign += 1.0
    focus *= sign  # (1 - 2y)
    focus *= f.pq  # gamma ce m^(gamma - 1) (1 - 2y) p (1 - p)
    g = f.s_pos  # p is not needed after this: reuse its memory
    g -= f.y
    g *= m_gamma
    g += focus
    g *= f.a_t
    return value, scale_grad(g, reduction)


sigmoid_focal = register(
    Loss(
        name="sigmoid_focal",
        display_name="Sigmoid focal loss",
        task="classification",
        input_domain="real",
        target_domain="probability",
        convex=False,
        formula_latex=r"-\alpha_t (1 - p_t)^{\gamma} \log p_t",
        grad_latex=r"\alpha_t\big((p - y)(1-p_t)^{\gamma} + \gamma\,\mathrm{ce}\,"
        r"(1-p_t)^{\gamma-1}(1-2y)p(1-p)\big)",
        **fused(_sigmoid_focal),
        torch_name="torchvision.ops.sigmoid_focal_loss",
        # Keras weights the classes by alpha only when asked, and reads probabilities by default
        keras_name=(
            "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, from_logits=True)"
        ),
        subgradient="where 1 - p_t underflows to 0 the focusing term is taken as its limit 0",
    )
)
