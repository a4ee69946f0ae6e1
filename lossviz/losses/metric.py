"""Ranking and metric-learning losses on pairs and triplets of embeddings."""

from __future__ import annotations

import numpy as np

from ._reduction import reduce, reduce_grad
from ._registry import Loss, register
from ._validate import as_array, as_option, check_plus_minus_one, check_reduction, same_shape

_COS_EPS = 1e-12  # PyTorch's guard added to the squared norms in cosine_embedding_loss


# ---------------------------------------------------------- margin_ranking
def _ranking_parts(input1, input2, target, margin, reduction):
    check_reduction(reduction)
    margin = as_option(margin, "margin")
    x1 = as_array(input1, "input1")
    x2 = as_array(input2, "input2")
    y = as_array(target, "target")
    same_shape(x1, "input1", x2, "input2")
    same_shape(x1, "input1", y, "target")
    check_plus_minus_one(y, "target")
    arg = -y * (x1 - x2) + margin
    return y, arg


def _margin_ranking(input1, input2, target, *, margin=0.0, reduction="mean"):
    r"""Margin ranking loss: score ``input1`` above ``input2`` when ``target`` is +1.

    Parameters
    ----------
    input1, input2 : array_like
        Scores :math:`x_1, x_2` of the same shape.
    target : array_like
        :math:`y = +1` if :math:`x_1` should rank higher, -1 if :math:`x_2` should.
    margin : float, default 0.0
        Required gap :math:`m`.
    reduction : {"mean", "sum", "none"}, default "mean"
        How per-element losses are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-element losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shape mismatch, targets other than -1/+1, NaN/inf, empty input or an
        unknown reduction.

    Notes
    -----
    .. math:: \ell = \max(0, -y(x_1 - x_2) + m), \qquad
              \frac{\partial\ell}{\partial x_1} = -\frac{\partial\ell}{\partial x_2}
              = -y\,[-y(x_1 - x_2) + m \ge 0].

    ``.grad`` returns ``(d/d input1, d/d input2)``. At the kink the active branch
    is taken, as PyTorch's autograd does. Same as
    ``torch.nn.functional.margin_ranking_loss``.

    Examples
    --------
    >>> from lossviz.losses import margin_ranking
    >>> margin_ranking([1.0, 0.0], [0.0, 1.0], [1, 1], margin=0.5, reduction="none")
    array([0. , 1.5])

    """
    _, arg = _ranking_parts(input1, input2, target, margin, reduction)
    return reduce(np.maximum(arg, 0.0), reduction)


def _margin_ranking_grad(input1, input2, target, *, margin=0.0, reduction="mean"):
    y, arg = _ranking_parts(input1, input2, target, margin, reduction)
    g = np.where(arg >= 0, -y, 0.0)
    return reduce_grad(g, reduction), reduce_grad(-g, reduction)


margin_ranking = register(
    Loss(
        name="margin_ranking",
        display_name="Margin ranking loss",
        task="ranking/metric learning",
        convex=True,
        formula_latex=r"\max(0, -y(x_1 - x_2) + m)",
        grad_latex=r"-y\,[-y(x_1 - x_2) + m \ge 0]",
        value_fn=_margin_ranking,
        grad_fn=_margin_ranking_grad,
        inputs=("input1", "input2"),
        torch_name="torch.nn.functional.margin_ranking_loss",
        subgradient="active branch (-y, +y) at -y(x1 - x2) + margin == 0 (PyTorch)",
    )
)


# -------------------------------------------------------- cosine_embedding
def _cosine_parts(input1, input2, target, margin, reduction):
    check_reduction(reduction)
    margin = as_option(margin, "margin")
    x1 = as_array(input1, "input1")
    x2 = as_array(input2, "input2")
    same_shape(x1, "input1", x2, "input2")
    if x1.ndim not in (1, 2):
        raise ValueError(f"input1 must have shape (D,) or (N, D), got shape {x1.shape}")
    expected = x1.shape[:-1]
    if np.shape(target) != expected:
        raise ValueError(
            f"target must have shape {expected} (one label per pair) for inputs of shape "
            f"{x1.shape}; got target of shape {np.shape(target)}"
        )
    y = as_array(target, "target")
    check_plus_minus_one(y, "target")
    s = np.sum(x1 * x2, axis=-1)
    m1 = np.sum(x1 * x1, axis=-1) + _COS_EPS
    m2 = np.sum(x2 * x2, axis=-1) + _COS_EPS
    denom = np.sqrt(m1 * m2)
    cos = s / denom
    return x1, x2, y, cos, m1, m2, denom, margin


def _cosine_embedding(input1, input2, target, *, margin=0.0, reduction="mean"):
    r"""Cosine embedding loss: pull +1 pairs together, push -1 pairs below ``margin``.

    Parameters
    ----------
    input1, input2 : array_like
        Embeddings of shape ``(N, D)`` (or ``(D,)`` for one pair).
    target : array_like
        Labels in {-1, +1}, shape ``(N,)`` (or ``()``).
    margin : float, default 0.0
        Cosine similarity above which a -1 pair is penalised (use [-1, 1]).
    reduction : {"mean", "sum", "none"}, default "mean"
        How per-pair losses are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-pair losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shapes that do not fit, targets other than -1/+1, NaN/inf, empty
        input or an unknown reduction.

    Notes
    -----
    With :math:`c = \frac{x_1\cdot x_2}{\sqrt{(\|x_1\|^2 + \epsilon)(\|x_2\|^2 + \epsilon)}}`,
    :math:`\epsilon = 10^{-12}` (PyTorch's guard),

    .. math:: \ell = \begin{cases} 1 - c & y = 1 \\ \max(0, c - m) & y = -1 \end{cases},
              \qquad \frac{\partial c}{\partial x_1} =
              \frac{x_2}{\sqrt{(\|x_1\|^2 + \epsilon)(\|x_2\|^2 + \epsilon)}}
              - c\,\frac{x_1}{\|x_1\|^2 + \epsilon}.

    ``.grad`` returns ``(d/d input1, d/d input2)``. For :math:`y = -1` at
    :math:`c = m` the active branch is taken (PyTorch's autograd). Same as
    ``torch.nn.functional.cosine_embedding_loss``.

    Examples
    --------
    >>> from lossviz.losses import cosine_embedding
    >>> cosine_embedding([[1.0, 0.0], [1.0, 0.0]], [[0.0, 2.0], [3.0, 0.0]], [1, -1],
    ...                  reduction="none").round(6)
    array([1., 1.])

    """
    _, _, y, cos, _, _, _, margin = _cosine_parts(input1, input2, target, margin, reduction)
    per = np.where(y == 1, 1.0 - cos, np.maximum(0.0, cos - margin))
    return reduce(per, reduction)


def _cosine_embedding_grad(input1, input2, target, *, margin=0.0, reduction="mean"):
    x1, x2, y, cos, m1, m2, denom, margin = _cosine_parts(
        input1, input2, target, margin, reduction
    )
    c = cos[..., None]
    dc1 = x2 / denom[..., None] - c * x1 / m1[..., None]
    dc2 = x1 / denom[..., None] - c * x2 / m2[..., None]
    coef = np.where(y == 1, -1.0, np.where(cos - margin >= 0, 1.0, 0.0))[..., None]
    n = cos.size
    return reduce_grad(coef * dc1, reduction, n), reduce_grad(coef * dc2, reduction, n)


cosine_embedding = register(
    Loss(
        name="cosine_embedding",
        display_name="Cosine embedding loss",
        task="ranking/metric learning",
        convex=False,
        formula_latex=r"\begin{cases} 1 - \cos(x_1, x_2) & y = 1 \\ "
        r"\max(0, \cos(x_1, x_2) - m) & y = -1 \end{cases}",
        grad_latex=r"\mp\Big(\frac{x_2}{\|x_1\|\|x_2\|} - \cos(x_1, x_2)\frac{x_1}{\|x_1\|^2}\Big)",
        value_fn=_cosine_embedding,
        grad_fn=_cosine_embedding_grad,
        inputs=("input1", "input2"),
        torch_name="torch.nn.functional.cosine_embedding_loss",
        subgradient="active branch at cos == margin for y = -1 (PyTorch)",
    )
)


# ---------------------------------------------------------- triplet_margin
def _pnorm_and_grad(v, p):
    """Return ||v||_p over the last axis and its gradient, without overflow.

    The norm is scaled by max|v| first; where the norm is 0 the gradient is 0
    (PyTorch's choice).
    """
    a = np.abs(v)
    big = np.max(a, axis=-1, keepdims=True)
    safe_big = np.where(big > 0, big, 1.0)
    r = a / safe_big
    norm = (safe_big * np.sum(r**p, axis=-1, keepdims=True) ** (1.0 / p)) * (big > 0)
    safe_norm = np.where(norm > 0, norm, 1.0)
    if p == 1.0:
        g = np.sign(v)
    else:
        g = np.sign(v) * (a / safe_norm) ** (p - 1.0)
    g = np.where(norm > 0, g, 0.0)
    return norm[..., 0], g


def _triplet_parts(anchor, positive, negative, margin, p, eps, reduction):
    check_reduction(reduction)
    margin = as_option(margin, "margin", low=0.0, low_open=True)
    p = as_option(p, "p", low=1.0)
    eps = as_option(eps, "eps", low=0.0)
    a = as_array(anchor, "anchor")
    pos = as_array(positive, "positive")
    neg = as_array(negative, "negative")
    same_shape(a, "anchor", pos, "positive")
    same_shape(a, "anchor", neg, "negative")
    if a.ndim not in (1, 2):
        raise ValueError(f"anchor must have shape (D,) or (N, D), got shape {a.shape}")
    d_ap, g_ap = _pnorm_and_grad(a - pos + eps, p)
    d_an, g_an = _pnorm_and_grad(a - neg + eps, p)
    arg = d_ap - d_an + margin
    return arg, g_ap, g_an


def _triplet_margin(
    anchor, positive, negative, *, margin=1.0, p=2.0, eps=1e-6, reduction="mean"
):
    r"""Triplet margin loss: the anchor closer to the positive than to the negative by ``margin``.

    Parameters
    ----------
    anchor, positive, negative : array_like
        Embeddings of shape ``(N, D)`` (or ``(D,)`` for one triplet).
    margin : float, default 1.0
        Required gap :math:`m > 0` between the two distances.
    p : float, default 2.0
        Order of the distance norm (>= 1).
    eps : float, default 1e-6
        Added to each difference before the norm, as PyTorch's
        ``pairwise_distance`` does (>= 0).
    reduction : {"mean", "sum", "none"}, default "mean"
        How per-triplet losses are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-triplet losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shapes that do not fit, ``margin <= 0``, ``p < 1``, NaN/inf, empty
        input or an unknown reduction.

    Notes
    -----
    With :math:`d(u, v) = \|u - v + \epsilon\|_p`,

    .. math:: \ell = \max\big(d(a, p) - d(a, n) + m,\ 0\big),

    .. math:: \frac{\partial d(u, v)}{\partial u} =
              \operatorname{sign}(w)\Big(\frac{|w|}{\|w\|_p}\Big)^{p-1},
              \quad w = u - v + \epsilon.

    ``.grad`` returns ``(d/d anchor, d/d positive, d/d negative)``. At the kink
    (the bracket exactly 0) the active branch is taken and for a zero
    difference the norm's gradient is 0, as PyTorch does. PyTorch's ``swap``
    option is not provided. Same as ``torch.nn.functional.triplet_margin_loss``.

    Examples
    --------
    >>> from lossviz.losses import triplet_margin
    >>> triplet_margin([[0.0, 0.0]], [[3.0, 4.0]], [[6.0, 8.0]], eps=0.0)  # 5 - 10 + 1 < 0
    0.0
    >>> triplet_margin([[0.0, 0.0]], [[6.0, 8.0]], [[3.0, 4.0]], eps=0.0)  # 10 - 5 + 1
    6.0

    """
    arg, _, _ = _triplet_parts(anchor, positive, negative, margin, p, eps, reduction)
    return reduce(np.maximum(arg, 0.0), reduction)


def _triplet_margin_grad(
    anchor, positive, negative, *, margin=1.0, p=2.0, eps=1e-6, reduction="mean"
):
    arg, g_ap, g_an = _triplet_parts(anchor, positive, negative, margin, p, eps, reduction)
    active = (arg >= 0)[..., None]
    n = arg.size
    ga = np.where(active, g_ap - g_an, 0.0)
    gp = np.where(active, -g_ap, 0.0)
    gn = np.where(active, g_an, 0.0)
    return tuple(reduce_grad(g, reduction, n) for g in (ga, gp, gn))


triplet_margin = register(
    Loss(
        name="triplet_margin",
        display_name="Triplet margin loss",
        task="ranking/metric learning",
        convex=False,
        formula_latex=r"\max\big(\|a - p\|_p - \|a - n\|_p + m, 0\big)",
        grad_latex=r"\frac{a - p}{\|a - p\|} - \frac{a - n}{\|a - n\|}\ (p = 2,\ \text{active})",
        value_fn=_triplet_margin,
        grad_fn=_triplet_margin_grad,
        inputs=("anchor", "positive", "negative"),
        torch_name="torch.nn.functional.triplet_margin_loss",
        subgradient="active branch at the kink; 0 for a zero difference (PyTorch)",
    )
)
