"""Unit tests of lossviz.losses: registry, hand-computed values, check_grad."""

import inspect
import math

import numpy as np
import pytest

from lossviz import losses
from lossviz.losses import Loss, check_grad

LOG2 = math.log(2.0)
SUM_BY_DEFAULT = {"l1_penalty", "l2_penalty", "uncertainty_weighted"}


# -------------------------------------------------------------------- registry
def test_catalogue_lists_every_loss_once_in_a_stable_order():
    names = [loss.name for loss in losses.catalogue()]
    assert len(names) == len(set(names)) == 46
    assert names[:3] == ["mse", "l1", "huber"]
    assert names == [loss.name for loss in losses.catalogue()]
    assert set(losses.REGISTRY) == set(names) | {"mae"}


def test_mae_is_an_alias_of_l1():
    assert losses.REGISTRY["mae"] is losses.REGISTRY["l1"] is losses.mae is losses.l1
    assert losses.l1.aliases == ("mae",)


@pytest.mark.parametrize("loss", losses.catalogue(), ids=lambda loss: loss.name)
def test_every_loss_carries_complete_metadata(loss):
    assert isinstance(loss, Loss)
    assert losses.REGISTRY[loss.name] is loss is getattr(losses, loss.name)
    assert loss.task in losses.TASKS
    assert isinstance(loss.convex, bool)
    assert loss.display_name and loss.formula_latex and loss.grad_latex
    params = inspect.signature(loss).parameters
    # norms and multi-task objectives are sums by nature (chapter 6); every other loss: mean
    assert params["reduction"].default == ("sum" if loss.name in SUM_BY_DEFAULT else "mean")
    assert params["reduction"].kind is inspect.Parameter.KEYWORD_ONLY
    assert set(loss.inputs) <= set(params)
    assert set(loss.options) == {
        n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    doc = loss.__doc__
    for section in ("Parameters", "Returns", "Raises", "Notes", "Examples", ".. math::", ">>>"):
        assert section in doc, f"{loss.name} docstring lacks {section}"


def test_losses_follow_torch_argument_order():
    assert list(inspect.signature(losses.mse).parameters)[:2] == ["input", "target"]
    assert list(inspect.signature(losses.gaussian_nll).parameters)[:3] == ["input", "target", "var"]
    assert losses.gaussian_nll.inputs == ("input", "var")
    assert losses.triplet_margin.inputs == ("anchor", "positive", "negative")
    assert losses.huber.options == {"delta": 1.0, "reduction": "mean"}


def test_loss_is_frozen():
    with pytest.raises(AttributeError):
        losses.mse.name = "other"


def test_registering_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        losses._registry.register(losses.mse)


def test_an_unknown_task_is_refused():
    with pytest.raises(ValueError, match="task must be one of"):
        Loss("x", "X", "vision", True, "x", "1", losses.mse.value_fn, losses.mse.grad_fn)


# ------------------------------------------------------------------ check_grad
def test_check_grad_is_small_for_a_correct_gradient_and_large_for_a_wrong_one():
    x, y = np.array([0.3, -1.2, 2.0]), np.array([0.0, 0.5, 1.0])
    assert check_grad(losses.mse, x, y, reduction="sum") < 1e-7
    wrong = Loss(
        "wrong",
        "Wrong",
        "regression",
        True,
        "d^2",
        "d",
        losses.mse.value_fn,
        lambda i, t, reduction="mean": np.asarray(i) - np.asarray(t),
    )  # misses 2
    # true gradient of the sum 2(x - y) = [0.6, -3.4, 2.0]; the wrong one is half of it
    assert check_grad(wrong, x, y, reduction="sum") == pytest.approx(1.7, rel=1e-6)


def test_check_grad_handles_tuple_gradients_and_keyword_inputs():
    x, y, var = np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([0.5, 2.0])
    assert check_grad(losses.gaussian_nll, x, y, var=var) < 1e-7


# ---------------------------------------------------------- hand-computed values
def test_mse_hand_computed():
    # residuals 0.5 - 1 = -0.5, 2 - 0 = 2, -1 - (-1) = 0; squares 0.25, 4, 0
    x, y = [0.5, 2.0, -1.0], [1.0, 0.0, -1.0]
    assert losses.mse(x, y, reduction="sum") == pytest.approx(4.25)
    assert losses.mse(x, y) == pytest.approx(4.25 / 3)
    np.testing.assert_allclose(losses.mse(x, y, reduction="none"), [0.25, 4.0, 0.0])
    # d/dx (x - y)^2 = 2 (x - y) = [-1, 4, 0], divided by n = 3 for the mean
    np.testing.assert_allclose(losses.mse.grad(x, y), [-1 / 3, 4 / 3, 0.0])


def test_l1_hand_computed_and_zero_subgradient_at_kink():
    # |0.5 - 1| + |2 - 0| + |-1 + 1| = 0.5 + 2 + 0 = 2.5
    x, y = [0.5, 2.0, -1.0], [1.0, 0.0, -1.0]
    assert losses.l1(x, y, reduction="sum") == pytest.approx(2.5)
    np.testing.assert_array_equal(losses.l1.grad(x, y, reduction="sum"), [-1.0, 1.0, 0.0])


def test_huber_gradient_is_clipped_at_delta():
    # delta = 1: 0.5 * 0.5^2 = 0.125; 1 * (3 - 0.5) = 2.5; 1 * (2 - 0.5) = 1.5
    x, y = [0.5, 3.0, -2.0], [0.0, 0.0, 0.0]
    np.testing.assert_allclose(losses.huber(x, y, reduction="none"), [0.125, 2.5, 1.5])
    np.testing.assert_allclose(losses.huber.grad(x, y, reduction="sum"), [0.5, 1.0, -1.0])
    # delta = 2: 0.5 * 3^2 = 4.5 > delta * (3 - 1) = 4, so the linear branch: 4
    assert losses.huber([3.0], [0.0], delta=2.0) == pytest.approx(4.0)


def test_smooth_l1_is_quadratic_over_beta_inside_and_l1_at_beta_zero():
    # beta = 2: 1^2 / (2 * 2) = 0.25; |3| - 2/2 = 2; gradients 1/2 and sign(3) = 1
    np.testing.assert_allclose(
        losses.smooth_l1([1.0, 3.0], [0.0, 0.0], beta=2.0, reduction="none"), [0.25, 2.0]
    )
    np.testing.assert_allclose(
        losses.smooth_l1.grad([1.0, 3.0], [0.0, 0.0], beta=2.0, reduction="sum"), [0.5, 1.0]
    )
    np.testing.assert_array_equal(
        losses.smooth_l1.grad([0.0, -2.0], [0.0, 0.0], beta=0.0, reduction="sum"), [0.0, -1.0]
    )


def test_log_cosh_hand_computed():
    # log cosh 0 = 0; log cosh 1 = log((e + 1/e) / 2); gradient tanh(1)
    e = math.e
    np.testing.assert_allclose(
        losses.log_cosh([0.0, 1.0], [0.0, 0.0], reduction="none"),
        [0.0, math.log((e + 1 / e) / 2)],
        rtol=1e-15,
        atol=1e-16,
    )
    np.testing.assert_allclose(losses.log_cosh.grad([1.0], [0.0]), [(e - 1 / e) / (e + 1 / e)])


def test_pinball_weights_under_and_over_prediction():
    # alpha = 0.9: under-prediction 0 < 1 costs 0.9 * 1; over-prediction 2 > 1 costs 0.1 * 1
    np.testing.assert_allclose(
        losses.pinball([0.0, 2.0, 1.0], [1.0, 1.0, 1.0], alpha=0.9, reduction="none"),
        [0.9, 0.1, 0.0],
    )
    np.testing.assert_allclose(
        losses.pinball.grad([0.0, 2.0, 1.0], [1.0, 1.0, 1.0], alpha=0.9, reduction="sum"),
        [-0.9, 0.1, 0.0],
    )


def test_poisson_nll_hand_computed_with_stirling_term_only_above_one():
    # log_input: e^0 - 2 * 0 = 1; e^(log 2) - 2 log 2 = 2 - 2 log 2
    np.testing.assert_allclose(
        losses.poisson_nll([0.0, LOG2], [2.0, 2.0], reduction="none"), [1.0, 2 - 2 * LOG2]
    )
    # full adds y log y - y + log(2 pi y) / 2 for y = 2, nothing for y = 1
    stirling = 2 * LOG2 - 2 + 0.5 * math.log(4 * math.pi)
    np.testing.assert_allclose(
        losses.poisson_nll([0.0, 0.0], [2.0, 1.0], full=True, reduction="none"),
        [1.0 + stirling, 1.0],
    )
    # rates: 2 - 3 log(2 + 1e-8); gradient 1 - 3 / (2 + 1e-8)
    assert losses.poisson_nll([2.0], [3.0], log_input=False) == pytest.approx(
        2 - 3 * math.log(2 + 1e-8)
    )
    assert losses.poisson_nll.grad([2.0], [3.0], log_input=False)[0] == pytest.approx(
        1 - 3 / (2 + 1e-8)
    )


def test_poisson_nll_overflowing_rate_is_inf_without_warning():
    # e^1000 exceeds the float64 range: the loss is +inf, as in PyTorch, and no warning
    assert losses.poisson_nll([1000.0], [1.0]) == math.inf
    assert losses.poisson_nll.grad([1000.0], [1.0])[0] == math.inf


def test_gaussian_nll_hand_computed_and_variance_gradient():
    # 0.5 (log 2 + (1 - 3)^2 / 2) = 0.5 log 2 + 1
    assert losses.gaussian_nll([1.0], [3.0], [2.0]) == pytest.approx(0.5 * LOG2 + 1.0)
    g_mu, g_var = losses.gaussian_nll.grad([1.0], [3.0], [2.0])
    # d/dmu = (1 - 3) / 2 = -1; d/dvar = 0.5 (1/2 - 4/4) = -0.25
    np.testing.assert_allclose(g_mu, [-1.0])
    np.testing.assert_allclose(g_var, [-0.25])


def test_gaussian_nll_clamps_variance_at_eps_and_passes_the_gradient_through():
    # var = 0 is clamped to eps = 0.01: 0.5 (log 0.01 + 0.1^2 / 0.01) = 0.5 (log 0.01 + 1)
    assert losses.gaussian_nll([0.1], [0.0], [0.0], eps=0.01) == pytest.approx(
        0.5 * (math.log(0.01) + 1.0)
    )
    # d/dvar at the clamp: 0.5 (1/0.01 - 0.01/0.0001) = 0.5 (100 - 100) = 0
    _, g_var = losses.gaussian_nll.grad([0.2], [0.0], [0.0], eps=0.01)
    # with residual 0.2: 0.5 (100 - 0.04 / 1e-4) = 0.5 (100 - 400) = -150
    np.testing.assert_allclose(g_var, [-150.0])


def test_gaussian_nll_var_without_last_axis_is_shared_across_it():
    # input (2, 2), var (2,): row i uses var[i]; the var gradient sums over the row
    x, y, var = np.array([[1.0, 2.0], [0.0, 1.0]]), np.zeros((2, 2)), np.array([1.0, 4.0])
    # per element 0.5 (log v + d^2 / v): row 0: 0.5, 2; row 1: 0.5 log 4, 0.5 (log 4 + 1/4)
    expected = [[0.5, 2.0], [0.5 * math.log(4), 0.5 * (math.log(4) + 0.25)]]
    np.testing.assert_allclose(losses.gaussian_nll(x, y, var, reduction="none"), expected)
    _, g_var = losses.gaussian_nll.grad(x, y, var, reduction="sum")
    # row 0: 0.5 (1 - 1) + 0.5 (1 - 4) = -1.5; row 1: 0.5 (1/4 - 0) + 0.5 (1/4 - 1/16)
    np.testing.assert_allclose(g_var, [-1.5, 0.125 + 0.09375])


def test_kl_div_hand_computed_with_batchmean():
    # 0.5 log(0.5 / 0.9) + 0.5 log(0.5 / 0.1); second row identical distributions: 0
    p = np.array([[0.5, 0.5], [0.3, 0.7]])
    q = np.array([[0.9, 0.1], [0.3, 0.7]])
    kl0 = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(5.0)
    assert losses.kl_div(np.log(q), p, reduction="batchmean") == pytest.approx(kl0 / 2)
    assert losses.kl_div(np.log(q), p, reduction="mean") == pytest.approx(kl0 / 4)
    np.testing.assert_allclose(losses.kl_div.grad(np.log(q), p, reduction="sum"), -p)
    # 0 log 0 = 0, whatever log q is
    assert losses.kl_div([-3.0], [0.0]) == 0.0


def test_bce_hand_computed_and_log_clamped_at_minus_100():
    # -log 0.8 and -log(1 - 0.1)
    np.testing.assert_allclose(
        losses.bce([0.8, 0.1], [1.0, 0.0], reduction="none"), [-math.log(0.8), -math.log(0.9)]
    )
    # p = 0 with y = 1: -max(log 0, -100) = 100
    assert losses.bce([0.0], [1.0]) == 100.0
    # gradient (p - y) / (p (1 - p)) = (0.8 - 1) / 0.16 = -1.25
    np.testing.assert_allclose(losses.bce.grad([0.8], [1.0]), [-1.25])
    # weights rescale each element: 2 * -log 0.8
    assert losses.bce([0.8], [1.0], weight=[2.0]) == pytest.approx(-2 * math.log(0.8))


def test_bce_with_logits_hand_computed_with_pos_weight():
    # z = 0: log 2 for either label; pos_weight 3 triples the positive term
    assert losses.bce_with_logits([0.0], [1.0]) == pytest.approx(LOG2)
    assert losses.bce_with_logits([0.0], [1.0], pos_weight=[3.0]) == pytest.approx(3 * LOG2)
    assert losses.bce_with_logits([0.0], [0.0], pos_weight=[3.0]) == pytest.approx(LOG2)
    # gradient (1 - y) sigma(z) - pw y sigma(-z) = -3 * 0.5
    np.testing.assert_allclose(losses.bce_with_logits.grad([0.0], [1.0], pos_weight=[3.0]), [-1.5])


def test_cross_entropy_hand_computed():
    # log(e^2 + e^0 + e^0) - 2
    e2 = math.exp(2)
    assert losses.cross_entropy([[2.0, 0.0, 0.0]], [0]) == pytest.approx(math.log(e2 + 2) - 2)
    # gradient softmax - one-hot = [e^2/(e^2+2) - 1, 1/(e^2+2), 1/(e^2+2)]
    np.testing.assert_allclose(
        losses.cross_entropy.grad([[2.0, 0.0, 0.0]], [0]),
        [[e2 / (e2 + 2) - 1, 1 / (e2 + 2), 1 / (e2 + 2)]],
    )


def test_cross_entropy_weighted_mean_divides_by_summed_target_weights():
    # two samples, targets 0 and 1, both with uniform logits: -log(1/3) = log 3 each
    # weights [1, 3, 1]: (1 log 3 + 3 log 3) / (1 + 3) = log 3 (not 4 log 3 / 2)
    z, w = np.zeros((2, 3)), [1.0, 3.0, 1.0]
    assert losses.cross_entropy(z, [0, 1], weight=w) == pytest.approx(math.log(3))
    assert losses.cross_entropy(z, [0, 1], weight=w, reduction="sum") == pytest.approx(
        4 * math.log(3)
    )
    # an ignored target drops out of numerator and denominator: 3 log 3 / 3
    assert losses.cross_entropy(z, [-100, 1], weight=w) == pytest.approx(math.log(3))
    np.testing.assert_array_equal(
        losses.cross_entropy.grad(z, [-100, 1], weight=w)[0], [0.0, 0.0, 0.0]
    )


def test_cross_entropy_label_smoothing_with_weights_hand_computed():
    # z = [0, log 3] -> p = [1/4, 3/4]; target 0, weights [2, 1], smoothing 0.5, C = 2
    # nll part: 2 * log 4; smooth part: -(2 log(1/4) + 1 log(3/4)) = 2 log 4 + log(4/3)
    # per sample: 0.5 * 2 log 4 + (0.5 / 2) * (2 log 4 + log(4/3)); mean divides by w[0] = 2
    z, w = [[0.0, math.log(3)]], [2.0, 1.0]
    per = 0.5 * 2 * math.log(4) + 0.25 * (2 * math.log(4) + math.log(4 / 3))
    assert losses.cross_entropy(z, [0], weight=w, label_smoothing=0.5) == pytest.approx(per / 2)


def test_cross_entropy_with_probability_targets_hand_computed():
    # uniform logits over 2 classes: -(0.3 log 1/2 + 0.7 log 1/2) = log 2; gradient p - q
    assert losses.cross_entropy([[0.0, 0.0]], [[0.3, 0.7]]) == pytest.approx(LOG2)
    np.testing.assert_allclose(losses.cross_entropy.grad([[0.0, 0.0]], [[0.3, 0.7]]), [[0.2, -0.2]])


def test_nll_picks_the_target_log_probability():
    # -log 0.5 and -log 0.8; gradient -1 at the target entries, divided by 2
    logp = np.log([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])
    assert losses.nll(logp, [0, 2], reduction="sum") == pytest.approx(
        -math.log(0.5) - math.log(0.8)
    )
    np.testing.assert_allclose(losses.nll.grad(logp, [0, 2]), [[-0.5, 0, 0], [0, 0, -0.5]])


def test_sigmoid_focal_hand_computed():
    # z = 0, y = 1: p_t = 1/2, ce = log 2; alpha_t = 0.25: 0.25 * log 2 * (1/2)^2
    assert losses.sigmoid_focal([0.0], [1.0]) == pytest.approx(0.25 * LOG2 / 4)
    # alpha < 0: no weighting; gamma = 1: log 2 * 1/2
    assert losses.sigmoid_focal([0.0], [1.0], alpha=-1, gamma=1.0) == pytest.approx(LOG2 / 2)
    # gradient at z = 0, y = 1, gamma = 2, alpha = 0.25:
    # 0.25 ((1/2 - 1)(1/2)^2 + 2 log 2 (1/2)^1 (1 - 2) (1/4)) = 0.25 (-1/8 - log 2 / 4)
    np.testing.assert_allclose(
        losses.sigmoid_focal.grad([0.0], [1.0]), [0.25 * (-1 / 8 - LOG2 / 4)]
    )


def test_hinge_and_squared_hinge_hand_computed_with_zero_subgradient_at_kink():
    z, y = [2.0, 0.5, -1.0, 1.0], [1, 1, 1, 1]
    # max(0, 1 - z): 0, 0.5, 2, 0 (the last is the kink y z = 1)
    np.testing.assert_allclose(losses.hinge(z, y, reduction="none"), [0, 0.5, 2, 0])
    np.testing.assert_array_equal(losses.hinge.grad(z, y, reduction="sum"), [0, -1, -1, 0])
    np.testing.assert_allclose(losses.squared_hinge(z, y, reduction="none"), [0, 0.25, 4, 0])
    np.testing.assert_allclose(losses.squared_hinge.grad(z, y, reduction="sum"), [0, -1, -4, 0])


def test_soft_margin_hand_computed():
    # log(1 + e^0) = log 2; gradient -y sigma(-y z) = -1/2
    assert losses.soft_margin([0.0], [1]) == pytest.approx(LOG2)
    np.testing.assert_allclose(losses.soft_margin.grad([0.0], [1]), [-0.5])


def test_multi_margin_hand_computed():
    # target 3: (1 - 0.8 + 0.1) + (1 - 0.8 + 0.2) + (1 - 0.8 + 0.4) = 1.3, over C = 4
    x = [[0.1, 0.2, 0.4, 0.8]]
    assert losses.multi_margin(x, [3]) == pytest.approx(1.3 / 4)
    # p = 2: (0.09 + 0.16 + 0.36) / 4
    assert losses.multi_margin(x, [3], p=2) == pytest.approx(0.61 / 4)
    # p = 1 gradient: +1/4 for each violating class, -3/4 for the target
    np.testing.assert_allclose(losses.multi_margin.grad(x, [3]), [[0.25, 0.25, 0.25, -0.75]])
    # weight of the target class multiplies: w[3] = 2
    assert losses.multi_margin(x, [3], weight=[1, 1, 1, 2.0]) == pytest.approx(2 * 1.3 / 4)


def test_hinge_embedding_hand_computed_and_kink_subgradient():
    # y = 1: the distance 0.3; y = -1: max(0, 1 - 0.3) = 0.7
    np.testing.assert_allclose(
        losses.hinge_embedding([0.3, 0.3], [1, -1], reduction="none"), [0.3, 0.7]
    )
    # at x = margin with y = -1, the subgradient -1 (PyTorch's choice)
    np.testing.assert_array_equal(
        losses.hinge_embedding.grad([1.0, 1.5], [-1, -1], reduction="sum"), [-1.0, 0.0]
    )


def test_dice_hand_computed():
    # p = [1, 1, 0, 0], y = [1, 0, 1, 0]: 1 - 2 * 1 / (2 + 2) = 0.5
    p, y = [1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]
    assert losses.dice(p, y, eps=0.0) == pytest.approx(0.5)
    # smooth = 1: 1 - (2 + 1) / (4 + 1) = 0.4
    assert losses.dice(p, y, smooth=1.0, eps=0.0) == pytest.approx(0.4)
    # gradient (N - 2 y_i D) / D^2 with N = 2, D = 4: (2 - 8 y_i) / 16
    np.testing.assert_allclose(losses.dice.grad(p, y, eps=0.0), [-6 / 16, 2 / 16, -6 / 16, 2 / 16])


def test_tversky_hand_computed():
    # TP = 1, FP = 1, FN = 1: 1 - 1 / (1 + 0.3 + 0.7) = 0.5
    p, y = [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]
    assert losses.tversky(p, y, alpha=0.3, beta=0.7, eps=0.0) == pytest.approx(0.5)
    # gradient -(y_i D - TP (y_i + a (1 - y_i) - b y_i)) / D^2 with D = 2:
    # y = 1: -(2 - (1 - 0.7)) / 4 = -0.425; y = 0: -(0 - 0.3) / 4 = 0.075
    np.testing.assert_allclose(
        losses.tversky.grad(p, y, alpha=0.3, beta=0.7, eps=0.0), [-0.425, 0.075, -0.425]
    )


def test_margin_ranking_hand_computed():
    # y = 1, margin 0.5: max(0, -(1 - 0) + 0.5) = 0; max(0, -(0 - 1) + 0.5) = 1.5
    x1, x2, y = [1.0, 0.0], [0.0, 1.0], [1, 1]
    np.testing.assert_allclose(
        losses.margin_ranking(x1, x2, y, margin=0.5, reduction="none"), [0.0, 1.5]
    )
    g1, g2 = losses.margin_ranking.grad(x1, x2, y, margin=0.5, reduction="sum")
    np.testing.assert_array_equal(g1, [0.0, -1.0])
    np.testing.assert_array_equal(g2, [0.0, 1.0])


def test_cosine_embedding_hand_computed():
    # orthogonal pair, y = 1: 1 - 0; parallel pair, y = -1, margin 0: max(0, 1 - 0)
    v = losses.cosine_embedding(
        [[1.0, 0.0], [1.0, 0.0]], [[0.0, 2.0], [3.0, 0.0]], [1, -1], reduction="none"
    )
    np.testing.assert_allclose(v, [1.0, 1.0], rtol=1e-10)
    # d(1 - cos)/dx1 at x1 = [1, 0], x2 = [0, 2]: -(x2 / (|x1||x2|) - cos x1 / |x1|^2) = [0, -1]
    g1, _ = losses.cosine_embedding.grad([[1.0, 0.0]], [[0.0, 2.0]], [1])
    np.testing.assert_allclose(g1, [[0.0, -1.0]], atol=1e-10)


def test_triplet_margin_hand_computed():
    # |a - p| = 10, |a - n| = 5 (3-4-5 triangles): max(10 - 5 + 1, 0) = 6
    a, p, n = [[0.0, 0.0]], [[6.0, 8.0]], [[3.0, 4.0]]
    assert losses.triplet_margin(a, p, n, eps=0.0) == pytest.approx(6.0)
    ga, gp, gn = losses.triplet_margin.grad(a, p, n, eps=0.0)
    # d|a - p|/da = (a - p)/10 = [-0.6, -0.8]; d|a - n|/da = (a - n)/5 = [-0.6, -0.8]
    np.testing.assert_allclose(ga, [[0.0, 0.0]], atol=1e-15)
    np.testing.assert_allclose(gp, [[0.6, 0.8]])
    np.testing.assert_allclose(gn, [[-0.6, -0.8]])
    # p = 1: |6| + |8| = 14 and 3 + 4 = 7: 14 - 7 + 1 = 8
    assert losses.triplet_margin(a, p, n, p=1, eps=0.0) == pytest.approx(8.0)


def test_bellman_td_hand_computed_holds_the_target_fixed():
    q, nq = [[1.0, 0.0], [0.5, 2.0]], [[2.0, 4.0], [9.0, 9.0]]
    # sample 0: target 1 + 0.5 * max(2, 4) = 3, Q = 1, delta = -2
    # sample 1: terminal, target = 0.5 (reward only), Q(s, 1) = 2, delta = 1.5
    args = (q, [0, 1], [1.0, 0.5], nq, [False, True])
    np.testing.assert_allclose(losses.bellman_td(*args, gamma=0.5, reduction="none"), [4.0, 2.25])
    np.testing.assert_allclose(
        losses.bellman_td.grad(*args, gamma=0.5), [[-2.0, 0.0], [0.0, 1.5]]
    )  # 2 delta / N
    # huber, delta 1: |-2| -> 1 * (2 - 0.5) = 1.5; |1.5| -> 1.5 - 0.5 = 1
    np.testing.assert_allclose(
        losses.bellman_td(*args, gamma=0.5, kind="huber", reduction="none"), [1.5, 1.0]
    )


# -------------------------------------------------------------------- doctests
MODULES = [
    "__init__",
    "_gradcheck",
    "_registry",
    "regression",
    "probabilistic",
    "classification",
    "margin",
    "segmentation",
    "metric",
    "rl",
]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(
        "lossviz.losses" if module == "__init__" else f"lossviz.losses.{module}"
    )
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_scalar_inputs_give_float_values_and_0d_array_gradients():
    assert isinstance(losses.mse(2.0, 1.0), float)
    g = losses.mse.grad(2.0, 1.0)
    assert isinstance(g, np.ndarray) and g.shape == () and g == 2.0
    g_mu, g_var = losses.gaussian_nll.grad([1.0, 2.0], [0.0, 0.0], 2.0)
    # shared scalar variance: its gradient sums 0.5 (1/2 - d^2/4) over d = 1, 2, over n = 2
    assert isinstance(g_var, np.ndarray) and g_var.shape == ()
    assert g_var == pytest.approx((0.5 * (0.5 - 0.25) + 0.5 * (0.5 - 1.0)) / 2)
    assert isinstance(losses.dice.grad(0.5, 1.0), np.ndarray)
    none = losses.cross_entropy([0.0, 1.0, 2.0], 2, reduction="none")
    assert isinstance(none, np.ndarray) and none.shape == ()


def test_a_loss_written_the_old_way_still_registers_and_runs():
    # other chapters' losses may import the former module paths and give value_fn and
    # grad_fn separately, declaring no domains: everything new in Loss is optional
    from lossviz.losses._reduction import reduce, reduce_grad
    from lossviz.losses._validate import as_option, pair

    def value(input, target, *, scale=1.0, reduction="mean"):
        scale = as_option(scale, "scale", low=0.0, low_open=True)
        x, y = pair(input, target, reduction)
        return reduce(scale * (x - y) ** 2, reduction)

    def grad(input, target, *, scale=1.0, reduction="mean"):
        x, y = pair(input, target, reduction)
        g = 2.0 * scale * (x - y)
        return reduce_grad(g, reduction), reduce_grad(-g, reduction)  # g is used twice

    toy = Loss("toy", "Toy", "regression", True, "x^2", "2x", value, grad)
    assert toy.input_domain is toy.target_domain is toy.slice is None
    v, (g1, g2) = toy.value_and_grad([1.0, 3.0], [0.0, 0.0])
    assert v == 5.0 and np.array_equal(g1, [1.0, 3.0]) and np.array_equal(g2, [-1.0, -3.0])
