r"""Objectives of generative models: Gaussian KL, the negative ELBO, GAN losses.

The variational-autoencoder pieces (:data:`gaussian_kl`, :data:`neg_elbo`) take the
encoder's mean and log-variance; the GAN losses (:data:`gan_minimax`,
:data:`gan_non_saturating`, :data:`wasserstein_critic`, :data:`gan_hinge`) take the
discriminator's (or critic's) raw scores on a batch of real and a batch of generated
samples, ``real`` then ``fake``, and a ``side`` option choosing the discriminator's loss
or the generator's. The generator's loss does not depend on ``real``: its gradient with
respect to ``real`` is returned as zeros so that ``.grad`` always returns
``(d/d real, d/d fake)``.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import (
    as_array,
    as_choice,
    as_real,
    broadcastable_to,
    check_in_unit_interval,
    check_reduction,
    same_shape,
)
from ._kernels import chunks, flat_views, logistic, logistic_part, pairwise_sum
from ._reduction import reduce, scale_grad
from ._registry import GRAD, VALUE, Loss, Slice, fused, register

SIDES = ("discriminator", "generator")

#: What the four GAN losses share in their Loss records.
_GAN = {
    "task": "generative modelling",
    "input_domain": "real",
    "convex": True,
    "inputs": ("real", "fake"),
}

#: The appendix's slices of the GAN losses: the generator's or the discriminator's loss.
_GAN_SLICES = {
    side: Slice(
        "entry",
        point=([0.0], [0.0]),
        options={"side": side} if side == "generator" else {},
        vary=("fake", (0,)),
        span=(-4.0, 4.0),
        label=r"discriminator logit $D(G(z))$ on a fake",
        about=about,
    )
    for side, about in (
        (
            "generator",
            "The generator's loss (side='generator') for one fake sample, against the "
            "discriminator's logit on it (the real sample's logit is 0): where the "
            "discriminator is confident the sample is fake (logit far below 0) the minimax "
            "loss saturates and the non-saturating loss does not.",
        ),
        (
            "discriminator",
            "The discriminator's (critic's) loss for one real sample with logit 0 and one "
            "fake sample whose logit varies along the horizontal axis.",
        ),
    )
}
KL_REDUCTIONS = ("none", "sum", "mean", "batchmean")


# --------------------------------------------------------------- gaussian_kl
def _kl_parts(mu, logvar, prior_mu, prior_logvar, reduction):
    check_reduction(reduction, KL_REDUCTIONS)
    m = as_array(mu, "mu")
    lv = as_array(logvar, "logvar")
    same_shape(m, "mu", lv, "logvar")
    m2 = as_array(prior_mu, "prior_mu")
    lv2 = as_array(prior_logvar, "prior_logvar")
    broadcastable_to(m2, "prior_mu", m.shape, of="mu")
    broadcastable_to(lv2, "prior_logvar", m.shape, of="mu")
    return m, lv, m2, lv2


def _kl_reduce(per, reduction):
    if reduction == "batchmean":
        return float(np.sum(per)) / (per.shape[0] if per.ndim else 1)
    return reduce(per, reduction)


def _kl_scale_grad(g, reduction):
    """:func:`scale_grad` with ``"batchmean"``: ``g`` must be the caller's own array."""
    if reduction == "batchmean":
        g /= g.shape[0] if g.ndim else 1
        return g
    return scale_grad(g, reduction)


def _gaussian_kl(want, mu, logvar, *, prior_mu=0.0, prior_logvar=0.0, reduction="mean"):
    r"""KL divergence between diagonal Gaussians, in closed form, from mean and log-variance.

    Parameters
    ----------
    mu : array_like
        Means :math:`\mu` of the first Gaussian :math:`q` (e.g. a VAE encoder's output).
    logvar : array_like
        Log-variances :math:`\log\sigma^2` of :math:`q`, same shape as ``mu``.
    prior_mu : array_like, default 0.0
        Means :math:`m` of the second Gaussian :math:`p`, broadcastable to ``mu``.
    prior_logvar : array_like, default 0.0
        Log-variances :math:`\log s^2` of :math:`p`, broadcastable to ``mu``. The
        defaults make :math:`p` the standard normal prior :math:`\mathcal N(0, I)`.
    reduction : {"mean", "sum", "batchmean", "none"}, default "mean"
        ``"sum"`` gives the KL of the whole diagonal Gaussian (the sum over its
        independent coordinates); ``"batchmean"`` divides that sum by the size of the
        first axis (the batch), as in ``torch.nn.functional.kl_div``; ``"mean"`` (the
        library-wide default) divides it by the number of elements, which is not a KL
        divergence when there are several coordinates; ``"none"`` returns
        per-coordinate terms.

    Returns
    -------
    float or numpy.ndarray
        :math:`\mathrm{KL}(q \,\|\, p)` reduced as asked.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shape mismatch, a prior that does not broadcast to ``mu``, NaN/inf,
        empty input or an unknown reduction.

    Notes
    -----
    Per coordinate, with :math:`v = \sigma^2` and :math:`s^2` the prior's variance,

    .. math:: \mathrm{KL}\big(\mathcal N(\mu, v)\,\|\,\mathcal N(m, s^2)\big)
              = \tfrac12\Big(\frac{v}{s^2} + \frac{(\mu - m)^2}{s^2} - 1
              - \log\frac{v}{s^2}\Big),

    which for :math:`m = 0, s = 1` is
    :math:`\tfrac12(v + \mu^2 - 1 - \log v)`. ``.grad`` returns the tuple
    ``(d/d mu, d/d logvar)`` = :math:`\big((\mu - m)/s^2,\ \tfrac12(v/s^2 - 1)\big)`;
    the prior is held fixed. Same value as
    ``torch.distributions.kl_divergence(Normal(mu, sigma), Normal(m, s)).sum()``.

    Examples
    --------
    >>> from lossviz.losses import gaussian_kl
    >>> gaussian_kl([0.0, 1.0], [0.0, 0.0], reduction="sum")  # 0 + 0.5 * 1**2
    0.5
    >>> gaussian_kl.grad([0.0, 1.0], [0.0, 0.0], reduction="sum")
    (array([0., 1.]), array([0., 0.]))

    """
    m, lv, m2, lv2 = _kl_parts(mu, logvar, prior_mu, prior_logvar, reduction)
    d = np.subtract(lv, lv2, out=np.empty_like(m))  # the prior broadcasts to mu's shape
    ratio_m1 = np.expm1(d, out=np.empty_like(m))  # sigma^2 / s^2 - 1, accurate near 0
    diff = np.subtract(m, m2, out=np.empty_like(m))
    inv2 = np.exp(-lv2)
    value = None
    if want & VALUE:
        per = np.subtract(ratio_m1, d, out=d)
        sq = np.multiply(diff, diff, out=np.empty_like(m))
        sq *= inv2
        per += sq
        del sq
        per *= 0.5
        value = _kl_reduce(per, reduction)
    if not want & GRAD:
        return value, None
    diff *= inv2
    ratio_m1 *= 0.5
    return value, (_kl_scale_grad(diff, reduction), _kl_scale_grad(ratio_m1, reduction))


gaussian_kl = register(
    Loss(
        name="gaussian_kl",
        display_name="KL divergence between diagonal Gaussians",
        task="generative modelling",
        input_domain="real",
        slice=Slice(
            "entry",
            point=([0.0], [0.0]),
            vary=("mu", (0,)),
            span=(-3.0, 3.0),
            label=r"mean $\mu$ (unit variance)",
            about="One latent dimension with log-variance 0 against the standard normal prior; "
            "its mean varies along the horizontal axis.",
        ),
        convex=True,
        formula_latex=r"\tfrac12\big(\sigma^2 + \mu^2 - 1 - \log\sigma^2\big)"
        r"\quad (\text{prior } \mathcal N(0, 1))",
        grad_latex=r"\mu \ \text{(and } \tfrac12(\sigma^2 - 1) \text{ for } \log\sigma^2)",
        **fused(_gaussian_kl),
        inputs=("mu", "logvar"),
    )
)


# ------------------------------------------------------------------ neg_elbo
def _neg_elbo(
    want,
    input,
    target,
    mu,
    logvar,
    *,
    likelihood="bernoulli",
    beta=1.0,
    recon_var=1.0,
    reduction="mean",
):
    r"""Negative evidence lower bound of a VAE: reconstruction + beta * KL to N(0, I).

    Parameters
    ----------
    input : array_like
        Decoder outputs, shape ``(N, D)`` (or ``(N, ...)``): logits of Bernoulli
        pixels (``likelihood="bernoulli"``) or Gaussian means (``"gaussian"``).
    target : array_like
        The data :math:`x`, same shape as ``input``; in [0, 1] for ``"bernoulli"``.
    mu : array_like
        Encoder means :math:`\mu(x)`, shape ``(N, K)``.
    logvar : array_like
        Encoder log-variances :math:`\log\sigma^2(x)`, same shape as ``mu``.
    likelihood : {"bernoulli", "gaussian"}, default "bernoulli"
        The decoder's distribution :math:`p(x \mid z)`.
    beta : float, default 1.0
        Weight of the KL term (:math:`\beta \ge 0`; 1 is the ELBO, other values give
        the :math:`\beta`-VAE objective).
    recon_var : float, default 1.0
        Fixed decoder variance :math:`\sigma_x^2 > 0` for ``"gaussian"``.
    reduction : {"mean", "sum", "none"}, default "mean"
        How the per-sample losses (shape ``(N,)``) are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or one value per sample for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shapes that do not fit, targets outside [0, 1] (Bernoulli), an unknown
        likelihood, a negative ``beta``, NaN/inf or an unknown reduction.

    Notes
    -----
    For one sample, with one reparameterised draw :math:`z = \mu + \sigma\varepsilon`
    decoded to ``input`` :math:`\eta`,

    .. math:: \ell = \sum_{d} r(\eta_d, x_d)
              + \beta \sum_k \tfrac12\big(\sigma_k^2 + \mu_k^2 - 1 - \log\sigma_k^2\big),

    with :math:`r = \operatorname{softplus}(\eta) - x\eta` (Bernoulli, i.e. binary
    cross-entropy with logits) or
    :math:`r = \frac{(\eta - x)^2}{2\sigma_x^2} + \tfrac12\log(2\pi\sigma_x^2)` (Gaussian).
    With :math:`\beta = 1` its expectation over :math:`\varepsilon` is the negative ELBO,
    an upper bound on :math:`-\log p(x)`. ``.grad`` returns
    ``(d/d input, d/d mu, d/d logvar)`` with :math:`\partial r/\partial\eta =
    \sigma(\eta) - x` or :math:`(\eta - x)/\sigma_x^2`, and the KL gradients
    :math:`\beta\mu_k` and :math:`\tfrac\beta2(\sigma_k^2 - 1)`: these are the direct
    gradients; the reconstruction's path through :math:`z` to :math:`\mu, \sigma` is the
    decoder's business (backpropagate ``d/d input`` through it).

    Examples
    --------
    >>> from lossviz.losses import neg_elbo
    >>> round(neg_elbo([[0.0, 0.0]], [[1.0, 0.0]], [[0.0]], [[0.0]]), 6)  # 2 log 2
    1.386294

    """
    check_reduction(reduction)
    as_choice(likelihood, "likelihood", ("bernoulli", "gaussian"))
    beta = as_real(beta, "beta", low=0.0)
    recon_var = as_real(recon_var, "recon_var", low=0.0, low_open=True)
    z = as_array(input, "input")
    x = as_array(target, "target")
    same_shape(z, "input", x, "target")
    m = as_array(mu, "mu")
    lv = as_array(logvar, "logvar")
    same_shape(m, "mu", lv, "logvar")
    if z.ndim < 2 or m.ndim < 2:
        raise ValueError(
            "input and mu must be batches with the samples on the first axis, shapes "
            f"(N, D) and (N, K); got input of shape {z.shape} and mu of shape {m.shape}"
        )
    if z.shape[0] != m.shape[0]:
        raise ValueError(
            f"input and mu must hold the same number of samples (first axis): got "
            f"{z.shape[0]} and {m.shape[0]}"
        )
    n = z.shape[0]
    if likelihood == "bernoulli":
        check_in_unit_interval(x, "target")
        rec, g_z = logistic(z, 1, value=want & VALUE, grad=want & GRAD)
        if want & VALUE:
            rec -= x * z  # BCE with logits: softplus(z) - x z
        if want & GRAD:
            g_z -= x  # sigmoid(z) - x
    else:
        g_z = z - x  # the residual r, divided by recon_var below
        rec = g_z * g_z
        rec /= recon_var
        rec += math.log(2.0 * math.pi * recon_var)
        rec *= 0.5
        g_z /= recon_var
    v_m1 = np.expm1(lv)  # sigma^2 - 1
    value = None
    if want & VALUE:
        kl = v_m1 - lv
        kl += m * m
        kl *= 0.5
        per = rec.reshape(n, -1).sum(axis=1) + beta * kl.reshape(n, -1).sum(axis=1)
        value = reduce(per, reduction)
    if not want & GRAD:
        return value, None
    scale = 1.0 / n if reduction == "mean" else 1.0
    g_z *= scale
    g_mu = beta * m
    g_mu *= scale
    v_m1 *= beta * 0.5
    v_m1 *= scale
    return value, (g_z, g_mu, v_m1)


neg_elbo = register(
    Loss(
        name="neg_elbo",
        display_name="Negative ELBO (VAE, beta-VAE)",
        task="generative modelling",
        input_domain="real",
        target_domain="probability",
        slice=Slice(
            "entry",
            point=([[0.0]], [[1.0]], [[0.0]], [[0.0]]),
            vary=("input", (0, 0)),
            span=(-4.0, 4.0),
            label=r"decoder logit $z$ (pixel $x = 1$)",
            about="One Bernoulli pixel x = 1 and one latent dimension at the prior (mean 0, "
            "log-variance 0); the decoder's logit varies along the horizontal axis.",
        ),
        convex=True,
        formula_latex=r"\sum_d \big(\operatorname{softplus}(\eta_d) - x_d\eta_d\big) + "
        r"\beta\sum_k \tfrac12\big(\sigma_k^2 + \mu_k^2 - 1 - \log\sigma_k^2\big)",
        grad_latex=r"\sigma(\eta_d) - x_d",
        **fused(_neg_elbo),
        inputs=("input", "mu", "logvar"),
    )
)


# ---------------------------------------------------------------- GAN losses
def _gan_parts(real, fake, side, reduction, finite=True):
    """Validate the arguments of a GAN loss (``finite=False``: but the finiteness)."""
    check_reduction(reduction)
    as_choice(side, "side", SIDES)
    r = as_array(real, "real", finite=finite)
    f = as_array(fake, "fake", finite=finite)
    same_shape(r, "real", f, "fake")
    return r, f


def _gan_result(want, per, g_real, g_fake, reduction, scaled=False):
    """Reduce the per-pair losses and scale the gradients (arrays the caller owns).

    ``scaled``: the gradients are already those of the reduced loss.
    """
    value = reduce(per, reduction) if want & VALUE else None
    if not want & GRAD:
        return value, None
    if scaled:
        return value, (g_real, g_fake)
    return value, (scale_grad(g_real, reduction), scale_grad(g_fake, reduction))


def _constant_grads(want, r, c_real, c_fake, reduction):
    """Gradients constant per pair, ``c / n`` for the mean: one pass each, not two."""
    if not want & GRAD:
        return None, None
    n = r.size if reduction == "mean" else 1
    return np.full_like(r, c_real / n), np.full_like(r, c_fake / n)


def _gan_logistic(want, real, fake, side, reduction, generator_sign):
    r"""Compute the minimax (``generator_sign=1``) or non-saturating (-1) GAN loss on logits.

    The discriminator's loss is :math:`\operatorname{softplus}(-s_r) +
    \operatorname{softplus}(s_f)`, the generator's :math:`-\operatorname{softplus}(s_f)`
    (minimax) or :math:`\operatorname{softplus}(-s_f)` (non-saturating), each with
    :math:`\frac{d}{ds}\operatorname{softplus}(\pm s) = \pm\sigma(\pm s)`.
    """
    value, grad = want & VALUE, want & GRAD
    if side == "discriminator":
        return _logistic_discriminator(want, real, fake, reduction)
    r, f = _gan_parts(real, fake, side, reduction)
    per, g_f = logistic(f, generator_sign, value=value, grad=grad)
    if value and generator_sign > 0:
        np.negative(per, out=per)  # log(1 - D(fake)) = -softplus(s_f)
    if grad:
        np.negative(g_f, out=g_f)
    return _gan_result(want, per, np.zeros_like(r) if grad else None, g_f, reduction)


def _logistic_discriminator(want, real, fake, reduction):
    r"""Return the discriminator's loss of the minimax and non-saturating GANs, and its gradient.

    The loss is :math:`\operatorname{softplus}(-s_r) + \operatorname{softplus}(s_f)`. One
    pass over parts of the arrays (:func:`._kernels.chunks`), which checks their
    finiteness on the way; only the returned arrays are as large as the input.
    """
    side = "discriminator"
    try:
        r, f = _gan_parts(real, fake, side, reduction, finite=False)
    except (TypeError, ValueError):
        _gan_parts(real, fake, side, reduction)  # the first error, in order
        raise
    summed = want & VALUE and reduction != "none"
    per = np.empty_like(r) if want & VALUE and not summed else None
    g_r = g_f = None
    if want & GRAD:
        g_r, g_f = np.empty_like(r), np.empty_like(f)
    total = 0.0
    for rc, fc, pc, grc, gfc in chunks(r, f, per, g_r, g_f):
        if not (np.isfinite(rc).all() and np.isfinite(fc).all()):
            _gan_parts(real, fake, side, reduction)  # raises
        sp_r = sp_f = None
        if want & VALUE:
            sp_r, sp_f = (np.empty_like(rc) if summed else pc), np.empty_like(fc)
        logistic_part(-1, rc, sp_r, grc)  # softplus(-s_r) = -log D(real)
        logistic_part(1, fc, sp_f, gfc)  # softplus(s_f) = -log(1 - D(fake))
        if sp_r is not None:
            sp_r += sp_f
        if summed:
            total += float(np.sum(sp_r))
        if grc is not None:
            np.negative(grc, out=grc)
            if reduction == "mean":
                grc /= r.size
                gfc /= f.size
    value = per
    if summed:
        value = total / r.size if reduction == "mean" else total
    return value, None if g_r is None else (g_r, g_f)


def _critic_generator(want, r, f, reduction):
    """Compute the generator's loss -s_f on critic scores (Wasserstein and hinge GANs)."""
    per = np.negative(f) if want & VALUE else None
    grads = _constant_grads(want, r, 0.0, -1.0, reduction)
    return _gan_result(want, per, *grads, reduction, scaled=True)


#: The discriminator's loss (and gradient) of the minimax and non-saturating GANs.
_LOGISTIC_D = r"\operatorname{softplus}(-s_r) + \operatorname{softplus}(s_f)\ \ (D);\quad "
_LOGISTIC_D_GRAD = r"-\sigma(-s_r)\ \ (D)"

_GAN_PARAMS = r"""
    Parameters
    ----------
    real : array_like
        Discriminator (critic) scores :math:`s_r` of a batch of real samples; for the
        minimax and non-saturating losses these are logits, :math:`D = \sigma(s)`.
    fake : array_like
        Scores :math:`s_f` of a batch of generated samples :math:`G(z)`, same shape as
        ``real``.
    side : {"discriminator", "generator"}, default "discriminator"
        Which player's loss to compute. The generator's loss ignores the values of
        ``real`` (its gradient there is 0).
    reduction : {"mean", "sum", "none"}, default "mean"
        How the per-pair losses (the real term of sample i plus the fake term of
        sample i) are combined; ``"mean"`` equals the mean over the real batch plus the
        mean over the fake batch.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-pair losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shape mismatch, NaN/inf, empty input, an unknown ``side`` or reduction.
"""


def _gan_minimax(want, real, fake, *, side="discriminator", reduction="mean"):
    return _gan_logistic(want, real, fake, side, reduction, generator_sign=1)


_gan_minimax.__doc__ = (
    r"""Original (minimax) GAN loss of Goodfellow et al. (2014), on logits.
"""
    + _GAN_PARAMS
    + r"""
    Notes
    -----
    With :math:`D = \sigma(s)`, the game is
    :math:`\min_G\max_D\ \mathbb E\log D(x) + \mathbb E\log(1 - D(G(z)))`. As losses to
    minimise:

    .. math:: \ell_D = -\log\sigma(s_r) - \log(1 - \sigma(s_f))
              = \operatorname{softplus}(-s_r) + \operatorname{softplus}(s_f),

    .. math:: \ell_G = \log(1 - \sigma(s_f)) = -\operatorname{softplus}(s_f),
              \qquad \frac{\partial\ell_G}{\partial s_f} = -\sigma(s_f),

    so the generator's gradient vanishes when the discriminator confidently rejects its
    samples (:math:`s_f \to -\infty`): the loss *saturates*. :math:`\ell_D` equals
    ``F.binary_cross_entropy_with_logits`` with target 1 on ``real`` plus target 0
    on ``fake``; :math:`\ell_G` is minus the second of these. ``.grad`` returns
    ``(d/d real, d/d fake)``.

    Examples
    --------
    >>> from lossviz.losses import gan_minimax
    >>> round(gan_minimax([0.0], [0.0]), 6)  # 2 log 2 at D = 1/2 everywhere
    1.386294
    >>> round(gan_minimax([0.0], [0.0], side="generator"), 6)  # log(1/2)
    -0.693147

    """
)


gan_minimax = register(
    Loss(
        name="gan_minimax",
        display_name="GAN minimax loss",
        **_GAN,
        slice=_GAN_SLICES["generator"],
        formula_latex=_LOGISTIC_D + r"-\operatorname{softplus}(s_f)\ \ (G)",
        grad_latex=_LOGISTIC_D_GRAD,
        **fused(_gan_minimax),
    )
)


def _gan_non_saturating(want, real, fake, *, side="discriminator", reduction="mean"):
    return _gan_logistic(want, real, fake, side, reduction, generator_sign=-1)


_gan_non_saturating.__doc__ = (
    r"""Non-saturating GAN loss: the minimax discriminator, generator loss -log D(G(z)).
"""
    + _GAN_PARAMS
    + r"""
    Notes
    -----
    The discriminator's loss is that of :data:`gan_minimax`; the generator instead
    minimises

    .. math:: \ell_G = -\log\sigma(s_f) = \operatorname{softplus}(-s_f), \qquad
              \frac{\partial\ell_G}{\partial s_f} = -(1 - \sigma(s_f)),

    whose gradient tends to -1, not 0, when the discriminator rejects the sample. It is
    ``F.binary_cross_entropy_with_logits(fake, ones)``: the generator trains on
    its samples labelled "real". ``.grad`` returns ``(d/d real, d/d fake)``.

    Examples
    --------
    >>> from lossviz.losses import gan_non_saturating
    >>> round(gan_non_saturating([0.0], [0.0], side="generator"), 6)  # -log(1/2)
    0.693147

    """
)


gan_non_saturating = register(
    Loss(
        name="gan_non_saturating",
        display_name="GAN non-saturating loss",
        **_GAN,
        slice=_GAN_SLICES["generator"],
        formula_latex=_LOGISTIC_D + r"\operatorname{softplus}(-s_f)\ \ (G)",
        grad_latex=_LOGISTIC_D_GRAD,
        **fused(_gan_non_saturating),
    )
)


def _wasserstein_critic(want, real, fake, *, side="discriminator", reduction="mean"):
    try:  # finiteness: checked on the differences below
        r, f = _gan_parts(real, fake, side, reduction, finite=False)
    except (TypeError, ValueError):
        _gan_parts(real, fake, side, reduction)  # the first error, in order
        raise
    if side == "generator":
        return _critic_generator(want, *_gan_parts(real, fake, side, reduction), reduction)

    # the differences f - r are finite only if both inputs are: one check, not two
    def differences(r, f):
        with np.errstate(invalid="ignore"):  # inf - inf: the inputs are reported below
            d = np.subtract(f, r)
        if not np.isfinite(d).all():  # NaN or infinity in an input? (else an overflow: kept)
            _gan_parts(real, fake, side, reduction)
        return d

    flat = flat_views(r, f)
    if reduction == "none" or flat is None:
        per = differences(r, f)
        value = reduce(per, reduction)
    else:  # the sum of the differences, computed part by part as np.sum of them all
        r_flat, f_flat = flat
        total = pairwise_sum(lambda i, j: np.sum(differences(r_flat[i:j], f_flat[i:j])), 0, r.size)
        total = float(total)
        value = total / r.size if reduction == "mean" else total
    grads = _constant_grads(want, r, -1.0, 1.0, reduction) if want & GRAD else None
    return value if want & VALUE else None, grads


_wasserstein_critic.__doc__ = (
    r"""Wasserstein GAN loss on critic scores (the Lipschitz constraint is not included).
"""
    + _GAN_PARAMS
    + r"""
    Notes
    -----
    The critic :math:`f` maximises :math:`\mathbb E f(x) - \mathbb E f(G(z))`, which over
    1-Lipschitz functions equals the Wasserstein-1 distance (Kantorovich-Rubinstein
    duality); the generator minimises :math:`-\mathbb E f(G(z))`:

    .. math:: \ell_D = s_f - s_r, \qquad \ell_G = -s_f,

    with constant gradients :math:`(-1, +1)` and :math:`(0, -1)`. The loss is
    meaningless without a Lipschitz constraint on the critic (weight clipping, a
    gradient penalty or spectral normalisation), which acts on the critic's parameters
    or input gradients and is not part of this function. ``.grad`` returns
    ``(d/d real, d/d fake)``.

    Examples
    --------
    >>> from lossviz.losses import wasserstein_critic
    >>> wasserstein_critic([2.0, 1.0], [0.0, -1.0])  # mean(fake) - mean(real)
    -2.0

    """
)


wasserstein_critic = register(
    Loss(
        name="wasserstein_critic",
        display_name="Wasserstein GAN critic loss",
        **_GAN,
        slice=_GAN_SLICES["discriminator"],
        formula_latex=r"s_f - s_r\ \ (D);\quad -s_f\ \ (G)",
        grad_latex=r"-1\ \ (D)",
        **fused(_wasserstein_critic),
    )
)


def _gan_hinge(want, real, fake, *, side="discriminator", reduction="mean"):
    r, f = _gan_parts(real, fake, side, reduction)
    if side == "generator":
        return _critic_generator(want, r, f, reduction)
    per = None
    if want & VALUE:
        per = np.subtract(1.0, r, out=np.empty_like(r))
        np.maximum(per, 0.0, out=per)
        fake_term = np.add(1.0, f, out=np.empty_like(f))
        np.maximum(fake_term, 0.0, out=fake_term)
        per += fake_term
    grads = (None, None)
    if want & GRAD:
        grads = (np.where(r < 1.0, -1.0, 0.0), np.where(f > -1.0, 1.0, 0.0))
    return _gan_result(want, per, *grads, reduction)


_gan_hinge.__doc__ = (
    r"""Hinge GAN loss (geometric GAN, SAGAN, BigGAN) on critic scores.
"""
    + _GAN_PARAMS
    + r"""
    Notes
    -----
    .. math:: \ell_D = \max(0, 1 - s_r) + \max(0, 1 + s_f), \qquad \ell_G = -s_f.

    The discriminator stops pushing a real sample once :math:`s_r \ge 1` and a fake one
    once :math:`s_f \le -1`. At the kinks (:math:`s_r = 1`, :math:`s_f = -1`) ``.grad``
    returns the subgradient 0, as ``torch.relu`` does. ``.grad`` returns
    ``(d/d real, d/d fake)``.

    Examples
    --------
    >>> from lossviz.losses import gan_hinge
    >>> gan_hinge([0.5, 2.0], [-0.5, -3.0])  # mean of (0.5 + 0.5, 0 + 0)
    0.5

    """
)


gan_hinge = register(
    Loss(
        name="gan_hinge",
        display_name="GAN hinge loss",
        **_GAN,
        slice=_GAN_SLICES["discriminator"],
        formula_latex=r"\max(0, 1 - s_r) + \max(0, 1 + s_f)\ \ (D);\quad -s_f\ \ (G)",
        grad_latex=r"-[s_r < 1]\ \ (D)",
        **fused(_gan_hinge),
        subgradient="0 at s_r = 1 and at s_f = -1 (as torch.relu)",
    )
)
