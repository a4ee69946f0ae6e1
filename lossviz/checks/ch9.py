r"""Checkers for the exercises of chapter 9, "The objectives of generative models".

Functions
---------
gaussian_kl
    Checks ``my_gaussian_kl(mu, logvar)``: the KL divergence from the diagonal Gaussian
    :math:`\mathcal N(\mu, \operatorname{diag} e^{\text{logvar}})` to :math:`\mathcal N(0, I)`.
bits_per_dim
    Checks ``my_bits_per_dim(x, shift, log_scale)``: the mean negative log-likelihood, in
    bits per dimension, of data under the affine flow
    :math:`z = (x - \text{shift})\, e^{-\text{log_scale}}` with a standard normal base.
discriminator_loss
    Checks ``my_discriminator_loss(real, fake)``: the GAN discriminator's loss on logits,
    computed without overflow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    ExerciseFailed,
    call,
    check_each,
    check_finite,
    check_scalar,
    check_value,
    exercise,
)

__all__ = ["ExerciseFailed", "bits_per_dim", "discriminator_loss", "gaussian_kl"]


# ------------------------------------------------------------------ gaussian_kl
def _kl(mu: np.ndarray, lv: np.ndarray) -> float:
    return float(0.5 * np.sum(np.expm1(lv) - lv + mu * mu))


def _kl_mistakes(mu: np.ndarray, lv: np.ndarray) -> list[tuple[float, str]]:
    """Return the known wrong answers of one case, as ``(value, hint)`` pairs."""
    v = np.exp(lv)
    wrong = {
        "the factor 1/2 is missing": 2 * _kl(mu, lv),
        "you averaged over the coordinates; the KL of a diagonal Gaussian is their sum": (
            _kl(mu, lv) / mu.size
        ),
        "logvar is log(sigma^2): the variance is exp(logvar), not exp(logvar)**2": float(
            0.5 * np.sum(v * v + mu * mu - 1 - 2 * lv)
        ),
        "check the sign of the log-variance term: it is -log(sigma^2)": float(
            0.5 * np.sum(v + mu * mu - 1 + lv)
        ),
        "the -1 per coordinate is missing": float(0.5 * np.sum(v + mu * mu - lv)),
    }
    return [(value, hint) for hint, value in wrong.items()]


@exercise("KL divergence of a diagonal Gaussian from the standard normal")
def gaussian_kl(my_gaussian_kl: Callable[..., Any]) -> None:
    """Check ``my_gaussian_kl(mu, logvar)`` on 1-D arrays of means and log-variances.

    The student's function returns a float.

    """
    __tracebackhide__ = True
    cases = [
        ([0.0, 0.0], [0.0, 0.0], "the KL of the prior from itself"),
        ([1.0, -2.0], [0.0, 0.0], "unit variances, means 1 and -2"),
        ([0.0, 0.0, 0.0], [1.0, -1.0, 2.0], "zero means, log-variances 1, -1, 2"),
        ([0.5, -0.3, 1.5], [-0.7, 0.4, -2.0], "a general case"),
    ]

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        mu_l, lv_l, what = item
        mu, lv = np.array(mu_l), np.array(lv_l)
        got = check_scalar(call(my_gaussian_kl, mu.copy(), lv.copy()), what)
        want = _kl(mu, lv)
        check_value(
            got,
            want,
            f"for mu={mu_l}, logvar={lv_l} ({what}) the KL",
            "KL = 0.5 * sum(exp(logvar) + mu**2 - 1 - logvar)",
            mistakes=_kl_mistakes(mu, lv),
        )

    check_each(cases, one)


# ----------------------------------------------------------------- bits_per_dim
def _bpd(x: np.ndarray, shift: np.ndarray, log_scale: np.ndarray) -> float:
    z = (x - shift) * np.exp(-log_scale)
    nll = 0.5 * np.sum(z * z, axis=1) + 0.5 * x.shape[1] * math.log(2 * math.pi)
    nll = nll + np.sum(log_scale)
    return float(np.mean(nll) / (x.shape[1] * math.log(2)))


def _bpd_mistakes(
    x: np.ndarray, shift: np.ndarray, log_scale: np.ndarray
) -> list[tuple[float, str]]:
    """Return the known wrong answers of one case, as ``(value, hint)`` pairs."""
    n, d = x.shape
    right = _bpd(x, shift, log_scale)
    logdet_bits = float(np.sum(log_scale)) / (d * math.log(2))
    wrong = {
        "the log-determinant term is missing: the density of x is that of z times "
        "|dz/dx| = exp(-sum(log_scale))": right - logdet_bits,
        "the log-determinant enters with the wrong sign: -log p(x) = -log p(z) + "
        "sum(log_scale)": right - 2 * logdet_bits,
        "that is in nats: divide by log(2) to get bits": right * math.log(2),
        "divide by the number of dimensions D (bits per dimension)": right * d,
        "the constant 0.5 * log(2 pi) per dimension is missing": right
        - 0.5 * math.log(2 * math.pi) / math.log(2),
    }
    return [(value, hint) for hint, value in wrong.items()]


@exercise("Bits per dimension of an affine flow")
def bits_per_dim(my_bits_per_dim: Callable[..., Any]) -> None:
    """Check ``my_bits_per_dim(x, shift, log_scale)`` for data ``x`` of shape ``(N, D)``.

    The student's function returns a float.

    """
    __tracebackhide__ = True
    rng = np.random.default_rng(9)
    cases = [
        (np.zeros((1, 1)), np.zeros(1), np.zeros(1), "one point at the mode of N(0, 1)"),
        (np.array([[1.0, -1.0], [0.0, 2.0]]), np.zeros(2), np.zeros(2), "a standard normal"),
        (np.array([[3.0, 1.0]]), np.array([2.0, 0.0]), np.array([0.5, -1.0]), "shift and scale"),
        (
            rng.normal(2.0, 3.0, size=(5, 4)),
            np.full(4, 2.0),
            np.full(4, math.log(3.0)),
            "a fitted scale",
        ),
    ]

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        x, shift, ls, what = item
        got = check_scalar(call(my_bits_per_dim, x.copy(), shift.copy(), ls.copy()), what)
        want = _bpd(x, shift, ls)
        check_value(
            got,
            want,
            f"for {what} the bits per dimension",
            "mean over samples of -log p(x), divided by D * log(2)",
            mistakes=_bpd_mistakes(x, shift, ls),
        )

    check_each(cases, one)


# ------------------------------------------------------------ discriminator_loss
def _d_loss(real: np.ndarray, fake: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, -real)) + np.mean(np.logaddexp(0.0, fake)))


@exercise("A stable discriminator loss")
def discriminator_loss(my_discriminator_loss: Callable[..., Any]) -> None:
    r"""Check ``my_discriminator_loss(real, fake)``: mean -log D(real) + mean -log(1 - D(fake)).

    ``real`` and ``fake`` are logits, :math:`D = \sigma(\cdot)`; the cases include logits
    of :math:`\pm 800`, for which a naive ``log(sigmoid(.))`` overflows or returns inf.

    The student's function returns a float.

    """
    __tracebackhide__ = True
    cases = [
        ([0.0], [0.0], "an undecided discriminator (D = 1/2)"),
        ([2.0, -1.0], [0.5, -3.0], "a typical batch"),
        ([3.0, 1.0, -2.0], [1.0, 0.0, -1.0], "batches of three"),
        ([800.0, -800.0], [-800.0, 800.0], "logits of +-800"),
    ]

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        real_l, fake_l, what = item
        real, fake = np.array(real_l), np.array(fake_l)
        got = call(my_discriminator_loss, real.copy(), fake.copy())
        check_finite(
            got,
            f"for {what} your loss",
            "compute -log(sigmoid(s)) as softplus(-s) = np.logaddexp(0, -s)",
        )
        value = check_scalar(got, what)
        want = _d_loss(real, fake)
        mistakes = [
            (
                _d_loss(fake, real),
                "real and fake are swapped: the real samples should get D close to 1",
            ),
            (-want, "the discriminator minimises the negative log-likelihood: check the sign"),
            (
                float(np.mean(np.logaddexp(0.0, -real))),
                "the term of the fake samples, -log(1 - D(fake)), is missing",
            ),
        ]
        check_value(
            value,
            want,
            f"for real={real_l}, fake={fake_l} ({what}) the loss",
            "loss = mean(softplus(-real)) + mean(softplus(fake)), softplus(s) = log(1 + e^s)",
            mistakes=mistakes,
        )

    check_each(cases, one)
