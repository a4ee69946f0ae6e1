"""Overlap losses for segmentation masks: soft Dice and Tversky.

Both are ratios over the whole tensor, not sums of per-element terms, so they
have no per-element values: ``reduction`` accepts "mean" (default) and "sum",
which both return the one whole-tensor value, and rejects "none". For one loss
per image, call the loss on each image.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_real, check_in_unit_interval, check_reduction, pair
from ._docs import loss_doc
from ._reduction import sum_of_products
from ._registry import GRAD, VALUE, Loss, Slice, fused, register

_WHOLE_TENSOR = ("mean", "sum")

#: What both losses share in their Loss records.
_MASKS = {
    "task": "segmentation",
    "input_domain": "probability",
    "target_domain": "probability",
    "convex": False,
}

#: How both losses document their reduction and their value.
_WHOLE_TENSOR_DOC = {
    "reduction": (
        '{"mean", "sum"}, default "mean"',
        'Both return the single whole-tensor loss; "none" is rejected because the loss is a '
        "ratio of sums with no per-element values.",
    ),
    "returns": ("float", "The loss, in [0, 1]."),
}


def _masks(input, target, reduction):
    check_reduction(reduction, _WHOLE_TENSOR)
    p, y = pair(input, target, reduction)
    check_in_unit_interval(p, "input")
    check_in_unit_interval(y, "target")
    return p, y


def _positive_denominator(den, what):
    if not den > 0:
        raise ValueError(
            f"the {what} denominator is 0 (input and target are all zero and eps is 0); use eps > 0"
        )


# -------------------------------------------------------------------- dice
def _dice_parts(input, target, smooth, eps, reduction):
    smooth = as_real(smooth, "smooth", low=0.0)
    eps = as_real(eps, "eps", low=0.0)
    p, y = _masks(input, target, reduction)
    num = 2.0 * sum_of_products(p, y) + smooth
    den = float(np.sum(p)) + float(np.sum(y)) + smooth + eps
    _positive_denominator(den + 0.0, "Dice")
    return p, y, num, den


@loss_doc(
    {
        "input": (
            "array_like",
            r"Predicted probabilities :math:`p \in [0, 1]` (e.g. a soft mask).",
        ),
        "target": ("array_like", r"Target mask :math:`y \in [0, 1]`, same shape as ``input``."),
        "smooth": (
            "float, default 0.0",
            "Added to numerator and denominator (>= 0); larger values soften the loss on nearly "
            "empty masks.",
        ),
        "eps": ("float, default 1e-7", "Added to the denominator only (>= 0), to avoid 0/0."),
    },
    value_errors="shape mismatch, values outside [0, 1], NaN/inf, empty input, a zero "
    'denominator or a reduction other than "mean"/"sum"',
    **_WHOLE_TENSOR_DOC,
)
def _dice(want, input, target, *, smooth=0.0, eps=1e-7, reduction="mean"):
    r"""Soft Dice loss over the whole tensor.

    Notes
    -----
    With :math:`N = 2\sum_i p_i y_i + s` and
    :math:`D = \sum_i p_i + \sum_i y_i + s + \varepsilon`,

    .. math:: \ell = 1 - \frac{N}{D}, \qquad
              \frac{\partial\ell}{\partial p_i} = \frac{N - 2 y_i D}{D^2}.

    With ``smooth=0`` this is Keras ``Dice`` (axis=None); on binary masks
    :math:`N/D` is the F1 score.

    Examples
    --------
    >>> from lossviz.losses import dice
    >>> dice([1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0], eps=0.0)  # 1 - 2*1/(2 + 2)
    0.5

    """
    _, y, num, den = _dice_parts(input, target, smooth, eps, reduction)
    value = float(1.0 - num / den) if want & VALUE else None
    if not want & GRAD:
        return value, None
    g = y * (-2.0 / den)
    g += num / den**2  # (N - 2 y D) / D^2, in two passes
    return value, np.asarray(g)


dice = register(
    Loss(
        name="dice",
        display_name="Soft Dice loss",
        **_MASKS,
        slice=Slice(
            "entry",
            point=([1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]),
            options={"eps": 0.0},
            vary=("input", (2,)),
            span=(0.0, 1.0),
        ),
        formula_latex=r"1 - \frac{2\sum_i p_i y_i + s}{\sum_i p_i + \sum_i y_i + s + \varepsilon}",
        grad_latex=r"\frac{N - 2 y_i D}{D^2}",
        **fused(_dice),
        keras_name="keras.losses.Dice",
    )
)


# ----------------------------------------------------------------- tversky
def _tversky_parts(input, target, alpha, beta, eps, reduction):
    alpha = as_real(alpha, "alpha", low=0.0)
    beta = as_real(beta, "beta", low=0.0)
    eps = as_real(eps, "eps", low=0.0)
    p, y = _masks(input, target, reduction)
    tp = sum_of_products(p, y)
    fp = float(np.sum(p)) - tp  # sum p (1 - y)
    fn = float(np.sum(y)) - tp  # sum (1 - p) y
    den = tp + alpha * fp + beta * fn + eps
    _positive_denominator(den + 0.0, "Tversky")
    return p, y, alpha, beta, tp, den


@loss_doc(
    {
        "input": ("array_like", r"Predicted probabilities :math:`p \in [0, 1]`."),
        "target": ("array_like", r"Target mask :math:`y \in [0, 1]`, same shape as ``input``."),
        "alpha": ("float, default 0.5", "Weight of false positives (>= 0)."),
        "beta": (
            "float, default 0.5",
            "Weight of false negatives (>= 0); raise it to punish missed foreground.",
        ),
        "eps": ("float, default 1e-7", "Added to the denominator (>= 0), to avoid 0/0."),
    },
    value_errors="shape mismatch, values outside [0, 1], negative alpha/beta, NaN/inf, empty "
    'input, a zero denominator or a reduction other than "mean"/"sum"',
    **_WHOLE_TENSOR_DOC,
)
def _tversky(want, input, target, *, alpha=0.5, beta=0.5, eps=1e-7, reduction="mean"):
    r"""Tversky loss over the whole tensor: Dice with separate false-positive/negative weights.

    Notes
    -----
    With :math:`TP = \sum p y`, :math:`FP = \sum p(1 - y)`, :math:`FN = \sum (1 - p) y`
    and :math:`D = TP + \alpha FP + \beta FN + \varepsilon`,

    .. math:: \ell = 1 - \frac{TP}{D}, \qquad
              \frac{\partial\ell}{\partial p_i} =
              -\frac{y_i D - TP\,(y_i + \alpha(1 - y_i) - \beta y_i)}{D^2}.

    ``alpha = beta = 0.5`` gives the Dice loss with ``eps`` doubled. Same as Keras
    ``Tversky``.

    Examples
    --------
    >>> from lossviz.losses import tversky
    >>> tversky([1.0, 1.0, 0.0], [1.0, 0.0, 1.0], alpha=0.3, beta=0.7, eps=0.0)
    0.5

    """
    _, y, alpha, beta, tp, den = _tversky_parts(input, target, alpha, beta, eps, reduction)
    value = float(1.0 - tp / den) if want & VALUE else None
    if not want & GRAD:
        return value, None
    # -(y D - TP (y + alpha (1 - y) - beta y)) / D^2, linear in y: y (c1) + c0
    c1 = -(den - tp * (1.0 - alpha - beta)) / den**2
    c0 = tp * alpha / den**2
    g = y * c1
    g += c0
    return value, np.asarray(g)


tversky = register(
    Loss(
        name="tversky",
        display_name="Tversky loss",
        **_MASKS,
        slice=Slice(
            "entry",
            point=([1.0, 1.0, 0.0], [1.0, 0.0, 1.0]),
            options={"alpha": 0.3, "beta": 0.7, "eps": 0.0},
            vary=("input", (2,)),
            span=(0.0, 1.0),
        ),
        formula_latex=r"1 - \frac{TP}{TP + \alpha FP + \beta FN + \varepsilon}",
        grad_latex=r"-\frac{y_i D - TP\,(y_i + \alpha(1-y_i) - \beta y_i)}{D^2}",
        **fused(_tversky),
        keras_name="keras.losses.Tversky",
    )
)
