"""Tests of lossviz.losses.representation: contrastive, info_nce, distillation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossviz import losses
from lossviz.losses import check_grad

SETTINGS = settings(max_examples=60, deadline=None)
REDUCTIONS = ("none", "sum", "mean")


def rng(seed=0):
    return np.random.default_rng(seed)


def matrices(n_max=5, d_max=4, lo=-3.0, hi=3.0):
    shapes = st.tuples(st.integers(1, n_max), st.integers(1, d_max))
    return shapes.flatmap(
        lambda s: hnp.arrays(np.float64, s, elements=st.floats(lo, hi, allow_nan=False))
    )


# --------------------------------------------------------------- contrastive
def test_contrastive_hand_computed_pairs():
    # distances 5 (similar), 0.5 and 3 (dissimilar), margin 2
    x1 = np.zeros((3, 2))
    x2 = np.array([[3.0, 4.0], [0.3, 0.4], [1.8, 2.4]])
    out = losses.contrastive(x1, x2, [1, -1, -1], margin=2.0, reduction="none")
    np.testing.assert_allclose(out, [12.5, 0.5 * 1.5**2, 0.0])
    assert losses.contrastive(x1, x2, [1, -1, -1], margin=2.0) == pytest.approx((12.5 + 1.125) / 3)


def test_contrastive_gradient_of_a_similar_pair_is_the_difference():
    g1, g2 = losses.contrastive.grad([[1.0, 2.0]], [[0.0, 0.0]], [1], reduction="sum")
    np.testing.assert_allclose(g1, [[1.0, 2.0]])
    np.testing.assert_allclose(g2, [[-1.0, -2.0]])


def test_contrastive_dissimilar_pair_at_zero_distance_gets_zero_gradient():
    g1, g2 = losses.contrastive.grad([[1.0, 1.0]], [[1.0, 1.0]], [-1])
    assert np.all(g1 == 0) and np.all(g2 == 0)
    assert losses.contrastive([[1.0, 1.0]], [[1.0, 1.0]], [-1], margin=3.0) == 4.5


@SETTINGS
@given(matrices(), st.floats(0.1, 3.0), st.sampled_from(REDUCTIONS))
def test_contrastive_is_symmetric_nonnegative_and_matches_finite_differences(x, m, red):
    r = rng(int(abs(x.sum()) * 1000) % 2**32)
    x2 = x + r.normal(size=x.shape)
    y = r.choice([-1.0, 1.0], size=x.shape[0])
    per = losses.contrastive(x, x2, y, margin=m, reduction="none")
    assert np.all(per >= 0)
    np.testing.assert_allclose(per, losses.contrastive(x2, x, y, margin=m, reduction="none"))
    d = np.linalg.norm(x - x2, axis=1)
    if np.all(np.abs(d - m) > 1e-3) and np.all(d > 1e-3):
        assert check_grad(losses.contrastive, x, x2, y, margin=m, reduction=red) < 1e-5


def test_contrastive_value_and_grad_is_value_then_grad():
    r = rng(1)
    a, b, y = r.normal(size=(4, 3)), r.normal(size=(4, 3)), np.array([1, -1, -1, 1])
    v, (g1, g2) = losses.contrastive.value_and_grad(a, b, y, margin=2.0)
    assert v == losses.contrastive(a, b, y, margin=2.0)
    for got, want in zip((g1, g2), losses.contrastive.grad(a, b, y, margin=2.0), strict=True):
        np.testing.assert_array_equal(got, want)


def test_contrastive_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"target must hold labels -1 or \+1"):
        losses.contrastive([[0.0]], [[1.0]], [0])
    with pytest.raises(ValueError, match=r"target must have shape \(2,\)"):
        losses.contrastive([[0.0], [1.0]], [[1.0], [2.0]], [1])
    with pytest.raises(
        ValueError, match=r"^margin must be a finite real number in \(0, inf\), got 0.0$"
    ):
        losses.contrastive([[0.0]], [[1.0]], [1], margin=0.0)
    with pytest.raises(ValueError, match="input2 must have the same shape as input1"):
        losses.contrastive([[0.0, 1.0]], [[1.0]], [1])


# ------------------------------------------------------------------ info_nce
def test_info_nce_of_identical_embeddings_is_log_n():
    for n in (1, 2, 7):
        assert losses.info_nce(np.ones((n, 3)), np.ones((n, 3))) == pytest.approx(math.log(n))


def test_info_nce_hand_computed_two_by_two():
    # unit vectors, cosine matrix [[1, 0], [0, 1]], tau = 1: each row log(1 + e^-1)
    q = np.eye(2)
    assert losses.info_nce(q, q, temperature=1.0) == pytest.approx(math.log1p(math.exp(-1)))
    # extra negative key equal to the positive of row 0: row 0 sees {1, 0, 1}
    k = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    per = losses.info_nce(q, k, temperature=1.0, reduction="none")
    np.testing.assert_allclose(
        per, [math.log(2 * math.e + 1) - 1, math.log(math.e + 2) - 1], rtol=1e-12
    )


def test_info_nce_normalized_ignores_the_length_of_embeddings():
    r = rng(2)
    q, k = r.normal(size=(5, 3)), r.normal(size=(5, 3))
    scale = r.uniform(0.5, 4.0, size=(5, 1))
    assert losses.info_nce(q * scale, k) == pytest.approx(losses.info_nce(q, k), rel=1e-12)


@SETTINGS
@given(
    matrices(lo=-2, hi=2),
    st.floats(0.05, 2.0),
    st.booleans(),
    st.booleans(),
    st.sampled_from(REDUCTIONS),
)
def test_info_nce_laws_and_finite_differences(q, tau, symmetric, normalize, red):
    r = rng(int(abs(q.sum()) * 1000) % 2**32)
    q = q + 0.3 * r.normal(size=q.shape)  # rows away from zero length, almost surely
    k = q + 0.5 * r.normal(size=q.shape)
    kw = {"temperature": tau, "symmetric": symmetric, "normalize": normalize}
    per = losses.info_nce(q, k, **kw, reduction="none")
    assert per.shape == (q.shape[0],) and np.all(per >= 0)
    # rows permuted together: the same losses, permuted
    perm = r.permutation(q.shape[0])
    np.testing.assert_allclose(
        losses.info_nce(q[perm], k[perm], **kw, reduction="none"), per[perm], rtol=1e-9, atol=1e-12
    )
    if symmetric:  # swapping the roles of queries and keys changes nothing
        np.testing.assert_allclose(
            losses.info_nce(k, q, **kw, reduction="none"), per, rtol=1e-9, atol=1e-12
        )
    if np.min(np.linalg.norm(q, axis=1)) > 0.1 and np.min(np.linalg.norm(k, axis=1)) > 0.1:
        scale = 1 + max(np.abs(g).max() for g in losses.info_nce.grad(q, k, **kw, reduction=red))
        assert check_grad(losses.info_nce, q, k, **kw, reduction=red) < 1e-5 * scale


def test_info_nce_symmetric_is_the_mean_of_both_directions():
    r = rng(3)
    q, k = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    both = losses.info_nce(q, k, symmetric=True, reduction="none")
    np.testing.assert_allclose(
        both,
        0.5 * (losses.info_nce(q, k, reduction="none") + losses.info_nce(k, q, reduction="none")),
    )


def test_info_nce_is_stable_for_tiny_temperatures():
    r = rng(4)
    q = r.normal(size=(6, 5))
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        v, (gq, gk) = losses.info_nce.value_and_grad(q, q + 0.1, temperature=1e-4)
    assert np.isfinite(v) and np.all(np.isfinite(gq)) and np.all(np.isfinite(gk))


def test_info_nce_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"query must have shape \(N, D\)"):
        losses.info_nce([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"key must have shape \(M, 2\) with M >= N = 2"):
        losses.info_nce(np.ones((2, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="symmetric=True needs as many keys as queries"):
        losses.info_nce(np.ones((2, 2)), np.ones((3, 2)), symmetric=True)
    with pytest.raises(
        ValueError, match=r"^temperature must be a finite real number in \(0, inf\), got 0.0$"
    ):
        losses.info_nce(np.ones((2, 2)), np.ones((2, 2)), temperature=0.0)
    with pytest.raises(TypeError, match=r"^symmetric must be True or False, got 1 \(int\)$"):
        losses.info_nce(np.ones((2, 2)), np.ones((2, 2)), symmetric=1)


# -------------------------------------------------------------- distillation
def test_distillation_hand_computed():
    # teacher softmax([1, 0]) at tau 2, student uniform: 4 * KL
    p = np.array([math.e, 1.0]) / (math.e + 1)
    want = 4 * float(np.sum(p * np.log(2 * p)))
    assert losses.distillation([[0.0, 0.0]], [[2.0, 0.0]], temperature=2.0) == pytest.approx(want)
    g = losses.distillation.grad([[0.0, 0.0]], [[2.0, 0.0]], temperature=2.0)
    np.testing.assert_allclose(g, 2.0 * (0.5 - p[None]))


def test_distillation_is_zero_when_student_equals_teacher_up_to_a_shift():
    z = rng(5).normal(size=(3, 4))
    assert losses.distillation(z + 7.0, z, temperature=3.0) == pytest.approx(0.0, abs=1e-12)


def test_distillation_gradient_size_is_comparable_across_temperatures_thanks_to_tau_squared():
    r = rng(6)
    z, v = r.normal(size=(50, 10)), r.normal(size=(50, 10))
    z -= z.mean(1, keepdims=True)
    v -= v.mean(1, keepdims=True)
    limit = (z - v) / 10 / 50  # the high-temperature limit of the mean gradient
    for tau in (20.0, 100.0):
        g = losses.distillation.grad(z, v, temperature=tau)
        np.testing.assert_allclose(g, limit, atol=0.2 / tau * np.abs(limit).max() * 10)
    # without the tau^2 factor the gradient would shrink like 1 / tau^2
    assert (
        np.abs(losses.distillation.grad(z, v, temperature=100.0)).max() > 0.5 * np.abs(limit).max()
    )


@SETTINGS
@given(matrices(d_max=5), st.floats(0.3, 5.0), st.sampled_from(REDUCTIONS))
def test_distillation_laws_and_finite_differences(z, tau, red):
    v = z[::-1].copy() + 1.0
    per = losses.distillation(z, v, temperature=tau, reduction="none")
    assert per.shape == (z.shape[0],) and np.all(per >= -1e-12)
    shifted = losses.distillation(z + 2.5, v - 1.0, temperature=tau, reduction="none")
    np.testing.assert_allclose(shifted, per, rtol=1e-9, atol=1e-12)
    assert check_grad(losses.distillation, z, v, temperature=tau, reduction=red) < 1e-5


def test_distillation_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"input must have shape \(N, C\)"):
        losses.distillation([0.0, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="target must have the same shape as input"):
        losses.distillation([[0.0, 1.0]], [[0.0, 1.0, 2.0]])
    with pytest.raises(
        ValueError, match=r"^temperature must be a finite real number in \(0, inf\), got -1.0$"
    ):
        losses.distillation([[0.0, 1.0]], [[0.0, 1.0]], temperature=-1.0)


# --------------------------------------------------------------------- torch
torch_required = pytest.mark.skipif(
    __import__("importlib").util.find_spec("torch") is None, reason="torch not installed"
)


@torch_required
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_contrastive_matches_its_torch_formula(reduction):
    torch = pytest.importorskip("torch")
    r = rng(7)
    a, b = r.normal(size=(8, 3)), r.normal(size=(8, 3))
    b[0] = a[0]  # a dissimilar pair at distance 0
    y = np.array([-1, 1, -1, 1, -1, -1, 1, -1])
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    ty = torch.tensor(y)
    d = torch.linalg.vector_norm(ta - tb, dim=-1)
    per = torch.where(ty == 1, 0.5 * d**2, 0.5 * torch.relu(1.5 - d) ** 2)
    out = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
    out.sum().backward()
    np.testing.assert_allclose(
        losses.contrastive(a, b, y, margin=1.5, reduction=reduction),
        out.detach().numpy(),
        rtol=1e-12,
    )
    g1, g2 = losses.contrastive.grad(a, b, y, margin=1.5, reduction=reduction)
    np.testing.assert_allclose(g1, ta.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g2, tb.grad.numpy(), rtol=1e-10, atol=1e-14)


@torch_required
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("symmetric", "m"), [(False, 6), (False, 9), (True, 6)])
@pytest.mark.parametrize("normalize", [True, False])
def test_info_nce_matches_torch_cross_entropy_on_scaled_similarities(
    reduction, symmetric, m, normalize
):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    r = rng(8)
    q, k = r.normal(size=(6, 4)), r.normal(size=(m, 4))
    tq = torch.tensor(q, requires_grad=True)
    tk = torch.tensor(k, requires_grad=True)
    a, b = (F.normalize(tq, dim=1), F.normalize(tk, dim=1)) if normalize else (tq, tk)
    logits = a @ b.T / 0.07
    labels = torch.arange(6)
    out = F.cross_entropy(logits, labels, reduction=reduction)
    if symmetric:
        out = 0.5 * (out + F.cross_entropy(logits.T, labels, reduction=reduction))
    out.sum().backward()
    kw = {"temperature": 0.07, "symmetric": symmetric, "normalize": normalize}
    value, (gq, gk) = losses.info_nce.value_and_grad(q, k, **kw, reduction=reduction)
    np.testing.assert_allclose(value, out.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(gq, tq.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gk, tk.grad.numpy(), rtol=1e-9, atol=1e-12)


@torch_required
@pytest.mark.parametrize("tau", [0.5, 1.0, 4.0, 20.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_distillation_matches_torch_kl_div_batchmean_times_tau_squared(tau, reduction):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    r = rng(9)
    z, v = r.normal(size=(5, 7)), 3 * r.normal(size=(5, 7))
    tz = torch.tensor(z, requires_grad=True)
    tv = torch.tensor(v)
    torch_red = {"mean": "batchmean", "sum": "sum", "none": "none"}[reduction]
    out = (
        F.kl_div(F.log_softmax(tz / tau, dim=1), F.softmax(tv / tau, dim=1), reduction=torch_red)
        * tau**2
    )
    if reduction == "none":
        out = out.sum(dim=1)  # kl_div's "none" is per element; ours per example
    out.sum().backward()
    value, g = losses.distillation.value_and_grad(z, v, temperature=tau, reduction=reduction)
    np.testing.assert_allclose(value, out.detach().numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g, tz.grad.numpy(), rtol=1e-9, atol=1e-14)
