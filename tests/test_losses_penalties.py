"""L1/L2 penalties and the uncertainty-weighted multi-task sum."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossviz import losses
from lossviz.losses import check_grad

VECTORS = hnp.arrays(
    np.float64, st.integers(1, 8), elements=st.floats(-5, 5, allow_nan=False, allow_infinity=False)
)


def test_l1_penalty_by_hand():
    assert losses.l1_penalty([1.0, -2.0, 0.5], lam=0.1) == pytest.approx(0.35)
    np.testing.assert_array_equal(
        losses.l1_penalty.grad([1.0, -2.0, 0.0], lam=0.1), [0.1, -0.1, 0.0]
    )


def test_l2_penalty_by_hand_has_gradient_lam_theta():
    assert losses.l2_penalty([1.0, -2.0], lam=0.1) == pytest.approx(0.05 * 5)
    np.testing.assert_allclose(losses.l2_penalty.grad([1.0, -2.0], lam=0.1), [0.1, -0.2])


@settings(max_examples=200, deadline=None)
@given(VECTORS, st.floats(0, 3), st.sampled_from(["none", "sum", "mean"]))
def test_penalties_are_norms_scaled_by_lam_and_reduce_consistently(theta, lam, reduction):
    n = theta.size
    assert losses.l1_penalty(theta, lam=lam) == pytest.approx(lam * np.sum(np.abs(theta)))
    assert losses.l2_penalty(theta, lam=lam) == pytest.approx(0.5 * lam * theta @ theta)
    for pen in (losses.l1_penalty, losses.l2_penalty):
        total = pen(theta, lam=lam)
        assert total >= 0
        assert pen(theta, lam=lam, reduction="mean") == pytest.approx(total / n)
        assert np.sum(pen(theta, lam=lam, reduction="none")) == pytest.approx(total)
        assert pen(-theta, lam=lam) == total  # even
        np.testing.assert_allclose(
            pen.grad(theta, lam=lam, reduction="mean") * n,
            pen.grad(theta, lam=lam),
            rtol=1e-12,
            atol=1e-12,
        )
    # away from the kink at 0 the L1 gradient matches finite differences
    if np.min(np.abs(theta)) > 1e-3:
        assert check_grad(losses.l1_penalty, theta, lam=lam, reduction=reduction) < 1e-6
    assert check_grad(losses.l2_penalty, theta, lam=lam, reduction=reduction) < 1e-6


def test_uncertainty_weighted_by_hand():
    # 0.5 e^0 * 1 + 0 + 0.5 e^{-log 4} * 4 + 0.5 log 4
    v = losses.uncertainty_weighted([1.0, 4.0], [0.0, math.log(4.0)])
    assert v == pytest.approx(0.5 + 0.5 + 0.5 * math.log(4.0), rel=1e-15)
    gl, gs = losses.uncertainty_weighted.grad([1.0, 4.0], [0.0, 1.0])
    np.testing.assert_allclose(gl, [0.5, 0.5 * math.exp(-1.0)])
    np.testing.assert_allclose(gs, [0.0, 0.5 - 0.5 * math.exp(-1.0) * 4.0])


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(0.01, 50, allow_nan=False)),
    st.floats(0.1, 100),
    st.sampled_from(["none", "sum", "mean"]),
)
def test_optimal_log_variance_is_log_loss_and_scaling_a_loss_adds_a_constant(task, c, red):
    best = np.log(task)
    _, g_s = losses.uncertainty_weighted.grad(task, best)
    np.testing.assert_allclose(g_s, 0.0, atol=1e-12)
    at_best = losses.uncertainty_weighted(task, best, reduction="none")
    np.testing.assert_allclose(at_best, 0.5 * (1 + np.log(task)), rtol=1e-12)
    # any other s is worse (convex in s)
    assert np.all(losses.uncertainty_weighted(task, best + 0.3, reduction="none") > at_best)
    # scaling task 0 by c: the optimum moves by log c and the objective by log(c) / 2
    scaled = task.copy()
    scaled[0] *= c
    shifted = best.copy()
    shifted[0] += np.log(c)
    assert losses.uncertainty_weighted(scaled, shifted) == pytest.approx(
        losses.uncertainty_weighted(task, best) + 0.5 * np.log(c), rel=1e-12, abs=1e-12
    )
    s = best + 0.4
    assert check_grad(losses.uncertainty_weighted, task, s, reduction=red) < 1e-6


def test_penalty_and_task_errors_name_the_argument():
    with pytest.raises(
        ValueError, match=r"^lam must be a finite real number in \[0, inf\), got -1$"
    ):
        losses.l1_penalty([1.0], lam=-1)
    with pytest.raises(TypeError, match=r"^lam must be a real number, got '0.1' \(str\)$"):
        losses.l2_penalty([1.0], lam="0.1")
    with pytest.raises(ValueError, match=r"losses must be non-negative.*\[-1\.0\]"):
        losses.uncertainty_weighted([1.0, -1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="log_vars must have the same shape as losses"):
        losses.uncertainty_weighted([1.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="log_vars must be finite"):
        losses.uncertainty_weighted([1.0], [math.nan])


def test_penalties_and_task_sum_default_to_sum_reduction():
    for loss in (losses.l1_penalty, losses.l2_penalty, losses.uncertainty_weighted):
        assert loss.options["reduction"] == "sum"


def test_l2_gradient_equals_what_torch_adam_weight_decay_adds():
    torch = pytest.importorskip("torch")
    theta = np.array([0.5, -1.5, 2.0])
    p = torch.tensor(theta, requires_grad=True)
    # Adam's weight_decay=wd adds wd * p to the gradient: the gradient of l2_penalty(lam=wd)
    wd = 0.3
    (0.5 * wd * (p**2).sum()).backward()
    np.testing.assert_allclose(losses.l2_penalty.grad(theta, lam=wd), p.grad.numpy())
