"""Tests of lossviz.losses.preference: bpr, listnet, bradley_terry, dpo."""

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
LOG2 = math.log(2.0)


def rng(seed=0):
    return np.random.default_rng(seed)


def arrays(shape_min_dims=1, lo=-6.0, hi=6.0):
    shapes = hnp.array_shapes(min_dims=shape_min_dims, max_dims=2, min_side=1, max_side=5)
    return shapes.flatmap(
        lambda s: hnp.arrays(np.float64, s, elements=st.floats(lo, hi, allow_nan=False))
    )


# ----------------------------------------------------------------------- bpr
def test_bpr_hand_computed():
    out = losses.bpr([2.0, 0.0, -1.0], [0.0, 0.0, 1.0], reduction="none")
    np.testing.assert_allclose(out, [math.log1p(math.exp(-2)), LOG2, math.log1p(math.exp(2))])
    gp, gn = losses.bpr.grad([0.0], [0.0], reduction="sum")
    assert gp[0] == -0.5 and gn[0] == 0.5


def test_bpr_is_stable_for_huge_score_gaps():
    out = losses.bpr([1e4, -1e4], [-1e4, 1e4], reduction="none")
    np.testing.assert_array_equal(out, [0.0, 2e4])
    gp, gn = losses.bpr.grad([1e4, -1e4], [-1e4, 1e4], reduction="none")
    np.testing.assert_array_equal(gp, [-0.0, -1.0])


@SETTINGS
@given(arrays(), st.sampled_from(REDUCTIONS))
def test_bpr_laws_and_finite_differences(x, red):
    y = x[::-1].copy() if x.ndim == 1 else x[:, ::-1].copy()
    per = losses.bpr(x, y, reduction="none")
    assert np.all(per >= 0)
    # log(1 + e^-d) - log(1 + e^d) = -d: swapping the roles shifts by the gap
    np.testing.assert_allclose(per - losses.bpr(y, x, reduction="none"), -(x - y), atol=1e-9)
    np.testing.assert_allclose(losses.bpr(x + 3.0, y + 3.0, reduction="none"), per, atol=1e-12)
    assert check_grad(losses.bpr, x, y, reduction=red) < 1e-6


# ------------------------------------------------------------------- listnet
def test_listnet_hand_computed():
    assert losses.listnet([[0.0, 0.0]], [[1.0, 1.0]]) == pytest.approx(LOG2)
    p = np.exp([2.0, 0.0, 1.0]) / np.exp([2.0, 0.0, 1.0]).sum()
    assert losses.listnet([[2.0, 0.0, 1.0]], [[2.0, 0.0, 1.0]]) == pytest.approx(
        -np.sum(p * np.log(p))
    )
    g = losses.listnet.grad([[0.0, 0.0, 0.0]], [[2.0, 0.0, 1.0]], reduction="sum")
    np.testing.assert_allclose(g, [1 / 3 - p])


@SETTINGS
@given(arrays(shape_min_dims=2), st.sampled_from(REDUCTIONS))
def test_listnet_laws_and_finite_differences(s, red):
    y = s[:, ::-1].copy()
    per = losses.listnet(s, y, reduction="none")
    # its minimum over the scores is the entropy of the target, reached at s = y + c
    entropy = losses.listnet(y + 1.5, y, reduction="none")
    assert np.all(per >= entropy - 1e-9)
    np.testing.assert_allclose(
        losses.listnet(s - 4.0, y + 2.0, reduction="none"), per, rtol=1e-9, atol=1e-12
    )
    # gradients of a list sum to zero (softmax minus softmax)
    np.testing.assert_allclose(
        losses.listnet.grad(s, y, reduction="none").sum(axis=1), 0, atol=1e-12
    )
    assert check_grad(losses.listnet, s, y, reduction=red) < 1e-6


def test_listnet_is_distillation_at_temperature_one_plus_the_target_entropy():
    r = rng(1)
    s, y = r.normal(size=(4, 6)), r.normal(size=(4, 6))
    per = losses.listnet(s, y, reduction="none")
    np.testing.assert_allclose(
        per - losses.distillation(s, y, reduction="none"),
        losses.listnet(y, y, reduction="none"),
        rtol=1e-12,
    )


# ------------------------------------------------------------- bradley_terry
def test_bradley_terry_accepts_one_margin_per_pair():
    out = losses.bradley_terry([3.0, 3.0], [1.0, 1.0], margin=[0.0, 2.0], reduction="none")
    np.testing.assert_allclose(out, [math.log1p(math.exp(-2)), LOG2])
    gw, gl = losses.bradley_terry.grad([3.0, 3.0], [1.0, 1.0], margin=[0.0, 2.0], reduction="sum")
    np.testing.assert_allclose(gw, [-1 / (1 + math.exp(2)), -0.5])
    np.testing.assert_allclose(gl, -gw)
    with pytest.raises(ValueError, match="margin must have the same shape as chosen"):
        losses.bradley_terry([3.0, 3.0], [1.0, 1.0], margin=[0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="margin must be finite"):
        losses.bradley_terry([3.0, 3.0], [1.0, 1.0], margin=[0.0, np.nan])


def test_bradley_terry_hand_computed_and_equal_to_bpr_without_margin():
    assert losses.bradley_terry([1.0], [1.0]) == pytest.approx(LOG2)
    assert losses.bradley_terry([3.0], [1.0], margin=1.0) == pytest.approx(math.log1p(math.exp(-1)))
    r = rng(2)
    a, b = r.normal(size=7), r.normal(size=7)
    assert losses.bradley_terry(a, b) == losses.bpr(a, b)


@SETTINGS
@given(arrays(), st.floats(-2.0, 2.0), st.sampled_from(REDUCTIONS))
def test_bradley_terry_laws_and_finite_differences(r_w, m, red):
    r_l = np.roll(r_w, 1)
    per = losses.bradley_terry(r_w, r_l, margin=m, reduction="none")
    assert np.all(per >= 0)
    # a margin is the same as lowering every chosen reward by it
    np.testing.assert_allclose(
        per, losses.bradley_terry(r_w - m, r_l, reduction="none"), rtol=1e-12, atol=1e-12
    )
    # the model is a probability: P(w > l) + P(l > w) = 1
    np.testing.assert_allclose(
        np.exp(-losses.bradley_terry(r_w, r_l, reduction="none"))
        + np.exp(-losses.bradley_terry(r_l, r_w, reduction="none")),
        1.0,
        rtol=1e-12,
    )
    assert check_grad(losses.bradley_terry, r_w, r_l, margin=m, reduction=red) < 1e-6


# ----------------------------------------------------------------------- dpo
def test_dpo_hand_computed():
    # implicit reward gap 0.5 * ((-10 + 11) - (-12 + 11)) = 1
    assert losses.dpo([-10.0], [-12.0], [-11.0], [-11.0], beta=0.5) == pytest.approx(
        math.log1p(math.exp(-1))
    )
    gw, gl = losses.dpo.grad([-10.0], [-12.0], [-11.0], [-11.0], beta=0.5)
    s = 1 / (1 + math.e)  # sigma(-1)
    np.testing.assert_allclose([gw[0], gl[0]], [-0.5 * s, 0.5 * s])


def test_dpo_at_the_reference_is_log2_whatever_beta():
    lp = rng(3).normal(size=(5,)) - 20
    lq = rng(4).normal(size=(5,)) - 20
    for beta in (0.01, 0.1, 1.0, 10.0):
        assert losses.dpo(lp, lq, lp, lq, beta=beta) == pytest.approx(LOG2)
        gw, gl = losses.dpo.grad(lp, lq, lp, lq, beta=beta, reduction="sum")
        np.testing.assert_allclose(gw, -beta / 2)
        np.testing.assert_allclose(gl, beta / 2)


@SETTINGS
@given(arrays(lo=-30.0, hi=0.0), st.floats(0.01, 5.0), st.sampled_from(REDUCTIONS))
def test_dpo_is_bradley_terry_on_implicit_rewards_and_matches_finite_differences(pw, beta, red):
    r = rng(int(abs(pw.sum()) * 100) % 2**32)
    pl, rw, rl = (pw + r.normal(size=pw.shape) for _ in range(3))
    per = losses.dpo(pw, pl, rw, rl, beta=beta, reduction="none")
    np.testing.assert_allclose(
        per,
        losses.bradley_terry(beta * (pw - rw), beta * (pl - rl), reduction="none"),
        rtol=1e-12,
        atol=1e-12,
    )
    assert check_grad(losses.dpo, pw, pl, rw, rl, beta=beta, reduction=red) < 1e-6


def test_pairwise_errors_name_the_argument():
    with pytest.raises(ValueError, match="negative must have the same shape as positive"):
        losses.bpr([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="rejected must have the same shape as chosen"):
        losses.bradley_terry([1.0, 2.0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="reference_rejected_logps must have the same shape"):
        losses.dpo([1.0], [1.0], [1.0], [1.0, 2.0])
    with pytest.raises(
        ValueError, match=r"^beta must be a finite real number in \(0, inf\), got 0.0$"
    ):
        losses.dpo([1.0], [1.0], [1.0], [1.0], beta=0.0)
    with pytest.raises(TypeError, match=r"^margin must be a real number, got '1' \(str\)$"):
        losses.bradley_terry([1.0], [0.0], margin="1")
    with pytest.raises(ValueError, match=r"input must have shape \(N, L\)"):
        losses.listnet([1.0, 2.0], [1.0, 2.0])


def test_value_and_grad_is_value_then_grad_for_every_preference_loss():
    r = rng(5)
    cases = {
        "bpr": (r.normal(size=4), r.normal(size=4)),
        "bradley_terry": (r.normal(size=4), r.normal(size=4)),
        "listnet": (r.normal(size=(2, 4)), r.normal(size=(2, 4))),
        "dpo": tuple(r.normal(size=4) for _ in range(4)),
    }
    for name, args in cases.items():
        loss = losses.REGISTRY[name]
        v, g = loss.value_and_grad(*args, reduction="sum")
        assert v == loss(*args, reduction="sum")
        want = loss.grad(*args, reduction="sum")
        for a, b in zip(
            g if isinstance(g, tuple) else (g,),
            want if isinstance(want, tuple) else (want,),
            strict=True,
        ):
            np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------- torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pairwise_losses_match_torch_logsigmoid_and_soft_margin(reduction):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    r = rng(6)
    a, b = 4 * r.normal(size=9), 4 * r.normal(size=9)

    def reduce(t):
        return {"none": t, "sum": t.sum(), "mean": t.mean()}[reduction]

    for name, kw, shift in (("bpr", {}, 0.0), ("bradley_terry", {"margin": 0.7}, 0.7)):
        ta = torch.tensor(a, requires_grad=True)
        tb = torch.tensor(b, requires_grad=True)
        out = reduce(-F.logsigmoid(ta - tb - shift))
        out.sum().backward()
        loss = losses.REGISTRY[name]
        np.testing.assert_allclose(
            loss(a, b, **kw, reduction=reduction), out.detach().numpy(), rtol=1e-12
        )
        ga, gb = loss.grad(a, b, **kw, reduction=reduction)
        np.testing.assert_allclose(ga, ta.grad.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-12, atol=1e-15)
    # BPR is soft_margin_loss on the score difference with label +1
    d = torch.tensor(a - b)
    np.testing.assert_allclose(
        losses.bpr(a, b, reduction=reduction),
        F.soft_margin_loss(d, torch.ones_like(d), reduction=reduction).numpy(),
        rtol=1e-12,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_listnet_matches_torch_cross_entropy_with_softmax_targets(reduction):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    r = rng(7)
    s, y = r.normal(size=(5, 6)), r.integers(0, 4, size=(5, 6)).astype(float)
    ts = torch.tensor(s, requires_grad=True)
    out = F.cross_entropy(ts, F.softmax(torch.tensor(y), dim=1), reduction=reduction)
    out.sum().backward()
    np.testing.assert_allclose(
        losses.listnet(s, y, reduction=reduction), out.detach().numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        losses.listnet.grad(s, y, reduction=reduction), ts.grad.numpy(), rtol=1e-10, atol=1e-15
    )


@pytest.mark.parametrize("beta", [0.05, 0.1, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_dpo_matches_the_torch_formula_of_rafailov_et_al(beta, reduction):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    r = rng(8)
    pw, pl, rw, rl = (r.normal(size=7) * 5 - 40 for _ in range(4))
    tw = torch.tensor(pw, requires_grad=True)
    tl = torch.tensor(pl, requires_grad=True)
    per = -F.logsigmoid(beta * ((tw - torch.tensor(rw)) - (tl - torch.tensor(rl))))
    out = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
    out.sum().backward()
    value, (gw, gl) = losses.dpo.value_and_grad(pw, pl, rw, rl, beta=beta, reduction=reduction)
    np.testing.assert_allclose(value, out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gl, tl.grad.numpy(), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------- scalar arguments
@pytest.mark.parametrize(
    ("loss", "args"),
    [
        (losses.bpr, (0.3, -1.2)),
        (losses.bradley_terry, (0.3, -1.2)),
        (losses.dpo, (-1.0, -2.5, -1.5, -1.25)),
    ],
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_scalar_arguments_are_one_pair(loss, args, reduction):
    # 0-d arrays once crashed inside the in-place arithmetic (NumPy scalars have no out=)
    value, grads = loss.value_and_grad(*args, reduction=reduction)
    one, one_grads = loss.value_and_grad(*[[a] for a in args], reduction=reduction)
    assert np.shape(value) == ()
    assert np.array_equal(np.ravel(value), np.ravel(one))
    for g, g1 in zip(grads, one_grads, strict=True):
        assert g.shape == ()
        assert np.array_equal(g.ravel(), g1)
