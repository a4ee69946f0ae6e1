"""Regression losses: residual-based losses on real-valued predictions."""

from __future__ import annotations

import math

import numpy as np

from ._reduction import reduce, reduce_grad
from ._registry import Loss, register
from ._validate import as_option, pair


# --------------------------------------------------------------------- mse
def _mse(input, target, *, reduction="mean"):
    r"""Mean squared error (squared L2 loss).

    Parameters
    ----------
    input : array_like
        Predictions :math:`\hat y`.
    target : array_like
        Targets :math:`y`, same shape as ``input``.
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
        For shape mismatch, NaN/inf, empty input or an unknown reduction.

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
    x, y = pair(input, target, reduction)
    return reduce((x - y) ** 2, reduction)


def _mse_grad(input, target, *, reduction="mean"):
    x, y = pair(input, target, reduction)
    return reduce_grad(2.0 * (x - y), reduction)


mse = register(
    Loss(
        name="mse",
        display_name="Mean squared error",
        task="regression",
        convex=True,
        formula_latex=r"(\hat y - y)^2",
        grad_latex=r"2(\hat y - y)",
        value_fn=_mse,
        grad_fn=_mse_grad,
        torch_name="torch.nn.functional.mse_loss",
        keras_name="keras.losses.MeanSquaredError",
        sklearn_name="sklearn.metrics.mean_squared_error",
    )
)


# ---------------------------------------------------------------------- l1
def _l1(input, target, *, reduction="mean"):
    r"""Mean absolute error (L1 loss).

    Parameters
    ----------
    input : array_like
        Predictions :math:`\hat y`.
    target : array_like
        Targets :math:`y`, same shape as ``input``.
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
        For shape mismatch, NaN/inf, empty input or an unknown reduction.

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
    x, y = pair(input, target, reduction)
    return reduce(np.abs(x - y), reduction)


def _l1_grad(input, target, *, reduction="mean"):
    x, y = pair(input, target, reduction)
    return reduce_grad(np.sign(x - y), reduction)


l1 = register(
    Loss(
        name="l1",
        display_name="Mean absolute error (L1)",
        task="regression",
        convex=True,
        formula_latex=r"|\hat y - y|",
        grad_latex=r"\operatorname{sign}(\hat y - y)",
        value_fn=_l1,
        grad_fn=_l1_grad,
        torch_name="torch.nn.functional.l1_loss",
        keras_name="keras.losses.MeanAbsoluteError",
        sklearn_name="sklearn.metrics.mean_absolute_error",
        aliases=("mae",),
        subgradient="0 at input == target (sign(0) = 0, as PyTorch)",
    )
)
mae = l1


# ------------------------------------------------------------------- huber
def _huber(input, target, *, delta=1.0, reduction="mean"):
    r"""Huber loss: quadratic near zero, linear beyond ``delta``.

    Parameters
    ----------
    input : array_like
        Predictions :math:`\hat y`.
    target : array_like
        Targets :math:`y`, same shape as ``input``.
    delta : float, default 1.0
        Residual size where the loss turns from quadratic to linear (> 0).
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
        For shape mismatch, NaN/inf, empty input, an invalid option or an unknown
        reduction.

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
    delta = as_option(delta, "delta", low=0.0, low_open=True)
    x, y = pair(input, target, reduction)
    a = np.abs(x - y)
    per = np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    return reduce(per, reduction)


def _huber_grad(input, target, *, delta=1.0, reduction="mean"):
    delta = as_option(delta, "delta", low=0.0, low_open=True)
    x, y = pair(input, target, reduction)
    return reduce_grad(np.clip(x - y, -delta, delta), reduction)


huber = register(
    Loss(
        name="huber",
        display_name="Huber loss",
        task="regression",
        convex=True,
        formula_latex=r"\begin{cases} \tfrac12 d^2 & |d|\le\delta \\ "
        r"\delta(|d| - \tfrac12\delta) & \text{otherwise} \end{cases},\ d = \hat y - y",
        grad_latex=r"\operatorname{clip}(\hat y - y, -\delta, \delta)",
        value_fn=_huber,
        grad_fn=_huber_grad,
        torch_name="torch.nn.functional.huber_loss",
        keras_name="keras.losses.Huber",
    )
)


# --------------------------------------------------------------- smooth_l1
def _smooth_l1(input, target, *, beta=1.0, reduction="mean"):
    r"""Smooth L1 loss: Huber loss divided by ``beta``; ``beta=0`` is the L1 loss.

    Parameters
    ----------
    input : array_like
        Predictions :math:`\hat y`.
    target : array_like
        Targets :math:`y`, same shape as ``input``.
    beta : float, default 1.0
        Width of the quadratic zone (>= 0); ``beta=0`` gives the L1 loss.
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
        For shape mismatch, NaN/inf, empty input, an invalid option or an unknown
        reduction.

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
    beta = as_option(beta, "beta", low=0.0)
    x, y = pair(input, target, reduction)
    a = np.abs(x - y)
    if beta == 0.0:
        return reduce(a, reduction)
    per = np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)
    return reduce(per, reduction)


def _smooth_l1_grad(input, target, *, beta=1.0, reduction="mean"):
    beta = as_option(beta, "beta", low=0.0)
    x, y = pair(input, target, reduction)
    d = x - y
    if beta == 0.0:
        return reduce_grad(np.sign(d), reduction)
    return reduce_grad(np.where(np.abs(d) < beta, d / beta, np.sign(d)), reduction)


smooth_l1 = register(
    Loss(
        name="smooth_l1",
        display_name="Smooth L1 loss",
        task="regression",
        convex=True,
        formula_latex=r"\begin{cases} d^2/(2\beta) & |d|<\beta \\ "
        r"|d| - \tfrac12\beta & \text{otherwise} \end{cases},\ d = \hat y - y",
        grad_latex=r"\begin{cases} d/\beta & |d|<\beta \\ \operatorname{sign}(d) & "
        r"\text{otherwise} \end{cases}",
        value_fn=_smooth_l1,
        grad_fn=_smooth_l1_grad,
        torch_name="torch.nn.functional.smooth_l1_loss",
        subgradient="0 at input == target when beta == 0 (as l1)",
    )
)


# ---------------------------------------------------------------- log_cosh
def _log_cosh(input, target, *, reduction="mean"):
    r"""Log-cosh loss, computed without overflow.

    Parameters
    ----------
    input : array_like
        Predictions :math:`\hat y`.
    target : array_like
        Targets :math:`y`, same shape as ``input``.
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
        For shape mismatch, NaN/inf, empty input, an invalid option or an unknown
        reduction.

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
    x, y = pair(input, target, reduction)
    a = np.abs(x - y)
    return reduce(a + np.log1p(np.exp(-2.0 * a)) - math.log(2.0), reduction)


def _log_cosh_grad(input, target, *, reduction="mean"):
    x, y = pair(input, target, reduction)
    return reduce_grad(np.tanh(x - y), reduction)


log_cosh = register(
    Loss(
        name="log_cosh",
        display_name="Log-cosh loss",
        task="regression",
        convex=True,
        formula_latex=r"\log\cosh(\hat y - y)",
        grad_latex=r"\tanh(\hat y - y)",
        value_fn=_log_cosh,
        grad_fn=_log_cosh_grad,
        keras_name="keras.losses.LogCosh",
    )
)


# ----------------------------------------------------------------- pinball
def _pinball(input, target, *, alpha=0.5, reduction="mean"):
    r"""Pinball (quantile) loss for the ``alpha`` quantile.

    Parameters
    ----------
    input : array_like
        Predictions :math:`\hat y`.
    target : array_like
        Targets :math:`y`, same shape as ``input``.
    alpha : float, default 0.5
        The quantile level in [0, 1]; ``alpha=0.5`` is half the L1 loss.
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
        For shape mismatch, NaN/inf, empty input, an invalid option or an unknown
        reduction.

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
    alpha = as_option(alpha, "alpha", low=0.0, high=1.0)
    x, y = pair(input, target, reduction)
    d = y - x
    return reduce(alpha * np.maximum(d, 0.0) + (1.0 - alpha) * np.maximum(-d, 0.0), reduction)


def _pinball_grad(input, target, *, alpha=0.5, reduction="mean"):
    alpha = as_option(alpha, "alpha", low=0.0, high=1.0)
    x, y = pair(input, target, reduction)
    g = np.where(x < y, -alpha, np.where(x > y, 1.0 - alpha, 0.0))
    return reduce_grad(g, reduction)


pinball = register(
    Loss(
        name="pinball",
        display_name="Pinball (quantile) loss",
        task="regression",
        convex=True,
        formula_latex=r"\alpha\max(y - \hat y, 0) + (1-\alpha)\max(\hat y - y, 0)",
        grad_latex=r"-\alpha\,[\hat y < y] + (1-\alpha)\,[\hat y > y]",
        value_fn=_pinball,
        grad_fn=_pinball_grad,
        sklearn_name="sklearn.metrics.mean_pinball_loss",
        subgradient="0 at input == target",
    )
)
