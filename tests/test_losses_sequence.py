"""Tests of lossviz.losses.sequence: CTC values, gradients, conventions and errors."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossviz import losses
from lossviz.losses import check_grad, ctc
from lossviz.losses.sequence import ctc_collapse, ctc_forward_backward, extended_labels


def log_softmax(z, axis=-1):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def batch(seed=0, t=7, n=3, c=5):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(t, n, c))
    targets = np.array([[1, 2, 2, 0], [3, 3, 0, 0], [4, 1, 2, 3]])
    return z, log_softmax(z, 2), targets, np.array([7, 6, 7]), np.array([3, 2, 4])


def brute_force(lp, target, blank=0):
    """-log of the summed probability of every path of len(lp) frames collapsing to target."""
    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        if ctc_collapse(path, blank) == list(target):
            total += math.exp(sum(lp[t, k] for t, k in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


# -------------------------------------------------------------- hand values
def test_two_frames_one_label_sums_three_alignments():
    lp = np.log(np.full((2, 1, 2), 0.5))
    assert ctc(lp, [[1]], [2], [1]) == pytest.approx(-math.log(0.75), rel=1e-14)


def test_repeated_label_needs_a_blank_between_its_copies():
    # "11" in 3 frames: the only alignment is 1 - 1
    p = np.array([[0.1, 0.9], [0.6, 0.4], [0.3, 0.7]])
    assert ctc(np.log(p), [1, 1], 3, 2, reduction="sum") == pytest.approx(
        -math.log(0.9 * 0.6 * 0.7), rel=1e-13
    )
    # in 2 frames it cannot be aligned at all
    assert ctc(np.log(p[:2]), [1, 1], 2, 2, reduction="sum") == math.inf


def test_empty_target_is_all_blanks():
    lp = log_softmax(np.random.default_rng(1).normal(size=(4, 1, 3)), 2)
    assert ctc(lp, np.zeros((1, 0)), [4], [0], reduction="sum") == pytest.approx(
        -lp[:, 0, 0].sum(), rel=1e-13
    )


def test_collapse_merges_repeats_then_drops_blanks():
    assert ctc_collapse([1, 1, 0, 1, 2, 2, 0]) == [1, 1, 2]
    assert ctc_collapse([0, 0, 0]) == []
    assert ctc_collapse([2, 2, 1], blank=2) == [1]
    assert extended_labels([3, 3, 1], blank=0).tolist() == [0, 3, 0, 3, 0, 1, 0]


# ----------------------------------------------------------- laws (hypothesis)
@st.composite
def one_sequence(draw):
    c = draw(st.integers(2, 3))
    s = draw(st.integers(0, 3))
    target = draw(st.lists(st.integers(1, c - 1), min_size=s, max_size=s))
    t = draw(st.integers(1, 5))
    z = np.array(draw(st.lists(st.floats(-3, 3), min_size=t * c, max_size=t * c)))
    return log_softmax(z.reshape(t, c)), target


@settings(max_examples=60, deadline=None)
@given(one_sequence())
def test_loss_is_minus_log_of_the_summed_probability_of_all_alignments(case):
    lp, target = case
    want = brute_force(lp, target)
    got = ctc(lp, target, lp.shape[0], len(target), reduction="sum")
    if math.isinf(want):
        assert got == math.inf
    else:
        assert got == pytest.approx(want, rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(one_sequence())
def test_forward_and_backward_lattices_agree_at_every_frame(case):
    lp, target = case
    la, lb, ll = ctc_forward_backward(lp, target)
    if not np.isfinite(ll):
        return
    ext = extended_labels(target)
    per_frame = np.logaddexp.reduce(la + lb - lp[:, ext], axis=1)
    np.testing.assert_allclose(per_frame, ll, rtol=1e-10, atol=1e-10)


def test_mean_divides_each_loss_by_its_target_length_clamped_at_one():
    _, lp, tg, il, _ = batch()
    tl = np.array([3, 0, 4])
    per = ctc(lp, tg, il, tl, reduction="none")
    assert ctc(lp, tg, il, tl) == pytest.approx(np.mean(per / np.array([3, 1, 4])), rel=1e-14)
    assert ctc(lp, tg, il, tl, reduction="sum") == pytest.approx(per.sum(), rel=1e-14)


def test_padded_and_concatenated_targets_agree():
    _, lp, tg, il, tl = batch()
    flat = np.concatenate([tg[n, : tl[n]] for n in range(3)])
    np.testing.assert_array_equal(
        ctc(lp, tg, il, tl, reduction="none"), ctc(lp, flat, il, tl, reduction="none")
    )


def test_frames_beyond_input_length_are_ignored_and_get_zero_gradient():
    _, lp, tg, il, tl = batch()
    lp2 = lp.copy()
    lp2[6, 1] = -50.0  # sample 1 uses only 6 frames
    assert ctc(lp, tg, il, tl) == ctc(lp2, tg, il, tl)
    assert np.all(ctc.grad(lp, tg, il, tl)[6, 1] == 0.0)


def test_gradient_matches_finite_differences_on_unnormalised_log_probs():
    z, _, tg, il, tl = batch()
    for reduction in ("mean", "sum", "none"):
        assert check_grad(ctc, z, tg, il, tl, reduction=reduction) < 1e-7


def test_value_and_grad_is_value_then_grad():
    _, lp, tg, il, tl = batch()
    v, g = ctc.value_and_grad(lp, tg, il, tl, blank=0)
    assert v == ctc(lp, tg, il, tl)
    np.testing.assert_array_equal(g, ctc.grad(lp, tg, il, tl))


def test_log_space_survives_probabilities_that_underflow():
    # 2000 frames at probability 1/C: the best path's probability e^-2197 is 0 in float64
    t, c = 2000, 3
    lp = np.full((t, 1, c), -math.log(c))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = ctc(lp, [[1, 2]], [t], [2], reduction="sum")
    assert np.exp(-value) == 0.0
    # every path has probability c^-t; count the valid ones exactly with integers
    assert value == pytest.approx(t * math.log(c) - math.log(_count_paths(t, 2)), rel=1e-12)


def _count_paths(t, s):
    """Number of length-t paths collapsing to s distinct, non-repeating labels (DP on ints)."""
    states = 2 * s + 1
    a = [0] * states
    a[0] = a[1] = 1
    for _ in range(1, t):
        b = [0] * states
        for j in range(states):
            b[j] = a[j] + (a[j - 1] if j >= 1 else 0) + (a[j - 2] if j >= 2 and j % 2 else 0)
        a = b
    return a[-1] + a[-2]


# ------------------------------------------------------------- zero_infinity
def test_infeasible_target_is_infinite_and_its_gradient_raises():
    lp = log_softmax(np.zeros((2, 1, 3)), 2)
    assert ctc(lp, [[1, 1]], [2], [2]) == math.inf
    with pytest.raises(ValueError, match=r"sample\(s\) \[0\] is infinite.*zero_infinity=True"):
        ctc.grad(lp, [[1, 1]], [2], [2])


def test_zero_infinity_zeroes_the_loss_and_its_gradient_only():
    _, lp, tg, il, tl = batch()
    il = np.array([7, 2, 7])  # "33" cannot fit in 2 frames
    per = ctc(lp, tg, il, tl, reduction="none", zero_infinity=True)
    assert per[1] == 0.0 and np.all(per[[0, 2]] > 0)
    g = ctc.grad(lp, tg, il, tl, zero_infinity=True)
    assert np.all(g[:, 1] == 0.0) and np.any(g[:, 0] != 0.0)
    assert ctc(lp, tg, il, tl, zero_infinity=True) == pytest.approx(
        (per[0] / 3 + per[2] / 4) / 3, rel=1e-14
    )


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"log_probs": np.zeros((3, 1, 1, 2))},
            ValueError,
            r"log_probs must have shape \(T, N, C\)",
        ),
        ({"targets": [[1, 0]]}, ValueError, r"other than blank = 0; got \[0\]"),
        ({"targets": [[1, 5]]}, ValueError, r"class indices in \[0, 2\]"),
        ({"targets": [[1, 1.5]]}, ValueError, r"targets must hold integers"),
        ({"input_lengths": [4]}, ValueError, r"input_lengths must lie in \[1, T = 3\]"),
        ({"input_lengths": [3, 3]}, ValueError, r"input_lengths must hold N = 1 lengths"),
        ({"target_lengths": [3]}, ValueError, r"target_lengths must be <= the padded target"),
        ({"target_lengths": [-1]}, ValueError, r"target_lengths must be >= 0"),
        ({"targets": [1, 2, 1]}, ValueError, r"sum\(target_lengths\) = 2 labels, got 3"),
        ({"blank": 3}, ValueError, r"^blank must be an integer in \[0, 2\], got 3$"),
        ({"blank": 1.0}, TypeError, r"^blank must be an integer, got 1.0 \(float\)$"),
        ({"zero_infinity": 1}, TypeError, r"^zero_infinity must be True or False, got 1 \(int\)$"),
        ({"reduction": "batchmean"}, ValueError, r"reduction must be one of"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    args = {
        "log_probs": log_softmax(np.zeros((3, 1, 3)), 2),
        "targets": [[1, 2]],
        "input_lengths": [3],
        "target_lengths": [2],
    }
    opts = {}
    for key, value in kwargs.items():
        (args if key in args else opts)[key] = value
    for fn in (ctc, ctc.grad):
        with pytest.raises(error, match=message):
            fn(*args.values(), **opts)


def test_unbatched_input_wants_one_dimensional_targets():
    lp = log_softmax(np.zeros((3, 3)), 1)
    with pytest.raises(ValueError, match=r"targets must be 1-D \(S,\)"):
        ctc(lp, [[1, 2]], 3, 2)
    assert ctc(lp, [1, 2], 3, 2, reduction="none").shape == ()


def test_registry_entry():
    assert losses.REGISTRY["ctc"] is ctc
    assert ctc.task == "sequence modelling" and ctc.inputs == ("log_probs",)
    assert ctc.options == {"blank": 0, "reduction": "mean", "zero_infinity": False}


# ------------------------------------------------------------------- torch
torch = pytest.importorskip("torch")
F = torch.nn.functional


def torch_ctc(lp, tg, il, tl, **kw):
    x = torch.tensor(lp, requires_grad=True)
    value = F.ctc_loss(x, torch.tensor(tg), torch.tensor(il), torch.tensor(tl), **kw)
    value.sum().backward()
    return value.detach().numpy(), x.grad.numpy()


def test_signature_matches_torch():
    import inspect

    ours = list(inspect.signature(ctc).parameters.items())
    theirs = list(inspect.signature(F.ctc_loss).parameters.items())
    assert [k for k, _ in ours] == [k for k, _ in theirs]
    assert {k: p.default for k, p in ours if p.default is not p.empty} == {
        k: p.default for k, p in theirs if p.default is not p.empty
    }


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("blank", [0, 2])
@pytest.mark.parametrize("concatenated", [False, True])
def test_values_match_torch_and_torch_gradient_is_ours_plus_softmax(reduction, blank, concatenated):
    rng = np.random.default_rng(3)
    t, n, c = 8, 4, 5
    z = rng.normal(size=(t, n, c))
    lp = log_softmax(z, 2)
    others = [k for k in range(c) if k != blank]
    tl = np.array([3, 0, 4, 2])
    tg = rng.choice(others, size=(n, 4))
    tg[3, :2] = others[1]  # a repeated label
    il = np.array([8, 5, 8, 6])
    if concatenated:
        tg = np.concatenate([tg[i, : tl[i]] for i in range(n)])
    v_t, g_t = torch_ctc(lp, tg, il, tl, blank=blank, reduction=reduction)
    ours, g = ctc.value_and_grad(lp, tg, il, tl, blank=blank, reduction=reduction)
    np.testing.assert_allclose(ours, v_t, rtol=1e-12)
    # torch's backward returns y - gamma (the gradient w.r.t. the logits of a log_softmax);
    # ours is the partial derivative w.r.t. the log-probabilities, -gamma
    w = 1.0 / (n * np.maximum(tl, 1)) if reduction == "mean" else np.ones(n)
    used = (np.arange(t)[:, None] < il[None, :])[:, :, None]
    np.testing.assert_allclose(g_t, g + w[None, :, None] * used * np.exp(lp), atol=1e-13)


def test_chain_rule_through_log_softmax_matches_torch_autograd_on_logits():
    z, _, tg, il, tl = batch(seed=5)
    zt = torch.tensor(z, requires_grad=True)
    F.ctc_loss(
        F.log_softmax(zt, 2), torch.tensor(tg), torch.tensor(il), torch.tensor(tl)
    ).backward()
    lp = log_softmax(z, 2)
    g = ctc.grad(lp, tg, il, tl)
    # backward of log_softmax: g - softmax * sum(g)
    dz = g - np.exp(lp) * g.sum(axis=2, keepdims=True)
    np.testing.assert_allclose(dz, zt.grad.numpy(), atol=1e-13)


def test_zero_infinity_matches_torch():
    _, lp, tg, _, tl = batch()
    il = np.array([7, 2, 7])
    for reduction in ("none", "mean"):
        v_t, g_t = torch_ctc(lp, tg, il, tl, reduction=reduction, zero_infinity=True)
        np.testing.assert_allclose(
            ctc(lp, tg, il, tl, reduction=reduction, zero_infinity=True), v_t, rtol=1e-12
        )
        assert np.all(g_t[:, 1] == 0.0)
        assert np.all(ctc.grad(lp, tg, il, tl, reduction=reduction, zero_infinity=True)[:, 1] == 0)


def test_unbatched_matches_torch():
    lp = log_softmax(np.random.default_rng(2).normal(size=(5, 3)), 1)
    v_t = F.ctc_loss(
        torch.tensor(lp), torch.tensor([1, 2]), torch.tensor(5), torch.tensor(2), reduction="none"
    )
    assert float(ctc(lp, [1, 2], 5, 2, reduction="none")) == pytest.approx(float(v_t), rel=1e-12)


def test_forward_backward_wants_one_unbatched_sequence():
    with pytest.raises(ValueError, match=r"log_probs must have shape \(T, C\)"):
        ctc_forward_backward(np.zeros((3, 1, 2)), [1])
    la, lb, ll = ctc_forward_backward(np.log(np.full((3, 3), 1 / 3)), [2], blank=1)
    assert la.shape == lb.shape == (3, 3)
    assert extended_labels([2], blank=1).tolist() == [1, 2, 1]
    # paths of 3 frames collapsing to "2" with blank 1: 6 of the 27
    assert np.exp(ll) == pytest.approx(6 / 27, rel=1e-12)
