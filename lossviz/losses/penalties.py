r"""Penalties on parameters and weighted sums of task losses.

``l1_penalty`` and ``l2_penalty`` are regularisers :math:`\lambda\,\Omega(\theta)` of a
parameter vector; ``uncertainty_weighted`` combines several task losses with learned
homoscedastic weights (Kendall, Gal & Cipolla 2018).

All three are sums by nature (a norm sums over parameters, a multi-task objective over
tasks), so their default ``reduction`` is ``"sum"``, unlike the other lossviz losses
whose default is ``"mean"``; ``"mean"`` divides by the number of entries and
``"none"`` returns the per-entry terms.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_real, check_nonnegative, check_reduction, same_shape
from ._reduction import reduce, reduce_grad
from ._registry import GRAD, VALUE, Loss, Slice, fused, register

#: What the two penalties share in their Loss records (the slice: one weight, lam = 1).
_PENALTY = {
    "task": "regularisation",
    "input_domain": "real",
    "slice": Slice(
        "entry",
        point=([0.0],),
        vary=("input", (0,)),
        span=(-2.0, 2.0),
        label=r"one weight $\theta$",
        about="The parameter array holds one weight, which varies along the horizontal axis; "
        "lam = 1.",
    ),
    "convex": True,
}


def _params(input, lam, reduction):
    check_reduction(reduction)
    lam = as_real(lam, "lam", low=0.0)
    return as_array(input, "input"), lam


# -------------------------------------------------------------- l1_penalty
def _l1_penalty(want, input, *, lam=1.0, reduction="sum"):
    r"""L1 penalty :math:`\lambda \lVert\theta\rVert_1` of a parameter array (lasso).

    Parameters
    ----------
    input : array_like
        Parameters :math:`\theta` (any shape).
    lam : float, default 1.0
        Strength :math:`\lambda \ge 0`.
    reduction : {"sum", "mean", "none"}, default "sum"
        "sum" gives :math:`\lambda\lVert\theta\rVert_1`; "mean" divides by the number of
        parameters; "none" returns :math:`\lambda|\theta_j|` per entry.

    Returns
    -------
    float or numpy.ndarray
        The penalty, or per-entry penalties for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For NaN/inf, empty input, a negative ``lam`` or an unknown reduction.

    Notes
    -----
    .. math:: \Omega(\theta) = \lambda \sum_j |\theta_j|, \qquad
              \frac{\partial \Omega}{\partial \theta_j} = \lambda\,\operatorname{sign}(\theta_j).

    It is :math:`-\log` of a Laplace prior with scale :math:`1/\lambda`, up to a constant.
    At :math:`\theta_j = 0` the subgradient 0 is returned. Gradient steps on this
    penalty do not produce exact zeros; the proximal step
    (:func:`lossviz.optim.soft_threshold`) does. Keras: ``keras.regularizers.L1(l1)``
    computes ``l1 * sum(abs(x))``; PyTorch has no L1 penalty function.

    Examples
    --------
    >>> from lossviz.losses import l1_penalty
    >>> l1_penalty([1.0, -2.0, 0.0], lam=0.5)
    1.5
    >>> l1_penalty.grad([1.0, -2.0, 0.0], lam=0.5)
    array([ 0.5, -0.5,  0. ])

    """
    x, lam = _params(input, lam, reduction)
    value = reduce(lam * np.abs(x), reduction) if want & VALUE else None
    grad = reduce_grad(lam * np.sign(x), reduction) if want & GRAD else None
    return value, grad


l1_penalty = register(
    Loss(
        name="l1_penalty",
        display_name="L1 penalty (lasso)",
        **_PENALTY,
        formula_latex=r"\lambda \sum_j |\theta_j|",
        grad_latex=r"\lambda\,\operatorname{sign}(\theta_j)",
        **fused(_l1_penalty),
        keras_name="keras.regularizers.L1",
        subgradient="0 at input == 0 (sign(0) = 0)",
    )
)


# -------------------------------------------------------------- l2_penalty
def _l2_penalty(want, input, *, lam=1.0, reduction="sum"):
    r"""L2 penalty :math:`\tfrac{\lambda}{2}\lVert\theta\rVert_2^2` of a parameter array (ridge).

    Parameters
    ----------
    input : array_like
        Parameters :math:`\theta` (any shape).
    lam : float, default 1.0
        Strength :math:`\lambda \ge 0`.
    reduction : {"sum", "mean", "none"}, default "sum"
        "sum" gives :math:`\tfrac{\lambda}{2}\lVert\theta\rVert^2`; "mean" divides by the
        number of parameters; "none" returns :math:`\tfrac{\lambda}{2}\theta_j^2` per entry.

    Returns
    -------
    float or numpy.ndarray
        The penalty, or per-entry penalties for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For NaN/inf, empty input, a negative ``lam`` or an unknown reduction.

    Notes
    -----
    .. math:: \Omega(\theta) = \frac{\lambda}{2} \sum_j \theta_j^2, \qquad
              \frac{\partial \Omega}{\partial \theta_j} = \lambda\,\theta_j.

    It is :math:`-\log` of a Gaussian prior with variance :math:`1/\lambda`, up to a
    constant. The factor 1/2 makes the gradient :math:`\lambda\theta`, which is what
    ``torch.optim.SGD(..., weight_decay=lam)`` and ``torch.optim.Adam(...,
    weight_decay=lam)`` add to the gradient. Keras's ``keras.regularizers.L2(l2)``
    computes ``l2 * sum(x**2)`` without the 1/2, so ``L2(l2=lam / 2)`` matches.

    Examples
    --------
    >>> from lossviz.losses import l2_penalty
    >>> l2_penalty([1.0, -2.0], lam=0.5)  # 0.25 * (1 + 4)
    1.25
    >>> l2_penalty.grad([1.0, -2.0], lam=0.5)
    array([ 0.5, -1. ])

    """
    x, lam = _params(input, lam, reduction)
    value = reduce(0.5 * lam * x * x, reduction) if want & VALUE else None
    grad = reduce_grad(lam * x, reduction) if want & GRAD else None
    return value, grad


l2_penalty = register(
    Loss(
        name="l2_penalty",
        display_name="L2 penalty (ridge, weight decay)",
        **_PENALTY,
        formula_latex=r"\frac{\lambda}{2} \sum_j \theta_j^2",
        grad_latex=r"\lambda\,\theta_j",
        **fused(_l2_penalty),
        keras_name="keras.regularizers.L2",
    )
)


# ---------------------------------------------------- uncertainty_weighted
def _task_parts(losses, log_vars, reduction):
    check_reduction(reduction)
    task_losses = as_array(losses, "losses")
    s = as_array(log_vars, "log_vars")
    same_shape(task_losses, "losses", s, "log_vars")
    check_nonnegative(task_losses, "losses")
    return task_losses, s


def _uncertainty_weighted(want, losses, log_vars, *, reduction="sum"):
    r"""Multi-task objective with homoscedastic uncertainty weights (Kendall et al. 2018).

    Parameters
    ----------
    losses : array_like
        One non-negative loss per task, :math:`L_k \ge 0` (e.g. mean squared errors).
    log_vars : array_like
        Learned log-variances :math:`s_k = \log\sigma_k^2`, same shape as ``losses``.
    reduction : {"sum", "mean", "none"}, default "sum"
        "sum" gives the objective of the paper; "none" returns one term per task.

    Returns
    -------
    float or numpy.ndarray
        The objective, or per-task terms for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shapes that differ, negative losses, NaN/inf, empty input or an unknown
        reduction.

    Notes
    -----
    .. math:: J = \sum_k \Bigl(\tfrac12 e^{-s_k} L_k + \tfrac12 s_k\Bigr), \qquad
              \frac{\partial J}{\partial L_k} = \tfrac12 e^{-s_k}, \qquad
              \frac{\partial J}{\partial s_k} = \tfrac12\bigl(1 - e^{-s_k} L_k\bigr).

    This is the negative log-likelihood of Gaussian outputs with variance
    :math:`\sigma_k^2 = e^{s_k}` when :math:`L_k` is a sum of squared errors
    (the paper writes it :math:`\frac{1}{2\sigma_k^2} L_k + \log\sigma_k`); many
    implementations drop the 1/2, which doubles :math:`J` and leaves the minimiser
    unchanged. For fixed :math:`L_k > 0` the optimal :math:`s_k` is :math:`\log L_k`,
    where the term equals :math:`\tfrac12(1 + \log L_k)`. ``.grad`` returns the tuple
    ``(dJ/dlosses, dJ/dlog_vars)``. The value overflows (to inf) only when
    :math:`e^{-s_k} L_k` exceeds the float64 range. No PyTorch or Keras function.

    Examples
    --------
    >>> from lossviz.losses import uncertainty_weighted
    >>> uncertainty_weighted([1.0, 4.0], [0.0, np.log(4.0)])  # (0.5 + 0) + (0.5 + log 2)
    1.6931471805599454

    """
    task_losses, s = _task_parts(losses, log_vars, reduction)
    w = 0.5 * np.exp(-s)  # shared: the weight of each task loss
    value = reduce(w * task_losses + 0.5 * s, reduction) if want & VALUE else None
    grad = None
    if want & GRAD:
        grad = reduce_grad(w, reduction), reduce_grad(0.5 - w * task_losses, reduction)
    return value, grad


uncertainty_weighted = register(
    Loss(
        name="uncertainty_weighted",
        display_name="Uncertainty-weighted multi-task sum",
        task="multi-task learning",
        input_domain="nonnegative",
        slice=Slice(
            "entry",
            point=([1.0], [0.0]),
            vary=("log_vars", (0,)),
            span=(-3.0, 3.0),
            label=r"log-variance $s$ of the task",
            about="One task with loss L = 1; its log-variance s varies along the horizontal "
            "axis. The minimum is at s = log L = 0, where the task's learned variance "
            "equals its loss.",
        ),
        convex=True,
        formula_latex=r"\sum_k \tfrac12 e^{-s_k} L_k + \tfrac12 s_k",
        grad_latex=r"\tfrac12 e^{-s_k}\ \text{(w.r.t. } L_k),\ "
        r"\tfrac12(1 - e^{-s_k} L_k)\ \text{(w.r.t. } s_k)",
        **fused(_uncertainty_weighted),
        inputs=("losses", "log_vars"),
    )
)
