"""Ranking and metric-learning losses on pairs and triplets of embeddings."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_real, check_plus_minus_one, check_reduction, same_shape
from ._docs import SIGNED_ERRORS, loss_doc
from ._numerics import neg_where
from ._reduction import reduce, scale_grad
from ._registry import GRAD, VALUE, Loss, Slice, fused, register

_COS_EPS = 1e-12  # PyTorch's guard added to the squared norms in cosine_embedding_loss


# ---------------------------------------------------------- margin_ranking
def _ranking_parts(input1, input2, target, margin, reduction):
    check_reduction(reduction)
    margin = as_real(margin, "margin")
    x1 = as_array(input1, "input1")
    x2 = as_array(input2, "input2")
    y = as_array(target, "target")
    same_shape(x1, "input1", x2, "input2")
    same_shape(x1, "input1", y, "target")
    check_plus_minus_one(y, "target")
    arg = -y * (x1 - x2) + margin
    return y, arg


@loss_doc(
    {
        "input1, input2": ("array_like", "Scores :math:`x_1, x_2` of the same shape."),
        "target": (
            "array_like",
            ":math:`y = +1` if :math:`x_1` should rank higher, -1 if :math:`x_2` should.",
        ),
        "margin": ("float, default 0.0", "Required gap :math:`m`."),
    },
    value_errors=SIGNED_ERRORS,
)
def _margin_ranking(want, input1, input2, target, *, margin=0.0, reduction="mean"):
    r"""Margin ranking loss: score ``input1`` above ``input2`` when ``target`` is +1.

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
    y, arg = _ranking_parts(input1, input2, target, margin, reduction)
    g = neg_where(arg >= 0, y) if want & GRAD else None  # d/d input1: -y on the active branch
    if want & VALUE:
        np.maximum(arg, 0.0, out=arg)
        value = reduce(arg, reduction)
    else:
        value = None
    if g is None:
        return value, None
    g = scale_grad(g, reduction)
    return value, (g, -g)


margin_ranking = register(
    Loss(
        name="margin_ranking",
        display_name="Margin ranking loss",
        task="ranking/metric learning",
        input_domain="real",
        target_domain="sign",
        convex=True,
        formula_latex=r"\max(0, -y(x_1 - x_2) + m)",
        grad_latex=r"-y\,[-y(x_1 - x_2) + m \ge 0]",
        **fused(_margin_ranking),
        inputs=("input1", "input2"),
        torch_name="torch.nn.functional.margin_ranking_loss",
        subgradient="active branch (-y, +y) at -y(x1 - x2) + margin == 0 (PyTorch)",
    )
)


# -------------------------------------------------------- cosine_embedding
def _pairs_of_embeddings(input1, input2, target, finite=True):
    """Validate (N, D) / (D,) embedding pairs and one +-1 label per pair.

    ``finite=False`` leaves the finiteness of the embeddings to the caller.
    """
    x1 = as_array(input1, "input1", finite=finite)
    x2 = as_array(input2, "input2", finite=finite)
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
    return x1, x2, y


@loss_doc(
    {
        "input1, input2": (
            "array_like",
            "Embeddings of shape ``(N, D)`` (or ``(D,)`` for one pair).",
        ),
        "target": ("array_like", "Labels in {-1, +1}, shape ``(N,)`` (or ``()``)."),
        "margin": (
            "float, default 0.0",
            "Cosine similarity above which a -1 pair is penalised (use [-1, 1]).",
        ),
    },
    value_errors="shapes that do not fit, targets other than -1/+1, NaN/inf, empty input or an "
    "unknown reduction",
    per="pair",
)
def _cosine_embedding(want, input1, input2, target, *, margin=0.0, reduction="mean"):
    r"""Cosine embedding loss: pull +1 pairs together, push -1 pairs below ``margin``.

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
    check_reduction(reduction)
    margin = as_real(margin, "margin")
    x1, x2, y = _pairs_of_embeddings(input1, input2, target)
    m1 = np.einsum("...i,...i->...", x1, x1) + _COS_EPS
    m2 = np.einsum("...i,...i->...", x2, x2) + _COS_EPS
    denom = np.sqrt(m1 * m2)
    cos = np.einsum("...i,...i->...", x1, x2) / denom
    similar = y == 1
    value = None
    if want & VALUE:
        per = np.where(similar, 1.0 - cos, np.maximum(0.0, cos - margin))
        value = reduce(per, reduction)
    if not want & GRAD:
        return value, None
    coef = np.where(similar, -1.0, np.where(cos - margin >= 0, 1.0, 0.0))
    n = cos.size
    if reduction == "mean":
        coef /= n
    # d cos / d x1 = x2 / denom - cos x1 / m1, and the same with 1 and 2 swapped
    a = (coef / denom)[..., None]
    b = x1 * (coef * cos / m1)[..., None]
    g1 = x2 * a
    g1 -= b
    g2 = x1 * a
    g2 -= np.multiply(x2, (coef * cos / m2)[..., None], out=b)
    return value, (g1, g2)


cosine_embedding = register(
    Loss(
        name="cosine_embedding",
        display_name="Cosine embedding loss",
        task="ranking/metric learning",
        input_domain="real",
        target_domain="sign",
        slice=Slice(
            "entry",
            point=([[1.0, 0.0], [1.0, 0.0]], [[0.0, 2.0], [3.0, 0.0]], [1, -1]),
            vary=("input1", (0, 1)),
            span=(-2.0, 2.0),
        ),
        convex=False,
        formula_latex=r"\begin{cases} 1 - \cos(x_1, x_2) & y = 1 \\ "
        r"\max(0, \cos(x_1, x_2) - m) & y = -1 \end{cases}",
        grad_latex=r"\mp\Big(\frac{x_2}{\|x_1\|\|x_2\|} - \cos(x_1, x_2)\frac{x_1}{\|x_1\|^2}\Big)",
        **fused(_cosine_embedding),
        inputs=("input1", "input2"),
        torch_name="torch.nn.functional.cosine_embedding_loss",
        subgradient="active branch at cos == margin for y = -1 (PyTorch)",
    )
)


# ---------------------------------------------------------- triplet_margin
def _pnorm(w, p):
    """Return ||w||_p over the last axis, without overflow or underflow.

    For p = 2 the plain square root of the sum of squares is used when no square
    overflows or underflows; otherwise (and for other p) each row is scaled by its
    largest |w| first.
    """
    if p == 2.0:
        norm = np.sqrt(np.einsum("...i,...i->...", w, w))
        if np.all(np.isfinite(norm)) and norm.min() > 1e-140:
            return norm
    a = np.abs(w)
    big = np.max(a, axis=-1)
    safe_big = np.where(big > 0, big, 1.0)
    r = a / safe_big[..., None]
    return safe_big * np.sum(r**p, axis=-1) ** (1.0 / p) * (big > 0)


def _pnorm_grad(w, norm, p, scale, out=None):
    """Return ``scale`` times the gradient of ``norm = ||w||_p`` over the last axis.

    The gradient is ``sign(w) (|w| / ||w||_p)^(p - 1)``, and 0 where the norm is 0
    (PyTorch's choice). ``out`` (which may be ``w`` itself) receives it if given.
    """
    safe = np.where(norm > 0, norm, 1.0)
    factor = (scale * (norm > 0))[..., None]
    if p == 2.0:
        return np.multiply(w, factor / safe[..., None], out=out)
    if p == 1.0:
        g = np.sign(w, out=out)
    else:  # (|w| / norm)^(p - 1) before w may be overwritten by its sign
        ratio = np.abs(w)
        ratio /= safe[..., None]
        ratio **= p - 1.0
        g = np.sign(w, out=out)
        g *= ratio
    g *= factor
    return g


def _pnorm_and_grad(v, p):
    """Return ||v||_p over the last axis and its gradient (0 where the norm is 0)."""
    norm = _pnorm(v, p)
    return norm, _pnorm_grad(v, norm, p, np.ones_like(norm))


def _triplet_parts(anchor, positive, negative, margin, p, eps, reduction):
    check_reduction(reduction)
    margin = as_real(margin, "margin", low=0.0, low_open=True)
    p = as_real(p, "p", low=1.0)
    eps = as_real(eps, "eps", low=0.0)
    a = as_array(anchor, "anchor")
    pos = as_array(positive, "positive")
    neg = as_array(negative, "negative")
    same_shape(a, "anchor", pos, "positive")
    same_shape(a, "anchor", neg, "negative")
    if a.ndim not in (1, 2):
        raise ValueError(f"anchor must have shape (D,) or (N, D), got shape {a.shape}")
    w_ap = a - pos
    w_ap += eps
    w_an = a - neg
    w_an += eps
    d_ap, d_an = _pnorm(w_ap, p), _pnorm(w_an, p)
    arg = d_ap - d_an + margin
    return arg, (w_ap, d_ap), (w_an, d_an), p


@loss_doc(
    {
        "anchor, positive, negative": (
            "array_like",
            "Embeddings of shape ``(N, D)`` (or ``(D,)`` for one triplet).",
        ),
        "margin": ("float, default 1.0", "Required gap :math:`m > 0` between the two distances."),
        "p": ("float, default 2.0", "Order of the distance norm (>= 1)."),
        "eps": (
            "float, default 1e-6",
            "Added to each difference before the norm, as PyTorch's ``pairwise_distance`` does "
            "(>= 0).",
        ),
    },
    value_errors="shapes that do not fit, ``margin <= 0``, ``p < 1``, NaN/inf, empty input or "
    "an unknown reduction",
    per="triplet",
)
def _triplet_margin(
    want, anchor, positive, negative, *, margin=1.0, p=2.0, eps=1e-6, reduction="mean"
):
    r"""Triplet margin loss: the anchor closer to the positive than to the negative by ``margin``.

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
    arg, w_ap, w_an, p = _triplet_parts(anchor, positive, negative, margin, p, eps, reduction)
    value = reduce(np.maximum(arg, 0.0), reduction) if want & VALUE else None
    if not want & GRAD:
        return value, None
    active = arg >= 0
    scale = active / arg.size if reduction == "mean" else active * 1.0
    # d d(a, p) / d a and d d(a, n) / d a, times the scale, in the differences' memory
    g_ap = _pnorm_grad(*w_ap, p, scale, out=w_ap[0])
    g_an = _pnorm_grad(*w_an, p, scale, out=w_an[0])
    g_anchor = g_ap - g_an
    return value, (g_anchor, np.negative(g_ap, out=g_ap), g_an)


triplet_margin = register(
    Loss(
        name="triplet_margin",
        display_name="Triplet margin loss",
        task="ranking/metric learning",
        input_domain="real",
        slice=Slice(
            "entry",
            point=([[0.0, 0.0]], [[6.0, 8.0]], [[3.0, 4.0]]),
            options={"eps": 0.0},
            vary=("positive", (0, 1)),
            span=(6.0, 10.0),
        ),
        convex=False,
        formula_latex=r"\max\big(\|a - p\|_p - \|a - n\|_p + m, 0\big)",
        grad_latex=r"\frac{a - p}{\|a - p\|} - \frac{a - n}{\|a - n\|}\ (p = 2,\ \text{active})",
        **fused(_triplet_margin),
        inputs=("anchor", "positive", "negative"),
        torch_name="torch.nn.functional.triplet_margin_loss",
        subgradient="active branch at the kink; 0 for a zero difference (PyTorch)",
    )
)
