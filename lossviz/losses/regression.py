"""Regression losses: residual-based losses on real-valued predictions."""

from __future__ import annotations

import numpy as np

from ._reduction import reduce, reduce_grad
from ._registry import Loss, register
from ._validate import as_array, check_reduction, same_shape


def _pair(input, target, reduction):
    """Validate ``input``/``target`` of equal shape and the reduction."""
    check_reduction(reduction)
    x = as_array(input, "input")
    y = as_array(target, "target")
    same_shape(x, "input", y, "target")
    return x, y


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
    x, y = _pair(input, target, reduction)
    return reduce((x - y) ** 2, reduction)


def _mse_grad(input, target, *, reduction="mean"):
    x, y = _pair(input, target, reduction)
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
    x, y = _pair(input, target, reduction)
    return reduce(np.abs(x - y), reduction)


def _l1_grad(input, target, *, reduction="mean"):
    x, y = _pair(input, target, reduction)
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
