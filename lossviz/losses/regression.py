"""Regression losses: residual-based losses on real-valued predictions."""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_array, as_real, check_reduction, residual, same_shape
from ._docs import ERRORS, OPTION_ERRORS, RESIDUAL_PARAMS, loss_doc
from ._kernels import chunks
from ._reduction import reduce, reduce_dot, scale_grad, sum_of_products
from ._registry import GRAD, VALUE, Loss, Slice, fused, register

#: What every loss of the residual shares in its Loss record.
_RESIDUAL = {
    "task": "regression",
    "input_domain": "real",
    "target_domain": "real",
    "slice": Slice("residual"),
    "convex": True,
}


# --------------------------------------------------------------------- mse
@loss_doc(RESIDUAL_PARAMS, value_errors=ERRORS)
def _mse(want, input, target, *, reduction="mean"):
    r"""Mean squared error (squared L2 loss).

    Notes
    -----
    .. math:: \ell(\hat y, y) = (\hat y - y)^2, \qquad
              \frac{\partial \ell}{\partial \hat y} = 2(\hat y - y).

    Same as ``torch.nn.functional.mse_loss``.

    Examples
    --------
    >>> from lossviz.losses import mse
    >>> mse([1.0, 2.0], [1.0, 4.0])
    2.0
    >>> mse.grad([1.0, 2.0], [1.0, 4.0])
    array([ 0., -2.])

    """
    x, y, d = residual(input, target, reduction)
    value = reduce_dot(d, d, reduction) if want & VALUE else None
    if not want & GRAD:
        return value, None
    d *= 2.0 / d.size if reduction == "mean" else 2.0  # 2 d, scaled for the mean: one pass
    return value, np.asarray(d)  # 0-d arithmetic gives a NumPy scalar


mse = register(
    Loss(
        name="mse",
        display_name="Mean squared error",
        **_RESIDUAL,
        formula_latex=r"(\hat y - y)^2",
        grad_latex=r"2(\hat y - y)",
        **fused(_mse),
        torch_name="torch.nn.functional.mse_loss",
        keras_name="keras.losses.MeanSquaredError",
        sklearn_name="sklearn.metrics.mean_squared_error",
    )
)


# ---------------------------------------------------------------------- l1
@loss_doc(RESIDUAL_PARAMS, value_errors=ERRORS)
def _l1(want, input, target, *, reduction="mean"):
    r"""Mean absolute error (L1 loss).

    Notes
    -----
    .. math:: \ell(\hat y, y) = |\hat y - y|, \qquad
              \frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(\hat y - y).

    At the kink :math:`\hat y = y` the subgradient 0 is returned (``sign(0) = 0``),
    as PyTorch does. Same as ``torch.nn.functional.l1_loss``.

    Examples
    --------
    >>> from lossviz.losses import l1
    >>> l1([1.0, 2.0, 3.0], [1.0, 4.0, 2.0])
    1.0
    >>> l1.grad([1.0, 2.0, 3.0], [1.0, 4.0, 2.0], reduction="sum")
    array([ 0., -1.,  1.])

    """
    x, y, d = residual(input, target, reduction)
    g = np.sign(d)
    value = reduce_dot(g, d, reduction) if want & VALUE else None  # sign(d) d = |d|
    return value, scale_grad(g, reduction) if want & GRAD else None


l1 = register(
    Loss(
        name="l1",
        display_name="Mean absolute error (L1)",
        **_RESIDUAL,
        formula_latex=r"|\hat y - y|",
        grad_latex=r"\operatorname{sign}(\hat y - y)",
        **fused(_l1),
        torch_name="torch.nn.functional.l1_loss",
        keras_name="keras.losses.MeanAbsoluteError",
        sklearn_name="sklearn.metrics.mean_absolute_error",
        aliases=("mae",),
        subgradient="0 at input == target (sign(0) = 0, as PyTorch)",
    )
)
mae = l1


# ------------------------------------------------------------------- huber
@loss_doc(
    {
        **RESIDUAL_PARAMS,
        "delta": (
            "float, default 1.0",
            "Residual size where the loss turns from quadratic to linear (> 0).",
        ),
    },
    value_errors=OPTION_ERRORS,
)
def _huber(want, input, target, *, delta=1.0, reduction="mean"):
    r"""Huber loss: quadratic near zero, linear beyond ``delta``.

    Notes
    -----
    With :math:`d = \hat y - y`,

    .. math:: \ell = \begin{cases} \tfrac12 d^2 & |d| \le \delta \\
              \delta(|d| - \tfrac12\delta) & |d| > \delta \end{cases}, \qquad
              \frac{\partial\ell}{\partial\hat y} = \operatorname{clip}(d, -\delta, \delta).

    The loss is differentiable everywhere. Same as ``torch.nn.functional.huber_loss``.

    Examples
    --------
    >>> from lossviz.losses import huber
    >>> huber([0.5, 3.0], [0.0, 0.0], reduction="none")
    array([0.125, 2.5  ])
    >>> huber.grad([0.5, 3.0], [0.0, 0.0], reduction="sum")
    array([0.5, 1. ])

    """
    delta = as_real(delta, "delta", low=0.0, low_open=True)
    return _clipped_residual(want, input, target, reduction, delta)


def _clipped_residual(want, input, target, reduction, bound, scale=1.0):
    r"""Return the reduced Huber loss of ``input - target`` over ``scale``, and its gradient.

    Parameters
    ----------
    want : int
        What to compute (:data:`._registry.VALUE`, :data:`._registry.GRAD` or both).
    input, target : array_like
        Unvalidated arguments of the loss.
    reduction : str
        Unvalidated reduction.
    bound : float or None
        :math:`\delta > 0`: with :math:`d` the residual and :math:`g = \operatorname{clip}(d,
        -\delta, \delta)`, the loss :math:`g(d - g/2)/s` and the gradient :math:`g/s`
        (Huber for :math:`s = 1`, smooth L1 for :math:`\delta = s = \beta`). None gives
        :math:`g = \operatorname{sign}(d)`: the L1 loss :math:`g d` and gradient :math:`g`.
    scale : float
        The divisor :math:`s` (ignored for ``bound=None``).

    Returns
    -------
    value, grad
        Each None unless asked for.

    Notes
    -----
    Validates like :func:`lossviz._validate.residual`, with its finiteness check
    folded into one pass over the data (:func:`._kernels.chunks`): each part of the
    residual lives in the cache, the sums of ``g d`` and ``g g`` (two sums of
    non-negative terms, as in :func:`._reduction.reduce_huber`) are accumulated part by
    part, and only the returned arrays are as large as the input. For the sums a
    non-finite residual shows in the total (NaN, or :math:`+\infty` from
    :math:`g d \ge 0`), so the parts are checked one by one only when no total is
    computed.
    """
    check_reduction(reduction)
    x = as_array(input, "input", finite=False)
    y = as_array(target, "target", finite=False)
    same_shape(x, "input", y, "target")
    summed = want & VALUE and reduction != "none"
    per = np.empty_like(x) if want & VALUE and not summed else None
    grad = np.empty_like(x) if want & GRAD else None
    gd = gg = 0.0
    finite = True
    with np.errstate(invalid="ignore"):  # inf - inf: the inputs are reported below
        for xc, yc, pc, gc in chunks(x, y, per, grad):
            d = np.subtract(xc, yc)
            if not summed:
                finite = finite and bool(np.isfinite(d).all())
            if bound is None:
                g = np.sign(d, out=gc)
            else:
                g = np.clip(d, -bound, bound, out=gc)
            if summed:
                gd += sum_of_products(g, d)
                if bound is not None:
                    gg += sum_of_products(g, g)
            elif per is not None and bound is None:
                np.multiply(g, d, out=pc)
            elif per is not None:
                t = 0.5 * g
                np.subtract(d, t, out=t)
                t *= g
                np.divide(t, scale, out=pc)
            if gc is not None and bound is not None and scale != 1.0:
                gc /= scale  # dividing by 1 would be a pass that changes nothing
            if gc is not None and reduction == "mean":
                gc /= x.size
    value = per
    if summed:
        total = (gd - 0.5 * gg) / scale if bound is not None else gd
        finite = np.isfinite(total)
        value = total / x.size if reduction == "mean" else total
    if not finite:  # NaN or infinity in an input? (else a finite overflow: kept)
        as_array(x, "input")
        as_array(y, "target")
    return value, grad


huber = register(
    Loss(
        name="huber",
        display_name="Huber loss",
        **_RESIDUAL,
        formula_latex=r"\begin{cases} \tfrac12 d^2 & |d|\le\delta \\ "
        r"\delta(|d| - \tfrac12\delta) & \text{otherwise} \end{cases},\ d = \hat y - y",
        grad_latex=r"\operatorname{clip}(\hat y - y, -\delta, \delta)",
        **fused(_huber),
        torch_name="torch.nn.functional.huber_loss",
        keras_name="keras.losses.Huber",
    )
)


# --------------------------------------------------------------- smooth_l1
@loss_doc(
    {
        **RESIDUAL_PARAMS,
        "beta": (
            "float, default 1.0",
            "Width of the quadratic zone (>= 0); ``beta=0`` gives the L1 loss.",
        ),
    },
    value_errors=OPTION_ERRORS,
)
def _smooth_l1(want, input, target, *, beta=1.0, reduction="mean"):
    r"""Smooth L1 loss: Huber loss divided by ``beta``; ``beta=0`` is the L1 loss.

    Notes
    -----
    With :math:`d = \hat y - y`,

    .. math:: \ell = \begin{cases} \tfrac{d^2}{2\beta} & |d| < \beta \\
              |d| - \tfrac12\beta & |d| \ge \beta \end{cases}, \qquad
              \frac{\partial\ell}{\partial\hat y} =
              \begin{cases} d/\beta & |d| < \beta \\ \operatorname{sign}(d) & |d| \ge \beta
              \end{cases}.

    For ``beta=0`` the subgradient at ``d = 0`` is 0, as for :func:`l1`.
    Same as ``torch.nn.functional.smooth_l1_loss``.

    Examples
    --------
    >>> from lossviz.losses import smooth_l1
    >>> smooth_l1([0.5, 3.0], [0.0, 0.0], reduction="none")
    array([0.125, 2.5  ])
    >>> smooth_l1([0.5, 3.0], [0.0, 0.0], beta=0.0, reduction="none")
    array([0.5, 3. ])

    """
    beta = as_real(beta, "beta", low=0.0)
    if beta == 0.0:  # the L1 loss
        return _clipped_residual(want, input, target, reduction, None)
    return _clipped_residual(want, input, target, reduction, beta, scale=beta)


smooth_l1 = register(
    Loss(
        name="smooth_l1",
        display_name="Smooth L1 loss",
        **_RESIDUAL,
        formula_latex=r"\begin{cases} d^2/(2\beta) & |d|<\beta \\ "
        r"|d| - \tfrac12\beta & \text{otherwise} \end{cases},\ d = \hat y - y",
        grad_latex=r"\begin{cases} d/\beta & |d|<\beta \\ \operatorname{sign}(d) & "
        r"\text{otherwise} \end{cases}",
        **fused(_smooth_l1),
        torch_name="torch.nn.functional.smooth_l1_loss",
        subgradient="0 at input == target when beta == 0 (as l1)",
    )
)


# ---------------------------------------------------------------- log_cosh
@loss_doc(RESIDUAL_PARAMS, value_errors=ERRORS)
def _log_cosh(want, input, target, *, reduction="mean"):
    r"""Log-cosh loss, computed without overflow.

    Notes
    -----
    With :math:`d = \hat y - y`,

    .. math:: \ell = \log\cosh d = |d| + \log(1 + e^{-2|d|}) - \log 2, \qquad
              \frac{\partial\ell}{\partial\hat y} = \tanh d.

    The right-hand form never overflows (``cosh`` itself overflows for
    :math:`|d| > 710`). Keras ``LogCosh`` averages the same per-element values.

    Examples
    --------
    >>> from lossviz.losses import log_cosh
    >>> round(log_cosh([1e4], [0.0]), 6)
    9999.306853

    """
    x, y, d = residual(input, target, reduction)
    value = None
    if want & VALUE:
        a = np.abs(d)
        per = np.exp(-2.0 * a)
        np.log1p(per, out=per)
        per += a
        per -= math.log(2.0)
        value = reduce(per, reduction)
    if not want & GRAD:
        return value, None
    np.tanh(d, out=d)
    return value, scale_grad(d, reduction)


log_cosh = register(
    Loss(
        name="log_cosh",
        display_name="Log-cosh loss",
        **_RESIDUAL,
        formula_latex=r"\log\cosh(\hat y - y)",
        grad_latex=r"\tanh(\hat y - y)",
        **fused(_log_cosh),
        keras_name="keras.losses.LogCosh",
    )
)


# ----------------------------------------------------------------- pinball
@loss_doc(
    {
        **RESIDUAL_PARAMS,
        "alpha": (
            "float, default 0.5",
            "The quantile level in [0, 1]; ``alpha=0.5`` is half the L1 loss.",
        ),
    },
    value_errors=OPTION_ERRORS,
)
def _pinball(want, input, target, *, alpha=0.5, reduction="mean"):
    r"""Pinball (quantile) loss for the ``alpha`` quantile.

    Notes
    -----
    Following scikit-learn's ``mean_pinball_loss`` (``input`` is the prediction
    :math:`\hat y`):

    .. math:: \ell = \alpha \max(y - \hat y, 0) + (1 - \alpha)\max(\hat y - y, 0),

    .. math:: \frac{\partial\ell}{\partial\hat y} =
              \begin{cases} -\alpha & \hat y < y \\ 1 - \alpha & \hat y > y \\
              0 & \hat y = y \end{cases}.

    At the kink :math:`\hat y = y` the subgradient 0 is returned (it lies in
    :math:`[-\alpha, 1-\alpha]`).

    Examples
    --------
    >>> from lossviz.losses import pinball
    >>> pinball([0.0, 2.0], [1.0, 1.0], alpha=0.9, reduction="none")
    array([0.9, 0.1])

    """
    alpha = as_real(alpha, "alpha", low=0.0, high=1.0)
    x, y, d = residual(input, target, reduction)
    g = (d > 0) * (1.0 - alpha)  # the gradient: 1 - alpha above the target, -alpha below
    g -= (d < 0) * alpha
    value = reduce_dot(g, d, reduction) if want & VALUE else None  # g d = the loss
    return value, scale_grad(g, reduction) if want & GRAD else None


pinball = register(
    Loss(
        name="pinball",
        display_name="Pinball (quantile) loss",
        **_RESIDUAL,
        formula_latex=r"\alpha\max(y - \hat y, 0) + (1-\alpha)\max(\hat y - y, 0)",
        grad_latex=r"-\alpha\,[\hat y < y] + (1-\alpha)\,[\hat y > y]",
        **fused(_pinball),
        sklearn_name="sklearn.metrics.mean_pinball_loss",
        subgradient="0 at input == target",
    )
)
