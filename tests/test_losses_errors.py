"""Bad input raises a clear error naming the argument; extreme values stay finite."""

import math
import warnings

import numpy as np
import pytest

from lossviz import losses

# one small valid call per loss: (positional args, keyword options)
VALID = {
    "mse": (([0.5, 1.0], [0.0, 2.0]), {}),
    "l1": (([0.5, 1.0], [0.0, 2.0]), {}),
    "huber": (([0.5, 1.0], [0.0, 2.0]), {}),
    "smooth_l1": (([0.5, 1.0], [0.0, 2.0]), {}),
    "log_cosh": (([0.5, 1.0], [0.0, 2.0]), {}),
    "pinball": (([0.5, 1.0], [0.0, 2.0]), {}),
    "poisson_nll": (([0.5, 1.0], [0.0, 2.0]), {}),
    "gaussian_nll": (([0.5, 1.0], [0.0, 2.0], [1.0, 0.5]), {}),
    "kl_div": ((np.log([[0.4, 0.6]]), [[0.5, 0.5]]), {}),
    "bce": (([0.2, 0.7], [0.0, 1.0]), {}),
    "bce_with_logits": (([0.5, -1.0], [0.0, 1.0]), {}),
    "cross_entropy": (([[0.5, 1.0, -1.0], [0.0, 0.0, 2.0]], [2, 0]), {}),
    "nll": ((np.log([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]), [2, 0]), {}),
    "sigmoid_focal": (([0.5, -1.0], [0.0, 1.0]), {}),
    "hinge": (([0.5, -1.0], [1, -1]), {}),
    "squared_hinge": (([0.5, -1.0], [1, -1]), {}),
    "soft_margin": (([0.5, -1.0], [1, -1]), {}),
    "multi_margin": (([[0.5, 1.0, -1.0], [0.0, 0.0, 2.0]], [2, 0]), {}),
    "hinge_embedding": (([0.5, 1.5], [1, -1]), {}),
    "dice": (([0.2, 0.7], [0.0, 1.0]), {}),
    "tversky": (([0.2, 0.7], [0.0, 1.0]), {}),
    "margin_ranking": (([0.5, 1.0], [0.0, 2.0], [1, -1]), {}),
    "cosine_embedding": (([[0.5, 1.0], [1.0, 0.0]], [[0.0, 2.0], [1.0, 1.0]], [1, -1]), {}),
    "triplet_margin": (([[0.5, 1.0]], [[0.0, 2.0]], [[1.0, 1.0]]), {}),
    "bellman_td": (
        ([[0.5, 1.0], [0.0, 2.0]], [1, 0], [1.0, 0.0], [[0.0, 1.0], [2.0, 0.0]], [0, 1]),
        {},
    ),
    "ctc": (
        (np.log([[[0.5, 0.25, 0.25]], [[0.2, 0.5, 0.3]], [[0.6, 0.2, 0.2]]]), [[1, 2]], [3], [2]),
        {},
    ),
    "contrastive": (([[0.5, 1.0], [1.0, 0.0]], [[0.0, 2.0], [1.0, 1.0]], [1, -1]), {}),
    "info_nce": (([[0.5, 1.0], [1.0, 0.0]], [[0.0, 2.0], [1.0, 1.0]]), {}),
    "distillation": (([[0.5, 1.0, -1.0]], [[0.0, 0.0, 2.0]]), {}),
    "bpr": (([0.5, 1.0], [0.0, 2.0]), {}),
    "listnet": (([[0.5, 1.0, -1.0]], [[0.0, 0.0, 2.0]]), {}),
    "bradley_terry": (([0.5, 1.0], [0.0, 2.0]), {}),
    "dpo": (([-3.0, -4.0], [-5.0, -2.0], [-4.0, -4.0], [-4.0, -3.0]), {}),
    "iou": (([[0.0, 0.0, 2.0, 2.0]], [[1.0, 0.0, 3.0, 2.0]]), {}),
    "giou": (([[0.0, 0.0, 2.0, 2.0]], [[1.0, 0.0, 3.0, 2.0]]), {}),
    "diou": (([[0.0, 0.0, 2.0, 2.0]], [[1.0, 0.0, 3.0, 2.0]]), {}),
    "ciou": (([[0.0, 0.0, 2.0, 2.0]], [[1.0, 0.0, 3.0, 3.0]]), {}),
    "l1_penalty": (([0.5, -1.0],), {}),
    "l2_penalty": (([0.5, -1.0],), {}),
    "uncertainty_weighted": (([0.5, 2.0], [0.0, 1.0]), {}),
    "gaussian_kl": (([0.5, 1.0], [0.0, -1.0]), {}),
    "neg_elbo": (([[0.5, -1.0]], [[1.0, 0.0]], [[0.3]], [[-0.2]]), {}),
    "gan_minimax": (([0.5, 1.0], [0.0, -2.0]), {}),
    "gan_non_saturating": (([0.5, 1.0], [0.0, -2.0]), {}),
    "wasserstein_critic": (([0.5, 1.0], [0.0, -2.0]), {}),
    "gan_hinge": (([0.5, 1.0], [0.0, -2.0]), {}),
}
NAMES = sorted(VALID)


def with_arg(name, i, value):
    args, kw = VALID[name]
    args = list(args)
    args[i] = value
    return args, kw


def first_name(name):
    return list(losses.REGISTRY[name].__signature__.parameters)[0]


def test_every_loss_has_a_valid_example():
    assert sorted(VALID) == sorted(loss.name for loss in losses.catalogue())


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["value", "grad"])
def test_valid_examples_run(name, method):
    loss = losses.REGISTRY[name]
    args, kw = VALID[name]
    fn = loss if method == "value" else loss.grad
    assert fn(*args, **kw) is not None


# ----------------------------------------------------------------- reductions
@pytest.mark.parametrize("name", NAMES)
def test_unknown_reduction_is_rejected_by_every_loss(name):
    loss = losses.REGISTRY[name]
    args, kw = VALID[name]
    for fn in (loss, loss.grad):
        with pytest.raises(ValueError, match=r"reduction must be one of .*got 'avg'"):
            fn(*args, **kw, reduction="avg")


def test_batchmean_is_only_for_kl_div():
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.mse([1.0], [0.0], reduction="batchmean")


@pytest.mark.parametrize("name", ["dice", "tversky"])
def test_whole_tensor_losses_reject_reduction_none(name):
    args, kw = VALID[name]
    with pytest.raises(ValueError, match=r"reduction must be one of 'mean', 'sum', got 'none'"):
        losses.REGISTRY[name](*args, reduction="none")


# ------------------------------------------------------------- types and values
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "bad",
    [np.array([True, False]), ["a", "b"], [1 + 2j, 3j], None],
    ids=["bool", "str", "complex", "None"],
)
def test_non_numeric_first_argument_is_a_type_error_naming_it(name, bad):
    args, kw = with_arg(name, 0, bad)
    with pytest.raises(TypeError, match=f"^{first_name(name)} must"):
        losses.REGISTRY[name](*args, **kw)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_inf_in_first_argument_is_rejected_by_every_loss(name, bad):
    args, kw = VALID[name]
    x = np.array(args[0], dtype=float)
    x.flat[0] = bad
    args = [x, *args[1:]]
    for fn in (losses.REGISTRY[name], losses.REGISTRY[name].grad):
        with pytest.raises(ValueError, match=f"{first_name(name)} must be finite.*{bad}"):
            fn(*args, **kw)


@pytest.mark.parametrize("name", NAMES)
def test_empty_first_argument_is_rejected_by_every_loss(name):
    args, kw = with_arg(name, 0, np.zeros((0,)))
    with pytest.raises(ValueError, match=rf"^{first_name(name)} is empty \(shape \(0,\)\)"):
        losses.REGISTRY[name](*args, **kw)


def test_empty_message_says_what_was_expected():
    with pytest.raises(ValueError, match=r"input is empty \(shape \(0,\)\); expected at least"):
        losses.mse([], [])


@pytest.mark.parametrize(
    "name",
    [
        "mse",
        "l1",
        "huber",
        "bce",
        "bce_with_logits",
        "hinge",
        "sigmoid_focal",
        "dice",
        "tversky",
        "poisson_nll",
    ],
)
def test_column_against_flat_shape_is_not_broadcast(name):
    n = 3
    fn = losses.REGISTRY[name]
    x = np.full((n,), 0.5)
    y = np.ones((n, 1))
    with pytest.raises(
        ValueError,
        match=r"target must have the same shape as input: got "
        r"input of shape \(3,\) and target of shape \(3, 1\)",
    ):
        fn(x, y)


def test_mismatched_second_input_names_it():
    with pytest.raises(ValueError, match="input2 must have the same shape as input1"):
        losses.margin_ranking([1.0, 2.0], [1.0], [1, 1])
    with pytest.raises(ValueError, match="negative must have the same shape as anchor"):
        losses.triplet_margin([[1.0, 2.0]], [[1.0, 2.0]], [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize(
    ("name", "index", "value", "arg"),
    [
        ("bce", 0, [1.2, 0.5], "input"),
        ("bce", 1, [-0.1, 1.0], "target"),
        ("bce_with_logits", 1, [2.0, 1.0], "target"),
        ("sigmoid_focal", 1, [0.0, 1.5], "target"),
        ("dice", 0, [0.5, 1.01], "input"),
        ("tversky", 1, [0.5, -1.0], "target"),
        ("kl_div", 1, [[1.5, -0.5]], "target"),
    ],
)
def test_probabilities_outside_unit_interval_are_rejected(name, index, value, arg):
    args, kw = with_arg(name, index, value)
    with pytest.raises(ValueError, match=rf"{arg} must hold probabilities in \[0, 1\]"):
        losses.REGISTRY[name](*args, **kw)


def test_cross_entropy_probability_targets_outside_unit_interval_are_rejected():
    with pytest.raises(ValueError, match=r"target must hold probabilities in \[0, 1\]"):
        losses.cross_entropy([[0.0, 1.0]], [[1.5, -0.5]])


@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("hinge", 1),
        ("squared_hinge", 1),
        ("soft_margin", 1),
        ("hinge_embedding", 1),
        ("margin_ranking", 2),
        ("cosine_embedding", 2),
    ],
)
def test_targets_must_be_plus_or_minus_one(name, index):
    args, kw = VALID[name]
    y = np.array(args[index], dtype=float)
    y.flat[0] = 0.0
    args, kw = with_arg(name, index, y)
    with pytest.raises(ValueError, match=r"target must hold labels -1 or \+1.*\[0\.0\]"):
        losses.REGISTRY[name](*args, **kw)


@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        ("cross_entropy", [3, 0], r"target must hold class indices in \[0, 2\] \(or ignore_index"),
        ("cross_entropy", [-1, 0], r"target must hold class indices in \[0, 2\]"),
        ("cross_entropy", [1.5, 0], "target must hold integer class indices"),
        ("nll", [0, 7], r"target must hold class indices in \[0, 2\].*\[7\]"),
        ("multi_margin", [0, 3], r"target must hold class indices in \[0, 2\]"),
    ],
)
def test_class_indices_out_of_range_or_non_integer_are_rejected(name, target, message):
    args, kw = with_arg(name, 1, target)
    with pytest.raises(ValueError, match=message):
        losses.REGISTRY[name](*args, **kw)


def test_class_index_target_of_wrong_shape_says_both_accepted_shapes():
    with pytest.raises(
        ValueError,
        match=r"target must hold class indices of shape \(2,\) or "
        r"class probabilities of shape \(2, 3\)",
    ):
        losses.cross_entropy(np.zeros((2, 3)), [[0], [1]])


def test_integer_class_indices_given_as_floats_are_accepted():
    assert losses.cross_entropy([[0.0, 0.0]], np.array([1.0])) == pytest.approx(math.log(2))


def test_bellman_actions_out_of_range_and_dones_not_binary_are_rejected():
    args, _ = VALID["bellman_td"]
    q, a, r, nq, d = args
    with pytest.raises(ValueError, match=r"actions must hold class indices in \[0, 1\]"):
        losses.bellman_td(q, [2, 0], r, nq, d)
    with pytest.raises(ValueError, match="dones must hold 0/1 or booleans.*2.0"):
        losses.bellman_td(q, a, r, nq, [2, 0])
    with pytest.raises(ValueError, match=r"rewards must have shape \(2,\)"):
        losses.bellman_td(q, a, [1.0], nq, d)


def test_negative_variance_is_rejected():
    with pytest.raises(ValueError, match=r"var must be non-negative.*\[-0\.5\]"):
        losses.gaussian_nll([0.0, 1.0], [0.0, 0.0], [1.0, -0.5])


def test_variance_of_wrong_shape_names_the_accepted_shapes():
    with pytest.raises(ValueError, match=r"var must have the shape of input \(2, 3\)"):
        losses.gaussian_nll(np.zeros((2, 3)), np.zeros((2, 3)), np.ones((3,)))


@pytest.mark.parametrize(
    ("name", "index", "value", "message"),
    [
        ("poisson_nll", 1, [-1.0, 2.0], "target must be non-negative"),
        ("bce", 1, np.array([1, 0], dtype=bool), "target must hold real numbers, got a boolean"),
        ("hinge", 1, [1 + 0j, -1 + 0j], "target must hold real numbers"),
    ],
)
def test_other_argument_errors_name_the_argument(name, index, value, message):
    args, kw = with_arg(name, index, value)
    with pytest.raises((ValueError, TypeError), match=message):
        losses.REGISTRY[name](*args, **kw)


def test_rates_must_be_non_negative_without_log_input():
    with pytest.raises(ValueError, match="input must be non-negative"):
        losses.poisson_nll([-0.5], [1.0], log_input=False)


def test_negative_weights_are_rejected():
    with pytest.raises(ValueError, match="weight must be non-negative"):
        losses.bce([0.5], [1.0], weight=[-1.0])
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        losses.cross_entropy(np.zeros((2, 3)), [0, 1], weight=[1.0, 1.0])
    with pytest.raises(ValueError, match="pos_weight of shape"):
        losses.bce_with_logits(np.zeros((2, 3)), np.zeros((2, 3)), pos_weight=np.ones((2,)))


@pytest.mark.parametrize(
    ("name", "option", "value", "error", "message"),
    [
        (
            "huber",
            "delta",
            0.0,
            ValueError,
            r"delta must be a finite real number in \(0, inf\), got 0.0",
        ),
        ("smooth_l1", "beta", -1.0, ValueError, r"beta must be a finite real number in \[0, inf\)"),
        ("pinball", "alpha", 1.5, ValueError, r"alpha must be a finite real number in \[0, 1\]"),
        (
            "cross_entropy",
            "label_smoothing",
            1.2,
            ValueError,
            r"label_smoothing must be a finite real number in \[0, 1\], got 1.2",
        ),
        (
            "sigmoid_focal",
            "gamma",
            -1.0,
            ValueError,
            r"gamma must be a finite real number in \[0, inf",
        ),
        (
            "sigmoid_focal",
            "alpha",
            2.0,
            ValueError,
            r"alpha must be a finite real number in \(-inf, 1\]",
        ),
        (
            "triplet_margin",
            "margin",
            0.0,
            ValueError,
            r"margin must be a finite real number in \(0, ",
        ),
        ("triplet_margin", "p", 0.5, ValueError, r"p must be a finite real number in \[1, inf\)"),
        ("multi_margin", "p", 3, ValueError, "p must be one of 1, 2, got 3"),
        ("bellman_td", "gamma", 1.5, ValueError, r"gamma must be a finite real number in \[0, 1\]"),
        ("bellman_td", "kind", "l1", ValueError, "kind must be one of 'mse', 'huber', got 'l1'"),
        ("poisson_nll", "eps", 0.0, ValueError, r"eps must be a finite real number in \(0, inf\)"),
        ("huber", "delta", "1", TypeError, r"delta must be a real number, got '1' \(str\)"),
        ("huber", "delta", True, TypeError, "delta must be a real number, got True"),
        ("huber", "delta", math.nan, ValueError, "delta must be a finite real number .* got nan"),
        (
            "cross_entropy",
            "ignore_index",
            1.5,
            TypeError,
            "ignore_index must be an integer, got 1.5",
        ),
    ],
)
def test_invalid_options_are_rejected_with_their_name(name, option, value, error, message):
    # one policy: TypeError for a wrong type, ValueError for a wrong value
    args, kw = VALID[name]
    with pytest.raises(error, match=message):
        losses.REGISTRY[name](*args, **{**kw, option: value})


def test_ignore_index_with_probability_targets_is_rejected():
    with pytest.raises(ValueError, match="ignore_index=0 is only supported for class-index"):
        losses.cross_entropy([[0.0, 1.0]], [[0.5, 0.5]], ignore_index=0)


def test_mean_over_only_ignored_targets_raises_instead_of_nan():
    with pytest.raises(ValueError, match="every target equals ignore_index"):
        losses.cross_entropy(np.zeros((2, 3)), [-100, -100])
    assert losses.cross_entropy(np.zeros((2, 3)), [-100, -100], reduction="sum") == 0.0


def test_zero_denominator_in_dice_is_reported():
    with pytest.raises(ValueError, match="the Dice denominator is 0"):
        losses.dice([0.0, 0.0], [0.0, 0.0], eps=0.0)


def test_ragged_input_is_rejected():
    with pytest.raises(ValueError, match="input must be a rectangular array"):
        losses.mse([[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0]])


# ------------------------------------------------------------------- stability
BIG = 1e4
# Overflow, division by zero and invalid operations raise; underflow (e^-1e4 -> 0, the
# correctly rounded result) is left at NumPy's default, "ignore".
EXTREME = {
    "mse": ([BIG, -BIG], [-BIG, BIG]),
    "l1": ([BIG, -BIG], [-BIG, BIG]),
    "huber": ([BIG, -BIG], [-BIG, BIG]),
    "smooth_l1": ([BIG, -BIG], [-BIG, BIG]),
    "log_cosh": ([BIG, -BIG], [-BIG, BIG]),
    "pinball": ([BIG, -BIG], [-BIG, BIG]),
    # e^z overflows float64 above z ~ 709.78 (value inf, tested below); 700 is finite
    "poisson_nll": ([-BIG, 700.0], [3.0, 3.0]),
    "gaussian_nll": ([BIG, -BIG], [-BIG, BIG], [1e-6, 0.0]),
    "kl_div": ([[-BIG, 0.0]], [[0.0, 1.0]]),
    "bce": ([0.0, 1.0], [1.0, 0.0]),
    "bce_with_logits": ([BIG, -BIG, BIG, -BIG], [0.0, 1.0, 1.0, 0.0]),
    "cross_entropy": ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG]], [1, 0]),
    "nll": ([[-BIG, -BIG, 0.0]], [0]),
    "sigmoid_focal": ([BIG, -BIG, BIG, -BIG], [0.0, 1.0, 1.0, 0.0]),
    "hinge": ([BIG, -BIG], [-1, 1]),
    "squared_hinge": ([BIG, -BIG], [-1, 1]),
    "soft_margin": ([BIG, -BIG, BIG], [-1, 1, 1]),
    "multi_margin": ([[BIG, -BIG, 0.0]], [1]),
    "hinge_embedding": ([BIG, 0.0], [-1, -1]),
    "dice": ([1e-300, 1.0], [0.0, 1.0]),
    "tversky": ([1e-300, 1.0], [0.0, 1.0]),
    "margin_ranking": ([BIG, -BIG], [-BIG, BIG], [-1, 1]),
    "cosine_embedding": ([[BIG, -BIG], [1e-300, 0.0]], [[-BIG, BIG], [BIG, BIG]], [1, -1]),
    "triplet_margin": ([[BIG, -BIG]], [[-BIG, BIG]], [[0.0, 0.0]]),
    "bellman_td": ([[BIG, -BIG]], [1], [BIG], [[-BIG, BIG]], [0]),
    "ctc": ([[[0.0, -BIG]], [[-BIG, 0.0]], [[0.0, -BIG]]], [[1]], [3], [1]),
    "contrastive": ([[BIG, -BIG], [BIG, 0.0]], [[-BIG, BIG], [BIG, 0.0]], [1, -1]),
    "info_nce": ([[BIG, -BIG], [1e-300, 0.0]], [[-BIG, BIG], [BIG, BIG]]),
    "distillation": ([[BIG, -BIG, 0.0]], [[-BIG, BIG, 0.0]]),
    "bpr": ([BIG, -BIG], [-BIG, BIG]),
    "listnet": ([[BIG, -BIG, 0.0]], [[-BIG, BIG, 0.0]]),
    "bradley_terry": ([BIG, -BIG], [-BIG, BIG]),
    "dpo": ([-BIG, 0.0], [0.0, -BIG], [0.0, -BIG], [-BIG, 0.0]),
    **{
        name: (
            [[-BIG, -BIG, BIG, BIG], [0.0, 0.0, 1.0, 1.0]],
            [[0.0, 0.0, 1.0, 1.0], [BIG, BIG, 2 * BIG, 2 * BIG]],
        )
        for name in ("iou", "giou", "diou", "ciou")
    },
    "l1_penalty": ([BIG, -BIG],),
    "l2_penalty": ([BIG, -BIG],),
    # e^{-s} L overflows only beyond the float64 range; e^{-1e4} underflows to 0
    "uncertainty_weighted": ([BIG, 0.0], [-5.0, BIG]),
    # exp(logvar) overflows above ~709.78, as sigma^2 does: 700 is finite
    "gaussian_kl": ([BIG, -BIG], [-700.0, 700.0]),
    "neg_elbo": ([[BIG, -BIG]], [[0.0, 1.0]], [[BIG, -BIG]], [[-700.0, 700.0]]),
    "gan_minimax": ([BIG, -BIG], [-BIG, BIG]),
    "gan_non_saturating": ([BIG, -BIG], [-BIG, BIG]),
    "wasserstein_critic": ([BIG, -BIG], [-BIG, BIG]),
    "gan_hinge": ([BIG, -BIG], [-BIG, BIG]),
}


def test_every_loss_has_an_extreme_case():
    assert sorted(EXTREME) == sorted(VALID)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_extreme_inputs_give_finite_values_and_gradients_without_warnings(name, reduction):
    loss = losses.REGISTRY[name]
    args = EXTREME[name]
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        value = loss(*args, reduction=reduction)
        grads = loss.grad(*args, reduction=reduction)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert np.isfinite(value)
    for g in grads:
        assert np.all(np.isfinite(g))


def test_poisson_log_rate_of_1e4_is_inf_without_warning():
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        assert losses.poisson_nll([BIG], [1.0]) == math.inf


def test_logit_losses_have_exact_asymptotes_at_1e4():
    # softplus(1e4) = 1e4 exactly in float64; softplus(-1e4) = e^-1e4 underflows to 0
    np.testing.assert_array_equal(
        losses.bce_with_logits([BIG, -BIG, BIG, -BIG], [0.0, 1.0, 1.0, 0.0], reduction="none"),
        [BIG, BIG, 0.0, 0.0],
    )
    np.testing.assert_array_equal(
        losses.bce_with_logits.grad([BIG, -BIG], [0.0, 1.0], reduction="sum"), [1.0, -1.0]
    )
    # log-sum-exp: logits [1e4, -1e4, 0], target 1: 1e4 - (-1e4) = 2e4
    assert losses.cross_entropy([[BIG, -BIG, 0.0]], [1]) == 2 * BIG
    assert losses.soft_margin([BIG], [-1]) == BIG
    assert losses.log_cosh([BIG], [0.0]) == pytest.approx(BIG - math.log(2), rel=1e-15)
    # focal with a confidently wrong logit: ce = 1e4, (1 - p_t)^2 = 1, alpha_t = 0.75
    assert losses.sigmoid_focal([BIG], [0.0]) == pytest.approx(0.75 * BIG)
    # triplet with p = 100 on 1e4 entries: |v|^100 would overflow without rescaling
    v = losses.triplet_margin([[BIG, BIG]], [[0.0, 0.0]], [[0.0, 0.0]], p=100.0, eps=0.0)
    assert v == pytest.approx(1.0)


def test_huge_class_index_is_a_clear_error_not_an_overflowing_cast():
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 1\].*1e\+20"):
        losses.cross_entropy([[0.0, 1.0]], [1e20])
