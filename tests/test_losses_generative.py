"""Generative-model objectives: Gaussian KL, negative ELBO and the four GAN losses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lossviz import losses as L
from lossviz.losses import check_grad

GAN = (L.gan_minimax, L.gan_non_saturating, L.wasserstein_critic, L.gan_hinge)
SIDES = ("discriminator", "generator")
finite = st.floats(-8.0, 8.0, allow_nan=False)


def rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------ hand values
def test_gaussian_kl_of_the_prior_itself_is_zero():
    assert L.gaussian_kl([0.0, 0.0], [0.0, 0.0]) == 0.0


def test_gaussian_kl_hand_value_with_variance_and_mean():
    # 0.5 * (e + 4 - 1 - 1) for mu = 2, logvar = 1
    assert math.isclose(L.gaussian_kl([2.0], [1.0], reduction="sum"), 0.5 * (math.e + 2.0))


def test_gaussian_kl_two_gaussians_hand_value():
    # KL(N(1, 1) || N(0, 4)) = log 2 + (1 + 1) / 8 - 1/2
    got = L.gaussian_kl([1.0], [0.0], prior_mu=0.0, prior_logvar=math.log(4.0))
    assert math.isclose(got, math.log(2.0) + 2.0 / 8.0 - 0.5)


def test_gaussian_kl_reductions():
    mu, lv = rng().normal(size=(4, 3)), rng(1).normal(size=(4, 3))
    per = L.gaussian_kl(mu, lv, reduction="none")
    assert per.shape == (4, 3)
    assert math.isclose(L.gaussian_kl(mu, lv, reduction="sum"), per.sum())
    assert math.isclose(L.gaussian_kl(mu, lv, reduction="batchmean"), per.sum() / 4)
    assert math.isclose(L.gaussian_kl(mu, lv, reduction="mean"), per.mean())


def test_neg_elbo_bernoulli_hand_value():
    # logits 0: BCE log 2 per pixel, 2 pixels; KL 0 at the prior
    assert math.isclose(L.neg_elbo([[0.0, 0.0]], [[1.0, 0.0]], [[0.0]], [[0.0]]), 2 * math.log(2))


def test_neg_elbo_gaussian_hand_value_and_beta():
    got = L.neg_elbo(
        [[1.0]], [[3.0]], [[1.0]], [[0.0]], likelihood="gaussian", beta=2.0, recon_var=2.0
    )
    want = 0.5 * (4.0 / 2.0 + math.log(2 * math.pi * 2.0)) + 2.0 * 0.5
    assert math.isclose(got, want)


def test_gan_losses_at_an_undecided_discriminator():
    z = [0.0]
    assert math.isclose(L.gan_minimax(z, z), 2 * math.log(2))
    assert math.isclose(L.gan_minimax(z, z, side="generator"), -math.log(2))
    assert math.isclose(L.gan_non_saturating(z, z, side="generator"), math.log(2))
    assert L.wasserstein_critic(z, z) == 0.0
    assert L.gan_hinge(z, z) == 2.0


def test_hinge_stops_pushing_beyond_the_margin():
    assert L.gan_hinge([1.5, 3.0], [-1.0, -2.0]) == 0.0
    g_real, g_fake = L.gan_hinge.grad([1.5, 3.0], [-1.0, -2.0])
    assert not g_real.any() and not g_fake.any()


def test_minimax_generator_saturates_and_non_saturating_does_not():
    fake = np.array([-12.0])  # D(G(z)) = 6e-6: the discriminator rejects the sample
    g_mm = L.gan_minimax.grad([0.0], fake, side="generator")[1][0]
    g_ns = L.gan_non_saturating.grad([0.0], fake, side="generator")[1][0]
    assert abs(g_mm) < 1e-5 < 0.99 < abs(g_ns)


def test_generator_side_ignores_real_scores():
    for loss in GAN:
        a = loss([5.0, -3.0], [0.3, 0.1], side="generator")
        b = loss([-1.0, 2.0], [0.3, 0.1], side="generator")
        assert a == b
        assert not loss.grad([5.0, -3.0], [0.3, 0.1], side="generator")[0].any()


# -------------------------------------------------------------- hypothesis laws
@settings(max_examples=60, deadline=None)
@given(arrays(float, 5, elements=finite), arrays(float, 5, elements=finite))
def test_gaussian_kl_is_non_negative(mu, lv):
    assert L.gaussian_kl(mu, lv, reduction="none").min() >= 0.0


@settings(max_examples=60, deadline=None)
@given(
    arrays(float, 4, elements=finite),
    arrays(float, 4, elements=finite),
    arrays(float, 4, elements=finite),
    arrays(float, 4, elements=st.floats(-3.0, 3.0)),
)
def test_gaussian_kl_with_the_same_distribution_is_zero_else_positive(mu, lv, m2, lv2):
    same = L.gaussian_kl(mu, lv, prior_mu=mu, prior_logvar=lv, reduction="sum")
    assert math.isclose(same, 0.0, abs_tol=1e-12)
    assert L.gaussian_kl(mu, lv, prior_mu=m2, prior_logvar=lv2, reduction="none").min() >= 0.0


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(GAN), st.sampled_from(SIDES), arrays(float, 6, elements=finite))
def test_gan_sum_is_mean_times_n(loss, side, x):
    real, fake = x[:3], x[3:]
    assert math.isclose(
        loss(real, fake, side=side, reduction="sum"),
        3 * loss(real, fake, side=side),
        rel_tol=1e-12,
        abs_tol=1e-12,
    )


@settings(max_examples=40, deadline=None)
@given(arrays(float, 6, elements=finite))
def test_minimax_discriminator_loss_is_at_least_zero_and_wgan_is_antisymmetric(x):
    real, fake = x[:3], x[3:]
    assert L.gan_minimax(real, fake) >= 0.0
    assert L.gan_hinge(real, fake) >= 0.0
    assert math.isclose(
        L.wasserstein_critic(real, fake), -L.wasserstein_critic(fake, real), abs_tol=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 5.0), arrays(float, (2, 3), elements=finite))
def test_neg_elbo_is_linear_in_beta(beta, mu):
    x = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    z = np.zeros((2, 3))
    lv = 0.1 * mu
    rec = L.neg_elbo(z, x, mu, lv, beta=0.0)
    kl = L.gaussian_kl(mu, lv, reduction="batchmean")
    assert math.isclose(L.neg_elbo(z, x, mu, lv, beta=beta), rec + beta * kl, rel_tol=1e-12)


# ------------------------------------------------------------ gradients (FD)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
def test_gaussian_kl_gradient_matches_finite_differences(reduction):
    mu, lv = rng().normal(size=(3, 2)), rng(1).normal(size=(3, 2))
    assert check_grad(L.gaussian_kl, mu, lv, reduction=reduction) < 1e-7
    assert (
        check_grad(
            L.gaussian_kl, mu, lv, prior_mu=0.5, prior_logvar=[0.3, -0.2], reduction=reduction
        )
        < 1e-7
    )


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_neg_elbo_gradient_matches_finite_differences(likelihood, reduction):
    r = rng(2)
    z, x = r.normal(size=(3, 4)), r.uniform(size=(3, 4))
    mu, lv = r.normal(size=(3, 2)), r.normal(size=(3, 2))
    kw = dict(likelihood=likelihood, beta=0.7, recon_var=0.5, reduction=reduction)
    assert check_grad(L.neg_elbo, z, x, mu, lv, **kw) < 1e-7


@pytest.mark.parametrize("loss", GAN, ids=lambda s: s.name)
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_gan_gradient_matches_finite_differences(loss, side, reduction):
    real, fake = rng(3).normal(size=5), rng(4).normal(size=5)  # away from hinge kinks
    assert check_grad(loss, real, fake, side=side, reduction=reduction) < 1e-7


@pytest.mark.parametrize("loss", (L.gaussian_kl, L.neg_elbo, *GAN), ids=lambda s: s.name)
def test_value_and_grad_agree_with_separate_calls(loss):
    r = rng(5)
    if loss is L.gaussian_kl:
        args = (r.normal(size=3), r.normal(size=3))
    elif loss is L.neg_elbo:
        args = (
            r.normal(size=(2, 3)),
            r.uniform(size=(2, 3)),
            r.normal(size=(2, 2)),
            r.normal(size=(2, 2)),
        )
    else:
        args = (r.normal(size=4), r.normal(size=4))
    value, grads = loss.value_and_grad(*args)
    assert value == loss(*args)
    for a, b in zip(grads, loss.grad(*args), strict=True):
        np.testing.assert_array_equal(a, b)


def test_extreme_logits_stay_finite():
    big = np.array([-800.0, 800.0])
    for loss in (L.gan_minimax, L.gan_non_saturating):
        for side in SIDES:
            assert np.isfinite(loss(big, big[::-1], side=side))
            assert all(np.isfinite(g).all() for g in loss.grad(big, big[::-1], side=side))
    assert np.isfinite(L.neg_elbo(big[None], [[1.0, 0.0]], [[0.0]], [[0.0]]))


# ------------------------------------------------------------------- errors
def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="logvar must have the same shape as mu"):
        L.gaussian_kl([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="prior_mu"):
        L.gaussian_kl([0.0, 1.0], [0.0, 0.0], prior_mu=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="reduction"):
        L.gaussian_kl([0.0], [0.0], reduction="batch")
    with pytest.raises(TypeError, match="mu must hold real numbers"):
        L.gaussian_kl(["a"], [0.0])
    with pytest.raises(
        ValueError, match=r"^side must be one of 'discriminator', 'generator', got 'critic'$"
    ):
        L.gan_hinge([0.0], [0.0], side="critic")
    with pytest.raises(ValueError, match="fake must have the same shape as real"):
        L.gan_minimax([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="real must be finite"):
        L.wasserstein_critic([np.nan], [0.0])
    with pytest.raises(
        ValueError, match=r"^likelihood must be one of 'bernoulli', 'gaussian', got 'poisson'$"
    ):
        L.neg_elbo([[0.0]], [[0.0]], [[0.0]], [[0.0]], likelihood="poisson")
    with pytest.raises(
        ValueError, match=r"^beta must be a finite real number in \[0, inf\), got -1.0$"
    ):
        L.neg_elbo([[0.0]], [[0.0]], [[0.0]], [[0.0]], beta=-1.0)
    with pytest.raises(ValueError, match="target must hold probabilities"):
        L.neg_elbo([[0.0]], [[2.0]], [[0.0]], [[0.0]])
    with pytest.raises(ValueError, match="same number of samples"):
        L.neg_elbo([[0.0]], [[0.0]], [[0.0], [1.0]], [[0.0], [1.0]])
    with pytest.raises(ValueError, match=r"shapes \(N, D\) and \(N, K\)"):
        L.neg_elbo([0.0], [0.0], [0.0], [0.0])


def test_registry_entries():
    for loss in (L.gaussian_kl, L.neg_elbo, *GAN):
        assert L.REGISTRY[loss.name] is loss
        assert loss.task == "generative modelling"


# ---------------------------------------------------------------- PyTorch
torch = pytest.importorskip("torch")
F = torch.nn.functional


def t(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=float), dtype=torch.float64, requires_grad=grad)


@pytest.mark.parametrize("with_prior", [False, True])
def test_gaussian_kl_matches_torch_distributions(with_prior):
    from torch.distributions import Normal, kl_divergence

    r = rng(6)
    mu, lv = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    m2, lv2 = (r.normal(size=3), r.normal(size=3)) if with_prior else (0.0, 0.0)
    tm, tl = t(mu), t(lv)
    kl = (
        kl_divergence(
            Normal(tm, torch.exp(0.5 * tl)),
            Normal(
                torch.as_tensor(m2, dtype=torch.float64),
                torch.exp(0.5 * torch.as_tensor(lv2, dtype=torch.float64)),
            ),
        ).sum()
        / 4
    )
    kl.backward()
    ours = L.gaussian_kl(mu, lv, prior_mu=m2, prior_logvar=lv2, reduction="batchmean")
    g_mu, g_lv = L.gaussian_kl.grad(mu, lv, prior_mu=m2, prior_logvar=lv2, reduction="batchmean")
    np.testing.assert_allclose(ours, kl.item(), rtol=1e-12)
    np.testing.assert_allclose(g_mu, tm.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_lv, tl.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gaussian_kl_matches_the_usual_vae_expression_and_f_kl_div_does_not_apply():
    r = rng(7)
    mu, lv = r.normal(size=(5, 2)), r.normal(size=(5, 2))
    tm, tl = t(mu), t(lv)
    vae = -0.5 * torch.sum(1 + tl - tm.pow(2) - tl.exp())  # the Kingma-Welling expression
    np.testing.assert_allclose(L.gaussian_kl(mu, lv, reduction="sum"), vae.item(), rtol=1e-12)
    vae.backward()
    g_mu, g_lv = L.gaussian_kl.grad(mu, lv, reduction="sum")
    np.testing.assert_allclose(g_mu, tm.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g_lv, tl.grad.numpy(), rtol=1e-10, atol=1e-14)
    # F.kl_div compares two discrete distributions given as log-probabilities; between
    # discretised Gaussians on a fine grid it approaches the closed form.
    grid = torch.linspace(-12, 12, 24001, dtype=torch.float64)
    logq = torch.distributions.Normal(0.7, 0.5).log_prob(grid)
    logp = torch.distributions.Normal(0.0, 1.0).log_prob(grid)
    w = grid[1] - grid[0]
    kl = F.kl_div(logp + torch.log(w), logq + torch.log(w), reduction="sum", log_target=True)
    want = L.gaussian_kl([0.7], [2 * math.log(0.5)], reduction="sum")
    np.testing.assert_allclose(kl.item(), want, rtol=1e-6)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_neg_elbo_matches_a_torch_composition(likelihood, reduction):
    r = rng(8)
    z, x = r.normal(size=(3, 4)), (r.uniform(size=(3, 4)) > 0.5).astype(float)
    mu, lv = r.normal(size=(3, 2)), r.normal(size=(3, 2))
    tz, tm, tl = t(z), t(mu), t(lv)
    tx = t(x, grad=False)
    if likelihood == "bernoulli":
        rec = F.binary_cross_entropy_with_logits(tz, tx, reduction="none").sum(1)
    else:
        var = torch.full_like(tz, 0.5)
        rec = F.gaussian_nll_loss(tz, tx, var, full=True, reduction="none").sum(1)
    kl = -0.5 * torch.sum(1 + tl - tm.pow(2) - tl.exp(), dim=1)
    per = rec + 0.3 * kl
    out = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
    out.sum().backward()
    kw = dict(likelihood=likelihood, beta=0.3, recon_var=0.5, reduction=reduction)
    np.testing.assert_allclose(L.neg_elbo(z, x, mu, lv, **kw), out.detach().numpy(), rtol=1e-12)
    for ours, ref in zip(L.neg_elbo.grad(z, x, mu, lv, **kw), (tz, tm, tl), strict=True):
        np.testing.assert_allclose(ours, ref.grad.numpy(), rtol=1e-10, atol=1e-12)


def _torch_gan(name, side, real, fake):
    bce = F.binary_cross_entropy_with_logits
    ones, zeros = torch.ones_like(real), torch.zeros_like(fake)
    if name in ("gan_minimax", "gan_non_saturating") and side == "discriminator":
        return bce(real, ones, reduction="none") + bce(fake, zeros, reduction="none")
    if name == "gan_minimax":
        return -F.softplus(fake) + 0 * real  # log(1 - sigmoid(fake))
    if name == "gan_non_saturating":
        return bce(fake, torch.ones_like(fake), reduction="none") + 0 * real
    if name == "wasserstein_critic":
        return fake - real if side == "discriminator" else -fake + 0 * real
    if side == "discriminator":
        return F.relu(1 - real) + F.relu(1 + fake)
    return -fake + 0 * real


@pytest.mark.parametrize("loss", GAN, ids=lambda s: s.name)
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_gan_losses_match_torch_compositions(loss, side, reduction):
    r = rng(9)
    real, fake = 3 * r.normal(size=6), 3 * r.normal(size=6)
    real[0], fake[0] = 1.0, -1.0  # hinge kinks: both sides return the subgradient 0
    tr, tf = t(real), t(fake)
    per = _torch_gan(loss.name, side, tr, tf)
    out = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
    out.sum().backward()
    np.testing.assert_allclose(
        loss(real, fake, side=side, reduction=reduction),
        out.detach().numpy(),
        rtol=1e-12,
        atol=1e-14,
    )
    g_real, g_fake = loss.grad(real, fake, side=side, reduction=reduction)
    np.testing.assert_allclose(g_real, tr.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g_fake, tf.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "loss",
    [L.gan_minimax, L.gan_non_saturating, L.wasserstein_critic, L.gan_hinge],
)
@pytest.mark.parametrize("side", ["discriminator", "generator"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_gan_scalar_scores_are_one_pair(loss, side, reduction):
    # 0-d arrays once crashed inside the in-place arithmetic (NumPy scalars have no out=)
    value, grads = loss.value_and_grad(0.7, -1.4, side=side, reduction=reduction)
    one, one_grads = loss.value_and_grad([0.7], [-1.4], side=side, reduction=reduction)
    assert np.shape(value) == ()
    assert np.array_equal(np.ravel(value), np.ravel(one))
    for g, g1 in zip(grads, one_grads, strict=True):
        assert g.shape == ()
        assert np.array_equal(g.ravel(), g1)
