"""Likelihood losses: Poisson and Gaussian negative log-likelihoods, KL divergence."""

from __future__ import annotations

import math

import numpy as np

from .._validate import (
    as_array,
    as_real,
    check_in_unit_interval,
    check_nonnegative,
    check_reduction,
    pair,
    same_shape,
)
from ._docs import OPTION_ERRORS, loss_doc
from ._reduction import reduce, reduce_dot, scale_grad
from ._registry import GRAD, VALUE, Loss, Slice, fused, register


# ------------------------------------------------------------- poisson_nll
@loss_doc(
    {
        "input": (
            "array_like",
            r"Log-rates :math:`z = \log\lambda` (``log_input=True``) or rates :math:`\lambda "
            r"\ge 0` (``log_input=False``).",
        ),
        "target": ("array_like", r"Counts :math:`y \ge 0`, same shape as ``input``."),
        "log_input": ("bool, default True", "Whether ``input`` holds log-rates."),
        "full": (
            "bool, default False",
            r"Add the Stirling approximation of :math:`\log y!` (only where :math:`y > 1`).",
        ),
        "eps": (
            "float, default 1e-8",
            "Added to the rate inside the log when ``log_input=False`` (> 0).",
        ),
    },
    value_errors=OPTION_ERRORS,
)
def _poisson_nll(want, input, target, *, log_input=True, full=False, eps=1e-8, reduction="mean"):
    r"""Poisson negative log-likelihood of counts ``target`` given rates.

    Notes
    -----
    .. math:: \ell = e^{z} - y z, \quad \frac{\partial\ell}{\partial z} = e^{z} - y
              \qquad (\texttt{log_input=True}),

    .. math:: \ell = \lambda - y\log(\lambda + \varepsilon), \quad
              \frac{\partial\ell}{\partial\lambda} = 1 - \frac{y}{\lambda + \varepsilon}
              \qquad (\texttt{log_input=False}),

    plus :math:`y\log y - y + \tfrac12\log(2\pi y)` where :math:`y > 1` if ``full``
    (it does not depend on the input). Same as ``torch.nn.functional.poisson_nll_loss``.
    For log-rates above about 709.78, :math:`e^z` exceeds the float64 range: the
    value and gradient are then ``inf`` (as in PyTorch), without a warning.

    Examples
    --------
    >>> from lossviz.losses import poisson_nll
    >>> poisson_nll([0.0], [2.0])
    1.0

    """
    eps = as_real(eps, "eps", low=0.0, low_open=True)
    x, y = pair(input, target, reduction)
    check_nonnegative(y, "target")
    if log_input:
        with np.errstate(over="ignore"):
            rate = np.exp(x)
    else:
        check_nonnegative(x, "input")
        rate = x + eps  # (rate + eps), as PyTorch
    value = None
    if want & VALUE:
        if log_input:
            per = y * x
            np.subtract(rate, per, out=per)  # e^z - y z
        else:
            per = np.log(rate)
            per *= y
            np.subtract(x, per, out=per)  # lambda - y log(lambda + eps)
        if full:
            per += _stirling(y)
        value = reduce(per, reduction)
    if not want & GRAD:
        return value, None
    if log_input:
        with np.errstate(over="ignore"):
            np.subtract(rate, y, out=rate)  # e^z - y
        return value, scale_grad(rate, reduction)
    g = y / rate
    np.subtract(1.0, g, out=g)  # 1 - y / (lambda + eps)
    return value, scale_grad(g, reduction)


def _stirling(y):
    """Stirling's approximation of log(y!) where y > 1, else 0 (PyTorch's ``full`` term)."""
    big = y > 1
    ys = np.where(big, y, 1.0)
    return (ys * np.log(ys) - ys + 0.5 * np.log(2 * math.pi * ys)) * big


poisson_nll = register(
    Loss(
        name="poisson_nll",
        display_name="Poisson negative log-likelihood",
        task="regression",
        input_domain="real",
        target_domain="nonnegative",
        convex=True,
        formula_latex=r"e^{z} - y z \quad (z = \log\lambda)",
        grad_latex=r"e^{z} - y",
        **fused(_poisson_nll),
        torch_name="torch.nn.functional.poisson_nll_loss",
        keras_name="keras.losses.Poisson",
    )
)


# ------------------------------------------------------------ gaussian_nll
def _gaussian_parts(input, target, var, eps, reduction):
    """Validate and return x, y, the var array, var broadcast-ready, and the clamped var."""
    eps = as_real(eps, "eps", low=0.0, low_open=True)
    x, y = pair(input, target, reduction)
    v = as_array(var, "var")
    check_nonnegative(v, "var")
    vb = v
    if v.ndim == 0:
        pass
    elif v.shape == x.shape:
        pass
    elif v.shape == x.shape[:-1]:
        vb = v[..., None]
    elif v.ndim == x.ndim and sum(b for a, b in zip(x.shape, v.shape, strict=True) if a != b) == 1:
        pass
    else:
        raise ValueError(
            f"var must have the shape of input {x.shape}, that shape without its last axis "
            f"{x.shape[:-1]}, or that shape with one axis of size 1; got var of shape {v.shape}"
        )
    return x, y, v, vb, np.maximum(vb, eps)


@loss_doc(
    {
        "input": ("array_like", r"Predicted means :math:`\mu`."),
        "target": ("array_like", "Observations :math:`y`, same shape as ``input``."),
        "var": (
            "array_like",
            r"Predicted variances :math:`\sigma^2 \ge 0`: the shape of ``input``, that shape "
            r"without its last axis, that shape with one axis of size 1 (PyTorch's rules), "
            r"or a scalar.",
        ),
        "full": ("bool, default False", r"Add the constant :math:`\tfrac12\log 2\pi`."),
        "eps": ("float, default 1e-6", "Variances are clamped from below at ``eps`` (> 0)."),
    },
    value_errors="shape mismatch, negative variance, NaN/inf, empty input, an invalid option or "
    "an unknown reduction",
    reduction="How per-element losses (shape of ``input``) are combined.",
)
def _gaussian_nll(want, input, target, var, *, full=False, eps=1e-6, reduction="mean"):
    r"""Gaussian negative log-likelihood with predicted mean and variance.

    Notes
    -----
    With :math:`v = \max(\sigma^2, \varepsilon)`,

    .. math:: \ell = \tfrac12\Big(\log v + \frac{(\mu - y)^2}{v}\Big), \qquad
              \frac{\partial\ell}{\partial\mu} = \frac{\mu - y}{v}, \qquad
              \frac{\partial\ell}{\partial\sigma^2} =
              \frac12\Big(\frac1v - \frac{(\mu - y)^2}{v^2}\Big).

    ``.grad`` returns the tuple ``(d/d input, d/d var)``; the variance gradient
    is summed over broadcast axes so it has the shape of ``var``. Like PyTorch
    (which clamps under ``no_grad``), the variance gradient below the clamp is the
    formula evaluated at :math:`v = \varepsilon` (a straight-through gradient), not 0.
    Same as ``torch.nn.functional.gaussian_nll_loss``.

    Examples
    --------
    >>> from lossviz.losses import gaussian_nll
    >>> gaussian_nll([1.0], [3.0], [2.0])  # 0.5 * (log 2 + (1 - 3)**2 / 2)
    1.3465735902799727

    """
    x, y, v, vb, vc = _gaussian_parts(input, target, var, eps, reduction)
    d = x - y
    d2 = np.asarray(d * d)  # an array even for 0-d input: it is reused in place below
    value = None
    if want & VALUE:
        per = d2 / vc
        per += np.log(vc)
        per *= 0.5  # (log v + d^2 / v) / 2
        if full:
            per += 0.5 * math.log(2 * math.pi)
        value = reduce(per, reduction)
        del per
    if not want & GRAD:
        return value, None
    g_v = np.divide(d2, vc * vc, out=d2)  # d/dvar in the memory of d^2
    np.subtract(1.0 / vc, g_v, out=g_v)
    g_v *= 0.5  # (1 / v - d^2 / v^2) / 2
    g_x = d
    g_x /= vc
    if v.shape != x.shape:  # sum the broadcast axes back to the shape of var
        g_v = np.broadcast_to(g_v, x.shape)
        if vb.ndim == 0:
            g_v = np.sum(g_v)
        else:
            axes = tuple(
                i for i, (a, b) in enumerate(zip(x.shape, vb.shape, strict=True)) if a != b
            )
            g_v = np.sum(g_v, axis=axes, keepdims=True)
        g_v = np.array(np.reshape(g_v, v.shape), dtype=float)
    n = x.size
    return value, (scale_grad(g_x, reduction, n), scale_grad(g_v, reduction, n))


gaussian_nll = register(
    Loss(
        name="gaussian_nll",
        display_name="Gaussian negative log-likelihood",
        task="regression",
        input_domain="real",
        target_domain="real",
        slice=Slice("residual"),
        convex=True,
        formula_latex=r"\tfrac12\big(\log\sigma^2 + (\mu - y)^2/\sigma^2\big)",
        grad_latex=r"(\mu - y)/\sigma^2",
        **fused(_gaussian_nll),
        inputs=("input", "var"),
        torch_name="torch.nn.functional.gaussian_nll_loss",
        subgradient="below the eps clamp, d/dvar is evaluated at var = eps (PyTorch's "
        "straight-through clamp)",
    )
)


# ------------------------------------------------------------------ kl_div
def _kl_parts(input, target, log_target, reduction):
    check_reduction(reduction, ("none", "mean", "sum", "batchmean"))
    x = as_array(input, "input")
    t = as_array(target, "target")
    same_shape(x, "input", t, "target")
    if log_target:
        bad = t > 0
        if bad.any():
            raise ValueError(
                "target must hold log-probabilities (<= 0) when log_target=True, got "
                f"{int(bad.sum())} positive value(s), e.g. {t[bad].ravel()[0]!r}"
            )
        p = np.exp(t)
    else:
        check_in_unit_interval(t, "target")
        p = t
    # "batchmean" divides by the batch size (a 0-d input is one element)
    count = x.shape[0] if (reduction == "batchmean" and x.ndim > 0) else x.size
    return x, t, p, count


@loss_doc(
    {
        "input": (
            "array_like",
            r"Log-probabilities :math:`\log q` of the model (e.g. a log-softmax).",
        ),
        "target": (
            "array_like",
            r"Probabilities :math:`p \in [0, 1]`, or log-probabilities :math:`\log p \le 0` "
            r"when ``log_target=True``; same shape as ``input``.",
        ),
        "log_target": ("bool, default False", "Whether ``target`` holds log-probabilities."),
    },
    value_errors="shape mismatch, targets outside [0, 1] (or positive log-targets), NaN/inf, "
    "empty input or an unknown reduction",
    returns=(
        "float or numpy.ndarray",
        'The reduced loss, or per-element terms for ``reduction="none"``.',
    ),
    reduction=(
        '{"mean", "batchmean", "sum", "none"}, default "mean"',
        '"batchmean" divides the sum by ``input.shape[0]`` and is the true KL divergence '
        'averaged over a batch of distributions; "mean" divides by the number of elements '
        "(PyTorch's default, which PyTorch warns about).",
    ),
)
def _kl_div(want, input, target, *, log_target=False, reduction="mean"):
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(p \,\|\, q)` with ``input = log q``.

    Notes
    -----
    Per element, with the convention :math:`0 \log 0 = 0`,

    .. math:: \ell = p\,(\log p - \log q), \qquad
              \frac{\partial\ell}{\partial \log q} = -p.

    Same as ``torch.nn.functional.kl_div``; summed over a distribution it equals
    ``scipy.special.rel_entr(p, q).sum()``.

    Examples
    --------
    >>> import numpy as np
    >>> from lossviz.losses import kl_div
    >>> p, q = np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]])
    >>> round(kl_div(np.log(q), p, reduction="batchmean"), 6)  # 0.5 log(0.5/0.9) + 0.5 log 5
    0.510826

    """
    x, t, p, count = _kl_parts(input, target, log_target, reduction)
    red = "mean" if reduction == "batchmean" else reduction
    value = None
    if want & VALUE:
        if log_target:
            log_p = t
        else:  # 0 log 0 = 0: the log is taken where p > 0 only
            log_p = np.zeros_like(p)
            np.log(p, out=log_p, where=p > 0)
        value = reduce_dot(p, log_p - x, red, count)  # p (log p - log q)
    return value, scale_grad(-p, red, count) if want & GRAD else None


kl_div = register(
    Loss(
        name="kl_div",
        display_name="Kullback-Leibler divergence",
        task="classification",
        input_domain="log-probability",
        target_domain="probability",
        convex=True,
        formula_latex=r"p\,(\log p - \log q)",
        grad_latex=r"-p",
        **fused(_kl_div),
        torch_name="torch.nn.functional.kl_div",
        keras_name="keras.losses.KLDivergence",
    )
)
