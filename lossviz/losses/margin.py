"""Margin losses for classification with labels -1/+1 or class indices."""

from __future__ import annotations

import numpy as np

from .._validate import (
    as_array,
    as_choice,
    as_real,
    check_plus_minus_one,
    check_reduction,
    pair,
)
from ._classes import class_indices, class_weights
from ._docs import SIGNED_ERRORS, loss_doc
from ._kernels import chunks
from ._numerics import exp_neg_abs, neg_where, sigmoid_from
from ._reduction import reduce, reduce_dot, scale_grad
from ._registry import GRAD, VALUE, Loss, fused, register


def _signed_pair(input, target, reduction):
    """Scores and labels in {-1, +1} of the same shape."""
    z, y = pair(input, target, reduction)
    check_plus_minus_one(y, "target")
    return z, y


#: The arguments of the binary margin losses (labels -1/+1), as documented.
_SIGNED_PARAMS = {
    "input": ("array_like", "Scores :math:`z`."),
    "target": ("array_like", r"Labels :math:`y \in \{-1, +1\}`, same shape as ``input``."),
}

#: What the binary margin losses (labels -1/+1) share in their Loss records.
_SIGNED = {
    "task": "classification",
    "input_domain": "real",
    "target_domain": "sign",
    "convex": True,
}


# ------------------------------------------------------------------- hinge
@loss_doc(
    {**_SIGNED_PARAMS, "input": ("array_like", "Scores (decision values) :math:`z`.")},
    value_errors=SIGNED_ERRORS,
)
def _hinge(want, input, target, *, reduction="mean"):
    r"""Binary hinge loss of the SVM, labels -1/+1.

    Notes
    -----
    .. math:: \ell = \max(0, 1 - y z), \qquad
              \frac{\partial\ell}{\partial z} = -y\,[1 - y z > 0].

    At the kink :math:`y z = 1` the subgradient 0 is returned. Equals
    scikit-learn's ``hinge_loss`` for binary labels and Keras ``Hinge``.

    Examples
    --------
    >>> from lossviz.losses import hinge
    >>> hinge([2.0, 0.5, -1.0], [1, 1, 1], reduction="none")
    array([0. , 0.5, 2. ])

    """
    z, y = _signed_pair(input, target, reduction)
    slack = y * z
    np.subtract(1.0, slack, out=slack)  # 1 - y z
    g = neg_where(slack > 0, y) if want & GRAD else None  # -y where the margin is violated
    if not want & VALUE:
        return None, scale_grad(g, reduction)
    np.maximum(slack, 0.0, out=slack)
    return reduce(slack, reduction), scale_grad(g, reduction) if want & GRAD else None


hinge = register(
    Loss(
        name="hinge",
        display_name="Hinge loss",
        **_SIGNED,
        formula_latex=r"\max(0, 1 - y z)",
        grad_latex=r"-y\,[1 - yz > 0]",
        **fused(_hinge),
        keras_name="keras.losses.Hinge",
        sklearn_name="sklearn.metrics.hinge_loss",
        subgradient="0 at y*z == 1",
    )
)


# ----------------------------------------------------------- squared_hinge
@loss_doc(_SIGNED_PARAMS, value_errors=SIGNED_ERRORS)
def _squared_hinge(want, input, target, *, reduction="mean"):
    r"""Squared hinge loss, labels -1/+1.

    Notes
    -----
    .. math:: \ell = \max(0, 1 - y z)^2, \qquad
              \frac{\partial\ell}{\partial z} = -2y\max(0, 1 - y z).

    Differentiable everywhere. Same as Keras ``SquaredHinge``.

    Examples
    --------
    >>> from lossviz.losses import squared_hinge
    >>> squared_hinge([2.0, 0.5, -1.0], [1, 1, 1], reduction="none")
    array([0.  , 0.25, 4.  ])

    """
    z, y = _signed_pair(input, target, reduction)
    slack = y * z
    np.subtract(1.0, slack, out=slack)
    np.maximum(slack, 0.0, out=slack)  # max(0, 1 - y z)
    value = reduce_dot(slack, slack, reduction) if want & VALUE else None
    if not want & GRAD:
        return value, None
    slack *= y
    slack *= -2.0
    return value, scale_grad(slack, reduction)


squared_hinge = register(
    Loss(
        name="squared_hinge",
        display_name="Squared hinge loss",
        **_SIGNED,
        formula_latex=r"\max(0, 1 - y z)^2",
        grad_latex=r"-2y\max(0, 1 - yz)",
        **fused(_squared_hinge),
        keras_name="keras.losses.SquaredHinge",
    )
)


# ------------------------------------------------------------- soft_margin
@loss_doc(_SIGNED_PARAMS, value_errors=SIGNED_ERRORS)
def _soft_margin(want, input, target, *, reduction="mean"):
    r"""Soft-margin (logistic) loss, labels -1/+1.

    Notes
    -----
    .. math:: \ell = \log(1 + e^{-y z}), \qquad
              \frac{\partial\ell}{\partial z} = -y\,\sigma(-y z),

    computed with ``logaddexp`` so it never overflows. Same as
    ``torch.nn.functional.soft_margin_loss``.

    Examples
    --------
    >>> from lossviz.losses import soft_margin
    >>> soft_margin([0.0, 1e4], [1, -1], reduction="none")
    array([6.93147181e-01, 1.00000000e+04])

    """
    try:  # the values of input and target are checked by the pass over the parts below
        z, y = pair(input, target, reduction, finite=False)
    except (TypeError, ValueError):
        _signed_pair(input, target, reduction)  # the first error, in order
        raise
    summed = want & VALUE and reduction != "none"
    per = np.empty_like(z) if want & VALUE and not summed else None
    grad = np.empty_like(z) if want & GRAD else None
    total = 0.0
    for zc, yc, pc, gc in chunks(z, y, per, grad):
        if not (np.isfinite(zc).all() and ((yc == 1) | (yc == -1)).all()):
            _signed_pair(input, target, reduction)  # raises
        total += _soft_margin_part(zc, yc, summed, pc, gc)
    value = per
    if summed:
        value = total / z.size if reduction == "mean" else total
    if grad is not None:
        grad = scale_grad(grad, reduction)
    return value, grad


def _soft_margin_part(z, y, summed, per, grad) -> float:
    """Compute :func:`soft_margin` on one part (:func:`._kernels.chunks`) of its arrays.

    The losses are written into ``per`` (or, if ``summed``, their sum returned) and the
    unscaled gradient into ``grad``, each None when not asked for.
    """
    u = y * z
    np.negative(u, out=u)  # -y z
    e = exp_neg_abs(u)
    total = 0.0
    if summed or per is not None:  # softplus(-y z) = relu(-y z) + log(1 + e)
        t = np.log1p(e)
        if summed:  # two sums of non-negative terms, no per-element array
            total = float(np.sum(t)) + float(np.sum(np.maximum(u, 0.0)))
        else:
            np.add(t, np.maximum(u, 0.0), out=per)
    if grad is not None:
        s = sigmoid_from(u, e)  # sigmoid(-y z)
        np.multiply(s, -y, out=grad)
    return total


soft_margin = register(
    Loss(
        name="soft_margin",
        display_name="Soft-margin (logistic) loss",
        **_SIGNED,
        formula_latex=r"\log(1 + e^{-y z})",
        grad_latex=r"-y\,\sigma(-yz)",
        **fused(_soft_margin),
        torch_name="torch.nn.functional.soft_margin_loss",
    )
)


# ------------------------------------------------------------ multi_margin
def _multi_margin_parts(input, target, p, margin, weight, reduction):
    check_reduction(reduction)
    p = as_choice(p, "p", (1, 2))
    margin = as_real(margin, "margin")
    x = as_array(input, "input")
    if x.ndim not in (1, 2):
        raise ValueError(f"input must have shape (C,) or (N, C), got shape {x.shape}")
    xb = x[None] if x.ndim == 1 else x
    n_classes = xb.shape[1]
    t = class_indices(target, x.shape[:-1], x.shape, n_classes).reshape(-1)
    w = class_weights(weight, n_classes, x.shape)
    rows = np.arange(xb.shape[0])
    zmat = xb - xb[rows, t][:, None]
    zmat += margin  # margin violations m - x_y + x_i, shape (N, C)
    zmat[rows, t] = 0.0  # the target class itself does not count
    return x, t, w, zmat


@loss_doc(
    {
        "input": ("array_like", "Scores of shape ``(C,)`` or ``(N, C)``."),
        "target": (
            "array_like",
            "Class indices, shape ``()`` or ``(N,)``, integers in ``[0, C)``.",
        ),
        "p": ("{1, 2}, default 1", "Power of each margin violation."),
        "margin": (
            "float, default 1.0",
            "Required gap :math:`m` between the target score and every other score.",
        ),
        "weight": (
            "array_like, optional",
            "Non-negative class weights, shape ``(C,)``, applied by target class.",
        ),
    },
    value_errors="shapes that do not fit, class indices out of range or non-integer, ``p`` not "
    "1 or 2, NaN/inf or an unknown reduction",
    per="sample",
    reduction='"mean" divides by the number of samples N (not by the summed weights).',
)
def _multi_margin(want, input, target, *, p=1, margin=1.0, weight=None, reduction="mean"):
    r"""Multi-class margin (Weston-Watkins hinge) loss on class scores.

    Notes
    -----
    .. math:: \ell = \frac{w_y}{C}\sum_{i \ne y} \max(0, m - x_y + x_i)^p,

    .. math:: \frac{\partial\ell}{\partial x_i} = \frac{w_y}{C}\,
              p\max(0, m - x_y + x_i)^{p-1}\ (i \ne y), \qquad
              \frac{\partial\ell}{\partial x_y} = -\sum_{i \ne y}
              \frac{\partial\ell}{\partial x_i}.

    The weight multiplies the powered term, as PyTorch's implementation does
    (its documentation writes it inside the power). At a kink
    :math:`m - x_y + x_i = 0` the subgradient 0 is returned, as PyTorch does.
    Same as ``torch.nn.functional.multi_margin_loss``.

    Examples
    --------
    >>> from lossviz.losses import multi_margin
    >>> round(multi_margin([[0.1, 0.2, 0.4, 0.8]], [3]), 6)  # (0.3 + 0.4 + 0.6) / 4
    0.325

    """
    x, t, w, zmat = _multi_margin_parts(input, target, p, margin, weight, reduction)
    n_samples, n_classes = zmat.shape
    # w_y / C per sample, as a column; one number without class weights (no broadcasting)
    scale = (w[t] / n_classes)[:, None] if weight is not None else 1.0 / n_classes
    g = np.maximum(zmat, 0.0)  # max(0, m - x_y + x_i)
    value = None
    if want & VALUE:
        hinge = g * g if p == 2 else g  # for p = 1, g itself: refilled below
        hinge *= scale
        value = reduce(np.einsum("ij->i", hinge).reshape(x.shape[:-1]), reduction)
    if not want & GRAD:
        return value, None
    if p == 1:
        np.greater(zmat, 0.0, out=g)  # [violated], as 0.0 or 1.0
        g *= scale
    else:
        g *= 2.0 * scale
    g[np.arange(n_samples), t] = -np.einsum("ij->i", g)  # row sums (einsum: fastest for short rows)
    return value, scale_grad(g, reduction, n_samples).reshape(x.shape)


multi_margin = register(
    Loss(
        name="multi_margin",
        display_name="Multi-class margin loss",
        task="classification",
        input_domain="real",
        target_domain="class",
        convex=True,
        formula_latex=r"\frac{1}{C}\sum_{i\ne y}\max(0, m - x_y + x_i)^p",
        grad_latex=r"\frac{p}{C}\max(0, m - x_y + x_i)^{p-1}\ (i \ne y)",
        **fused(_multi_margin),
        torch_name="torch.nn.functional.multi_margin_loss",
        subgradient="0 at m - x_y + x_i == 0 (PyTorch)",
    )
)


# --------------------------------------------------------- hinge_embedding
@loss_doc(
    {
        "input": ("array_like", "Distances (or dissimilarities) :math:`x`."),
        "target": (
            "array_like",
            r"Labels :math:`y \in \{-1, +1\}` (+1 similar pair, -1 dissimilar), same shape.",
        ),
        "margin": ("float, default 1.0", "Margin :math:`m` for dissimilar pairs."),
    },
    value_errors=SIGNED_ERRORS,
)
def _hinge_embedding(want, input, target, *, margin=1.0, reduction="mean"):
    r"""Hinge embedding loss: small distances for +1 pairs, at least ``margin`` for -1.

    Notes
    -----
    .. math:: \ell = \begin{cases} x & y = 1 \\ \max(0, m - x) & y = -1 \end{cases},
              \qquad \frac{\partial\ell}{\partial x} =
              \begin{cases} 1 & y = 1 \\ -[m - x \ge 0] & y = -1 \end{cases}.

    At the kink :math:`x = m` the subgradient -1 is returned, as PyTorch's
    autograd does. Same as ``torch.nn.functional.hinge_embedding_loss``.

    Examples
    --------
    >>> from lossviz.losses import hinge_embedding
    >>> hinge_embedding([0.3, 0.3], [1, -1], reduction="none")
    array([0.3, 0.7])

    """
    margin = as_real(margin, "margin")
    x, y = _signed_pair(input, target, reduction)
    # with y = +-1, (1 + y) / 2 and (1 - y) / 2 pick the branch without np.where
    pick_x, pick_gap = 0.5 * (1.0 + y), 0.5 * (1.0 - y)
    gap = margin - x
    value = None
    if want & VALUE:
        per = np.maximum(gap, 0.0)
        per *= pick_gap
        per += pick_x * x  # x for y = 1, max(0, m - x) for y = -1
        value = reduce(per, reduction)
    if not want & GRAD:
        return value, None
    g = pick_gap * (gap >= 0)
    np.subtract(pick_x, g, out=g)  # 1 for y = 1, -[m - x >= 0] for y = -1
    return value, scale_grad(g, reduction)


hinge_embedding = register(
    Loss(
        name="hinge_embedding",
        display_name="Hinge embedding loss",
        task="ranking/metric learning",
        input_domain="nonnegative",
        target_domain="sign",
        convex=True,
        formula_latex=r"\begin{cases} x & y = 1 \\ \max(0, m - x) & y = -1 \end{cases}",
        grad_latex=r"\begin{cases} 1 & y = 1 \\ -[x \le m] & y = -1 \end{cases}",
        **fused(_hinge_embedding),
        torch_name="torch.nn.functional.hinge_embedding_loss",
        subgradient="-1 at input == margin for y = -1 (PyTorch's autograd)",
    )
)
