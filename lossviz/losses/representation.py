"""Representation-learning losses: contrastive pairs, InfoNCE and knowledge distillation.

Each loss is one core function registered with :func:`._registry.fused`: it computes
its per-row values and its gradient in one pass, sharing what they have in common.
"""

from __future__ import annotations

import numpy as np

from .._validate import (
    as_array,
    as_bool,
    as_real,
    check_reduction,
)
from ._kernels import softmax_match
from ._numerics import log_softmax
from ._reduction import reduce, scale_grad
from ._registry import GRAD, VALUE, Loss, Slice, fused, register
from .metric import _pairs_of_embeddings, _pnorm, _pnorm_grad

_NORMALIZE_EPS = 1e-12  # F.normalize's floor on the norm


# ------------------------------------------------------------- contrastive
def _contrastive(want, input1, input2, target, *, margin=1.0, reduction="mean"):
    r"""Contrastive loss of Hadsell, Chopra & LeCun: pull similar pairs, push others to ``margin``.

    Parameters
    ----------
    input1, input2 : array_like
        Embeddings of shape ``(N, D)`` (or ``(D,)`` for one pair).
    target : array_like
        +1 for a similar pair, -1 for a dissimilar one; shape ``(N,)`` (or ``()``).
        (Hadsell et al. write :math:`Y = 0` for similar and :math:`Y = 1` for
        dissimilar; here the labels follow ``cosine_embedding`` and
        ``hinge_embedding``.)
    margin : float, default 1.0
        Distance :math:`m > 0` beyond which a dissimilar pair costs nothing.
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
        For shapes that do not fit, labels other than -1/+1, ``margin <= 0``,
        NaN/inf, empty input or an unknown reduction.

    Notes
    -----
    With the Euclidean distance :math:`d = \|x_1 - x_2\|_2`,

    .. math:: \ell = \begin{cases} \tfrac12 d^2 & y = +1 \\
              \tfrac12 \max(0, m - d)^2 & y = -1 \end{cases}, \qquad
              \frac{\partial\ell}{\partial x_1} = -\frac{\partial\ell}{\partial x_2}
              = \begin{cases} x_1 - x_2 & y = +1 \\
              -\max(0, m - d)\,\dfrac{x_1 - x_2}{d} & y = -1 \end{cases}.

    The loss is differentiable everywhere except at :math:`d = 0` for a dissimilar
    pair, where ``.grad`` returns 0 (PyTorch's gradient of a norm at 0).
    ``.grad`` returns ``(d/d input1, d/d input2)``. PyTorch has no such function;
    the same loss is
    ``d = (x1 - x2).norm(dim=-1);
    torch.where(y == 1, 0.5 * d**2, 0.5 * F.relu(margin - d)**2).mean()``.

    Examples
    --------
    >>> from lossviz.losses import contrastive
    >>> contrastive([[0.0, 0.0], [0.0, 0.0]], [[0.6, 0.8], [0.3, 0.4]], [1, -1],
    ...             reduction="none")  # 0.5 * 1^2 and 0.5 * (1 - 0.5)^2
    array([0.5  , 0.125])

    """
    check_reduction(reduction)
    margin = as_real(margin, "margin", low=0.0, low_open=True)
    try:  # the embeddings' finiteness: checked on the distances below (one pass, not two)
        x1, x2, y = _pairs_of_embeddings(input1, input2, target, finite=False)
    except (TypeError, ValueError):
        _pairs_of_embeddings(input1, input2, target)  # the first error, in order
        raise
    with np.errstate(invalid="ignore"):  # inf - inf: the inputs are reported below
        diff = x1 - x2
        dist = _pnorm(diff, 2.0)
    if not np.isfinite(dist).all():  # NaN or infinity in an input? (else an overflow: kept)
        _pairs_of_embeddings(input1, input2, target)
    unit = _pnorm_grad(diff, dist, 2.0, np.ones_like(dist))  # diff / dist (0 where dist == 0)
    gap = np.asarray(np.maximum(margin - dist, 0.0))
    similar = y == 1
    value = None
    if want & VALUE:
        value = reduce(np.where(similar, 0.5 * dist**2, 0.5 * gap**2), reduction)
    if not want & GRAD:
        return value, None
    g1 = np.multiply(unit, -gap[..., None], out=unit)  # dissimilar pairs: -gap * unit
    np.copyto(g1, diff, where=similar[..., None])  # similar pairs: x1 - x2
    g1 = scale_grad(g1, reduction, dist.size)
    return value, (g1, np.negative(g1))


contrastive = register(
    Loss(
        name="contrastive",
        display_name="Contrastive loss (Hadsell et al.)",
        task="ranking/metric learning",
        input_domain="real",
        target_domain="sign",
        slice=Slice(
            "entry",
            point=([[0.0, 0.0]], [[0.0, 0.0]], [-1.0]),
            vary=("input1", (0, 0)),
            span=(0.01, 2.0),
            label=r"distance $d$ of a dissimilar pair",
            about="A dissimilar pair (y = -1) of 2-D embeddings; the first embedding moves away "
            "from the second along the first axis, so the horizontal axis is their distance d "
            "(margin 1).",
        ),
        convex=False,
        formula_latex=r"\begin{cases} \tfrac12 d^2 & y = 1 \\ \tfrac12 \max(0, m - d)^2 & y = -1 "
        r"\end{cases},\ d = \|x_1 - x_2\|_2",
        grad_latex=r"\begin{cases} x_1 - x_2 & y = 1 \\ -\max(0, m - d)\frac{x_1 - x_2}{d} "
        r"& y = -1 \end{cases}",
        **fused(_contrastive),
        inputs=("input1", "input2"),
        subgradient="0 at d == 0 for a dissimilar pair (PyTorch's norm gradient)",
    )
)


# ---------------------------------------------------------------- info_nce
def _normalize_rows(x):
    """Rows scaled to unit length as ``F.normalize`` does, and what its backward needs."""
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    denom = np.maximum(norm, _NORMALIZE_EPS)
    return x / denom, denom, norm > _NORMALIZE_EPS


def _normalize_rows_backward(g, unit, denom, scaled):
    """Pull a gradient with respect to the unit rows back to the raw rows (into ``g``)."""
    along = unit * g
    dots = np.sum(along, axis=1, keepdims=True)
    np.multiply(unit, dots, out=along)
    np.subtract(g, along, out=g, where=scaled)  # rows of norm <= eps were only divided
    g /= denom
    return g


def _info_nce(
    want, query, key, *, temperature=0.1, symmetric=False, normalize=True, reduction="mean"
):
    r"""InfoNCE: each query must pick out its own key among all keys of the batch.

    Parameters
    ----------
    query : array_like
        Embeddings :math:`q_i` of shape ``(N, D)``.
    key : array_like
        Embeddings :math:`k_j` of shape ``(M, D)``, :math:`M \ge N`. Key :math:`i` is
        the positive of query :math:`i`; every other key is a negative ("in-batch
        negatives"), and rows :math:`N, \dots, M - 1` are extra negatives only.
    temperature : float, default 0.1
        :math:`\tau > 0`; the similarities are divided by it.
    symmetric : bool, default False
        Also let each key pick out its query (columns of the similarity matrix) and
        average the two directions, as CLIP does (needs :math:`M = N`).
    normalize : bool, default True
        Compare unit vectors (cosine similarity, as SimCLR and CLIP do; rows are
        divided by :math:`\max(\|x\|, 10^{-12})` like ``F.normalize``); if False, raw
        dot products.
    reduction : {"mean", "sum", "none"}, default "mean"
        How the per-query losses are combined ("none" gives shape ``(N,)``).

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-query losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arrays, or non-boolean flags.
    ValueError
        For shapes that do not fit, ``temperature <= 0``, NaN/inf, empty input or
        an unknown reduction.

    Notes
    -----
    With :math:`s_{ij} = \operatorname{sim}(q_i, k_j) / \tau`,

    .. math:: \ell_i = -\log \frac{e^{s_{ii}}}{\sum_{j} e^{s_{ij}}}, \qquad
              \frac{\partial \ell_i}{\partial s_{ij}} = \operatorname{softmax}(s_{i\cdot})_j
              - [i = j],

    and the symmetric form is :math:`\tfrac12\big(\ell_i + \ell'_i\big)` with
    :math:`\ell'_i = -\log \big(e^{s_{ii}} / \sum_j e^{s_{ji}}\big)`. The gradient is
    passed back through the similarity (and the normalisation) to both inputs;
    ``.grad`` returns ``(d/d query, d/d key)``. In PyTorch the same loss is
    ``F.cross_entropy(F.normalize(q) @ F.normalize(k).T / tau, torch.arange(N))``,
    and the symmetric one averages that with ``F.cross_entropy(logits.T, labels)``
    (van den Oord et al. 2018; Radford et al. 2021).

    Examples
    --------
    >>> import numpy as np
    >>> from lossviz.losses import info_nce
    >>> q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> k = np.array([[1.0, 0.2], [0.3, 1.0]])
    >>> round(info_nce(q, k, temperature=0.5), 6)
    0.210145
    >>> bool(np.isclose(info_nce(np.ones((4, 3)), np.ones((4, 3))), np.log(4)))  # no signal
    True

    """
    check_reduction(reduction)
    tau = as_real(temperature, "temperature", low=0.0, low_open=True)
    symmetric = as_bool(symmetric, "symmetric")
    normalize = as_bool(normalize, "normalize")
    q = as_array(query, "query")
    k = as_array(key, "key")
    if q.ndim != 2:
        raise ValueError(f"query must have shape (N, D), one embedding per row; got {q.shape}")
    if k.ndim != 2 or k.shape[1] != q.shape[1] or k.shape[0] < q.shape[0]:
        raise ValueError(
            f"key must have shape (M, {q.shape[1]}) with M >= N = {q.shape[0]} (row i is the "
            f"positive of query i, further rows are extra negatives); got {k.shape}"
        )
    n, m = q.shape[0], k.shape[0]
    if symmetric and m != n:
        raise ValueError(
            f"symmetric=True needs as many keys as queries (key of shape {q.shape}); "
            f"got key of shape {k.shape}"
        )
    if normalize:
        uq, dq, sq = _normalize_rows(q)
        uk, dk, sk = _normalize_rows(k)
    else:
        uq, uk = q, k
    logits = uq @ uk.T  # (N, M): similarity of query i with key j
    logits /= tau
    rows = np.arange(n)
    log_p = log_softmax(logits, axis=1)
    per = -log_p[rows, rows]
    if symmetric:
        log_pc = log_softmax(logits, axis=0)
        per = 0.5 * (per - log_pc[rows, rows])
    del logits
    value = reduce(per, reduction) if want & VALUE else None
    if not want & GRAD:
        return value, None
    g_logits = np.exp(log_p, out=log_p)  # softmax - [i = j], in log_p's place
    del log_p
    g_logits[rows, rows] -= 1.0
    if symmetric:
        g_logits += np.exp(log_pc, out=log_pc)
        del log_pc
        g_logits[rows, rows] -= 1.0
        g_logits *= 0.5
    g_uq = g_logits @ uk
    g_uq /= tau
    if normalize:  # pull back to the raw rows as soon as possible: fewer arrays at once
        g_uq = _normalize_rows_backward(g_uq, uq, dq, sq)
    g_uk = g_logits.T @ uq
    del g_logits
    g_uk /= tau
    if normalize:
        g_uk = _normalize_rows_backward(g_uk, uk, dk, sk)
    return value, (scale_grad(g_uq, reduction, n), scale_grad(g_uk, reduction, n))


info_nce = register(
    Loss(
        name="info_nce",
        display_name="InfoNCE (in-batch contrastive)",
        task="representation learning",
        input_domain="real",
        slice=Slice(
            "entry",
            point=([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]),
            vary=("query", (0, 1)),
            span=(-3.0, 3.0),
            label=r"entry $q_{0,1}$ of the first query",
            about="Two queries and their two positive keys, the unit vectors; the first query "
            "(1, t) turns from its own key towards the other as t grows along the horizontal "
            "axis (default temperature 0.1, rows normalised).",
        ),
        convex=False,
        formula_latex=r"-\log \frac{e^{s_{ii}/\tau}}{\sum_j e^{s_{ij}/\tau}},\ "
        r"s_{ij} = \cos(q_i, k_j)",
        grad_latex=r"\frac{\partial \ell_i}{\partial s_{ij}} = \frac{1}{\tau}\big("
        r"\operatorname{softmax}(s_{i\cdot}/\tau)_j - [i = j]\big)",
        **fused(_info_nce),
        inputs=("query", "key"),
    )
)


# ------------------------------------------------------------ distillation
def _distillation(want, input, target, *, temperature=1.0, reduction="mean"):
    r"""Knowledge distillation: :math:`\tau^2\,\mathrm{KL}` from the teacher's soft targets.

    Parameters
    ----------
    input : array_like
        Student logits :math:`z`, shape ``(N, C)``.
    target : array_like
        Teacher logits :math:`v`, same shape (held fixed: no gradient).
    temperature : float, default 1.0
        :math:`\tau > 0`; both softmaxes are taken at this temperature.
    reduction : {"mean", "sum", "none"}, default "mean"
        How the per-example divergences are combined; "mean" divides by ``N``, as
        ``kl_div``'s ``"batchmean"`` does.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or one value per example (shape ``(N,)``) for
        ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shapes that do not fit, ``temperature <= 0``, NaN/inf, empty input or
        an unknown reduction.

    Notes
    -----
    With :math:`p = \operatorname{softmax}(v/\tau)` and
    :math:`q = \operatorname{softmax}(z/\tau)`,

    .. math:: \ell = \tau^2 \sum_c p_c (\log p_c - \log q_c), \qquad
              \frac{\partial\ell}{\partial z_c} = \tau\,(q_c - p_c).

    The factor :math:`\tau^2` (Hinton, Vinyals & Dean 2015) keeps the gradient's
    size roughly independent of :math:`\tau`: for large :math:`\tau` and zero-mean
    logits, :math:`\tau(q_c - p_c) \approx (z_c - v_c)/C`. In PyTorch,
    ``F.kl_div(F.log_softmax(z / tau, dim=1), F.softmax(v / tau, dim=1),
    reduction="batchmean") * tau**2``. The hard-label term of Hinton et al. is a
    separate ``cross_entropy``.

    Examples
    --------
    >>> from lossviz.losses import distillation
    >>> round(distillation([[0.0, 0.0]], [[2.0, 0.0]], temperature=2.0), 6)  # 4 KL(p, q)
    0.443776

    """
    check_reduction(reduction)
    tau = as_real(temperature, "temperature", low=0.0, low_open=True)
    shape = "(N, C): student logits, one row per example"
    return softmax_match(want, input, target, reduction, shape, tau, divergence=True)


distillation = register(
    Loss(
        name="distillation",
        display_name="Knowledge distillation (soft targets)",
        task="representation learning",
        input_domain="real",
        target_domain="real",
        slice=Slice(
            "entry",
            point=([[0.0, 0.0, 0.0]], [[2.0, 0.0, 0.0]]),
            vary=("input", (0, 0)),
            span=(-3.0, 6.0),
            label=r"student logit $z_0$ (teacher's is 2)",
            about="One example with three classes; the teacher's logits are (2, 0, 0) and the "
            "student's (z0, 0, 0), with z0 on the horizontal axis: the loss vanishes at z0 = 2.",
        ),
        convex=True,
        formula_latex=r"\tau^2 \sum_c p_c \log\frac{p_c}{q_c},\ p = \operatorname{softmax}(v/\tau),"
        r"\ q = \operatorname{softmax}(z/\tau)",
        grad_latex=r"\tau\,(q - p)",
        **fused(_distillation),
    )
)
