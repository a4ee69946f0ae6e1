"""lossviz.losses against independent references in scikit-learn and SciPy."""

import numpy as np
import pytest
from scipy import special, stats
from scipy.spatial import distance
from sklearn import metrics

from lossviz import losses


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def test_mse_and_l1_match_sklearn(rng):
    y, yhat = rng.normal(size=50), rng.normal(size=50)
    assert losses.mse(yhat, y) == pytest.approx(metrics.mean_squared_error(y, yhat), rel=1e-14)
    assert losses.l1(yhat, y) == pytest.approx(metrics.mean_absolute_error(y, yhat), rel=1e-14)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_pinball_matches_sklearn_mean_pinball_loss(rng, alpha):
    y, yhat = rng.normal(size=50), rng.normal(size=50)
    expected = metrics.mean_pinball_loss(y, yhat, alpha=alpha)
    assert losses.pinball(yhat, y, alpha=alpha) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("delta", [0.1, 1.0, 3.0])
def test_huber_and_smooth_l1_match_scipy_special_huber(rng, delta):
    x, y = rng.normal(scale=3, size=40), rng.normal(size=40)
    ref = special.huber(delta, x - y)
    np.testing.assert_allclose(losses.huber(x, y, delta=delta, reduction="none"), ref, rtol=1e-14)
    np.testing.assert_allclose(
        losses.smooth_l1(x, y, beta=delta, reduction="none"), ref / delta, rtol=1e-14
    )


def test_log_cosh_matches_log_of_cosh_where_cosh_is_finite(rng):
    d = rng.normal(scale=5, size=40)
    np.testing.assert_allclose(
        losses.log_cosh(d, np.zeros(40), reduction="none"),
        np.log(np.cosh(d)),
        rtol=1e-13,
        atol=1e-15,
    )


def test_poisson_nll_matches_scipy_poisson_logpmf_up_to_log_factorial(rng):
    lam = rng.uniform(0.1, 10, size=30)
    y = rng.poisson(lam).astype(float)
    ref = -stats.poisson.logpmf(y, lam) - special.gammaln(y + 1)
    np.testing.assert_allclose(
        losses.poisson_nll(np.log(lam), y, reduction="none"), ref, rtol=1e-12, atol=1e-12
    )


def test_poisson_nll_full_is_within_stirling_error_of_the_exact_nll(rng):
    y = np.arange(2.0, 40.0)
    lam = rng.uniform(0.5, 40, size=y.size)
    exact = -stats.poisson.logpmf(y, lam)
    full = losses.poisson_nll(np.log(lam), y, full=True, reduction="none")
    # Stirling: log y! = y log y - y + log(2 pi y)/2 + 1/(12 y) - ..., so the gap is < 1/(12 y)
    gap = exact - full
    assert np.all(gap > 0)
    assert np.all(gap < 1 / (12 * y))


def test_gaussian_nll_full_matches_scipy_norm_logpdf(rng):
    mu, y = rng.normal(size=30), rng.normal(size=30)
    var = rng.uniform(0.1, 3, size=30)
    ref = -stats.norm.logpdf(y, loc=mu, scale=np.sqrt(var))
    np.testing.assert_allclose(
        losses.gaussian_nll(mu, y, var, full=True, reduction="none"), ref, rtol=1e-13
    )


def test_kl_div_matches_scipy_rel_entr_and_entropy(rng):
    p = rng.dirichlet(np.ones(5), size=4)
    p[0, 1] = 0.0
    p[0] /= p[0].sum()
    q = rng.dirichlet(np.ones(5), size=4)
    np.testing.assert_allclose(
        losses.kl_div(np.log(q), p, reduction="none"),
        special.rel_entr(p, q),
        rtol=1e-13,
        atol=1e-16,
    )
    per_row = [stats.entropy(p[i], q[i]) for i in range(4)]
    assert losses.kl_div(np.log(q), p, reduction="batchmean") == pytest.approx(
        np.mean(per_row), rel=1e-13
    )


def test_bce_matches_sklearn_log_loss(rng):
    y = rng.integers(0, 2, size=60)
    p = rng.uniform(0.01, 0.99, size=60)
    assert losses.bce(p, y) == pytest.approx(metrics.log_loss(y, p), rel=1e-13)


def test_bce_with_logits_and_soft_margin_match_scipy_log_expit(rng):
    z = rng.normal(scale=20, size=60)
    y = rng.integers(0, 2, size=60).astype(float)
    ref = -(y * special.log_expit(z) + (1 - y) * special.log_expit(-z))
    np.testing.assert_allclose(
        losses.bce_with_logits(z, y, reduction="none"), ref, rtol=1e-13, atol=1e-300
    )
    s = 2 * y - 1
    np.testing.assert_allclose(
        losses.soft_margin(z, s, reduction="none"),
        -special.log_expit(s * z),
        rtol=1e-13,
        atol=1e-300,
    )


def test_cross_entropy_matches_sklearn_log_loss_on_softmax(rng):
    z = rng.normal(scale=2, size=(40, 4))
    t = rng.integers(0, 4, size=40)
    probs = special.softmax(z, axis=1)
    expected = metrics.log_loss(t, probs, labels=[0, 1, 2, 3])
    assert losses.cross_entropy(z, t) == pytest.approx(expected, rel=1e-12)
    assert losses.nll(special.log_softmax(z, axis=1), t) == pytest.approx(expected, rel=1e-12)


def test_hinge_matches_sklearn_hinge_loss_on_binary_labels(rng):
    y = rng.choice([-1, 1], size=50)
    z = rng.normal(scale=2, size=50)
    assert losses.hinge(z, y) == pytest.approx(metrics.hinge_loss(y, z), rel=1e-13)


def test_dice_on_binary_masks_is_one_minus_sklearn_f1(rng):
    y = rng.integers(0, 2, size=(8, 8))
    p = rng.integers(0, 2, size=(8, 8))
    f1 = metrics.f1_score(y.ravel(), p.ravel())
    assert losses.dice(p.astype(float), y.astype(float), eps=0.0) == pytest.approx(1 - f1)


def test_tversky_with_unit_weights_is_one_minus_sklearn_jaccard(rng):
    y = rng.integers(0, 2, size=(8, 8))
    p = rng.integers(0, 2, size=(8, 8))
    jac = metrics.jaccard_score(y.ravel(), p.ravel())
    value = losses.tversky(p.astype(float), y.astype(float), alpha=1.0, beta=1.0, eps=0.0)
    assert value == pytest.approx(1 - jac)


@pytest.mark.parametrize("order", [1.0, 2.0, 3.0])
def test_triplet_margin_matches_scipy_minkowski_distances(rng, order):
    a, p, n = (rng.normal(size=(6, 3)) for _ in range(3))
    eps = 1e-6
    ref = [
        max(
            distance.minkowski(a[i] + eps, p[i], order)
            - distance.minkowski(a[i] + eps, n[i], order)
            + 1.0,
            0.0,
        )
        for i in range(6)
    ]
    np.testing.assert_allclose(
        losses.triplet_margin(a, p, n, p=order, reduction="none"), ref, rtol=1e-12, atol=1e-14
    )


def test_cosine_embedding_for_similar_pairs_matches_scipy_cosine_distance(rng):
    x1, x2 = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    ref = [distance.cosine(x1[i], x2[i]) for i in range(6)]
    np.testing.assert_allclose(
        losses.cosine_embedding(x1, x2, np.ones(6), reduction="none"), ref, rtol=1e-9, atol=1e-12
    )


def test_stable_logistic_helpers_match_scipy_over_the_whole_range():
    from lossviz.losses._numerics import log_softmax, sigmoid_pair, softplus_pair

    z = np.concatenate([np.linspace(-1e4, 1e4, 2001), np.linspace(-40, 40, 801)])
    (sp_pos, sp_neg), (s_pos, s_neg) = softplus_pair(z), sigmoid_pair(z)
    # atol: at |z| ~ 710 ours keeps subnormal values that logaddexp/expit flush to 0
    np.testing.assert_allclose(sp_pos, np.logaddexp(0, z), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(sp_neg, np.logaddexp(0, -z), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(s_pos, special.expit(z), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(s_neg, special.expit(-z), rtol=1e-15, atol=1e-300)
    x = np.array([[1e4, -1e4, 0.0, 3.0], [1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_allclose(log_softmax(x, axis=1), special.log_softmax(x, axis=1), rtol=1e-15)
