"""Hypothesis property tests of lossviz.losses: laws, reductions and gradients.

Every loss has a strategy in ``CASES`` that draws valid arguments (and random
options); the generic tests below run over the whole catalogue, the law tests
state one law each.
"""

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossviz import losses
from lossviz.losses import check_grad

SETTINGS = settings(max_examples=200, deadline=None)


def reals(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# strategies are cached: building one per draw costs more than drawing from it
@functools.cache
def arr(shape, lo, hi):
    return hnp.arrays(np.float64, shape, elements=reals(lo, hi))


@functools.cache
def signs(shape):
    return hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0]))


@functools.cache
def arr_of(shape, elements, dtype=np.float64):
    return hnp.arrays(dtype, shape, elements=elements)


SHAPES = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)
# residual magnitudes relative to a scale, kept away from 0 and from 1 (the kinks/joins)
AWAY = st.one_of(reals(0.01, 0.98), reals(1.02, 4.0))
COUNTS = st.sampled_from([0.0, 1.0, 2.0, 3.5, 7.0])
LABELS = st.sampled_from([0.0, 1.0]) | reals(0, 1)
RED = st.sampled_from(["none", "sum", "mean"])


def log_softmax(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


# ------------------------------------------------------------------ strategies
@st.composite
def residual_case(draw, option=None, values=(1.0,), unit=1.0):
    """(input, target) whose residuals are at least 1% of ``unit``/option away from kinks."""
    shape = draw(SHAPES)
    x = draw(arr(shape, -5, 5))
    kw = {}
    scale = unit
    if option is not None:
        scale = draw(st.sampled_from(values))
        kw[option] = scale
    mags = draw(arr_of(shape, AWAY)) * scale
    return (x, x - draw(signs(shape)) * mags), kw


@st.composite
def pinball_case(draw):
    (x, y), _ = draw(residual_case())
    return (x, y), {"alpha": draw(reals(0.0, 1.0))}


@st.composite
def poisson_case(draw):
    shape = draw(SHAPES)
    log_input = draw(st.booleans())
    x = draw(arr(shape, -5, 5)) if log_input else draw(arr(shape, 0.1, 8))
    y = draw(arr_of(shape, COUNTS))
    kw = {
        "log_input": log_input,
        "full": draw(st.booleans()),
        "eps": draw(st.sampled_from([1e-8, 0.1])),
    }
    return (x, y), kw


@st.composite
def gaussian_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x, y = draw(arr(shape, -5, 5)), draw(arr(shape, -5, 5))
    var_shape = draw(st.sampled_from(["same", "drop_last", "last_one"]))
    vshape = {"same": shape, "drop_last": shape[:-1], "last_one": (*shape[:-1], 1)}[var_shape]
    var = draw(arr(vshape, 0.05, 4.0))
    return (x, y, var), {"full": draw(st.booleans())}


@st.composite
def prob_case(draw, lo=0.05, hi=0.95):
    shape = draw(SHAPES)
    p = draw(arr(shape, lo, hi))
    y = draw(arr_of(shape, LABELS))
    return shape, p, y


@st.composite
def bce_case(draw):
    shape, p, y = draw(prob_case())
    kw = {}
    if draw(st.booleans()):
        kw["weight"] = draw(arr(shape[-1:], 0.0, 3.0))
    return (p, y), kw


@st.composite
def logits_case(draw, lo=-8, hi=8):
    shape, _, y = draw(prob_case())
    return shape, draw(arr(shape, lo, hi)), y


@st.composite
def bce_logits_case(draw):
    shape, z, y = draw(logits_case())
    kw = {}
    if draw(st.booleans()):
        kw["weight"] = draw(arr(shape[-1:], 0.0, 3.0))
    if draw(st.booleans()):
        kw["pos_weight"] = draw(arr(shape[-1:], 0.0, 3.0))
    return (z, y), kw


@st.composite
def focal_case(draw):
    _, z, y = draw(logits_case(-5, 5))
    alpha = draw(st.sampled_from([-1.0, 0.0, 0.25, 0.5, 1.0]) | reals(0, 1))
    gamma = draw(st.sampled_from([0.0, 1.0, 2.0, 3.0]) | reals(1.0, 4.0))
    return (z, y), {"alpha": alpha, "gamma": gamma}


@st.composite
def class_case(draw, log_probs=False, allow_probs=True):
    """Scores (N, C[, d]) or (C,), index or probability targets, random options."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    layout = draw(st.sampled_from(["NC", "NCd", "C"]))
    shape = {"NC": (n, c), "NCd": (n, c, 2), "C": (c,)}[layout]
    z = draw(arr(shape, -10, 10))
    axis = 0 if layout == "C" else 1
    if log_probs:
        z = log_softmax(z, axis)
    kw = {}
    if draw(st.booleans()):
        kw["weight"] = draw(arr((c,), 0.1, 3.0))
    if allow_probs and draw(st.booleans()):
        q = draw(arr(shape, 0.0, 1.0)) + 1e-3
        q = q / q.sum(axis=axis, keepdims=True)
        kw["label_smoothing"] = draw(reals(0.0, 1.0))
        return (z, q), kw
    t_shape = {"NC": (n,), "NCd": (n, 2), "C": ()}[layout]
    t = draw(arr_of(t_shape, st.integers(-1, c - 1), np.int64))
    t = np.where(t < 0, -100, t)
    t.flat[0] = max(int(t.flat[0]), 0)  # at least one target counts, so the mean exists
    if allow_probs:
        kw["label_smoothing"] = draw(st.sampled_from([0.0]) | reals(0.0, 1.0))
    return (z, t), kw


@st.composite
def kl_case(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    q = draw(arr((n, c), 0.01, 1.0))
    p = draw(arr((n, c), 0.0, 1.0))
    log_target = draw(st.booleans())
    p = p + 1e-3 if log_target else p  # log-targets need p > 0; plain targets may hold 0
    p[:, 0] += 0.01
    q, p = q / q.sum(1, keepdims=True), p / p.sum(1, keepdims=True)
    return (np.log(q), np.log(p) if log_target else p), {"log_target": log_target}


@st.composite
def signed_case(draw, lo=-4, hi=4):
    shape = draw(SHAPES)
    return draw(arr(shape, lo, hi)), draw(signs(shape))


@st.composite
def hinge_case(draw):
    shape = draw(SHAPES)
    y = draw(signs(shape))
    # y z = 1 + s m with |s m| >= 0.01: away from the kink y z = 1
    yz = 1.0 + draw(signs(shape)) * draw(arr_of(shape, AWAY))
    return (y * yz, y), {}


@st.composite
def soft_margin_case(draw):
    return draw(signed_case(-10, 10)), {}


@st.composite
def multi_margin_case(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    batched = draw(st.booleans())
    x = draw(arr((n, c) if batched else (c,), -3, 3))
    t = draw(arr_of((n,) if batched else (), st.integers(0, c - 1), np.int64))
    kw = {"p": draw(st.sampled_from([1, 2])), "margin": draw(reals(0.1, 2.0))}
    if draw(st.booleans()):
        kw["weight"] = draw(arr((c,), 0.0, 3.0))
    return (x, t), kw


@st.composite
def hinge_embedding_case(draw):
    shape = draw(SHAPES)
    return (draw(arr(shape, 0, 4)), draw(signs(shape))), {"margin": draw(reals(0.1, 3.0))}


@st.composite
def mask_case(draw):
    shape = draw(SHAPES)
    p = draw(arr(shape, 0.01, 0.99))  # inside (0, 1) so finite differences stay valid
    y = draw(arr_of(shape, LABELS))
    # one sure foreground pixel: the overlap (and every denominator) is >= 0.5
    y.flat[0], p.flat[0] = 1.0, max(p.flat[0], 0.5)
    return shape, p, y


@st.composite
def dice_case(draw):
    _, p, y = draw(mask_case())
    return (p, y), {
        "smooth": draw(st.sampled_from([0.0, 1.0]) | reals(0, 2)),
        "eps": draw(st.sampled_from([1e-7, 1e-3])),
    }


@st.composite
def tversky_case(draw):
    _, p, y = draw(mask_case())
    return (p, y), {
        "alpha": draw(reals(0, 1)),
        "beta": draw(reals(0, 1)),
        "eps": draw(st.sampled_from([1e-7, 1e-3])),
    }


@st.composite
def ranking_case(draw):
    shape = draw(SHAPES)
    x1 = draw(arr(shape, -4, 4))
    x2 = x1 + draw(signs(shape)) * draw(arr_of(shape, AWAY))  # x1 - x2 away from 0
    return (x1, x2, draw(signs(shape))), {"margin": draw(reals(0.0, 2.0))}


@st.composite
def pairs_case(draw, k):
    """k embeddings of one shape, (n, d) or (d,), each row of norm >= 0.5."""
    n, d = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    shape = (n, d) if draw(st.booleans()) else (d,)
    out = []
    for _ in range(k):
        x = draw(arr(shape, -4, 4))
        small = np.linalg.norm(x, axis=-1, keepdims=True) < 0.5
        out.append(np.where(small, x + 1.0, x))  # all |x_i| < 0.5 there, so x + 1 > 0.5
    return shape, out


@st.composite
def cosine_case(draw):
    shape, (x1, x2) = draw(pairs_case(2))
    return (x1, x2, draw(signs(shape[:-1]))), {"margin": draw(reals(-1.0, 1.0))}


@st.composite
def triplet_case(draw):
    shape, (a,) = draw(pairs_case(1))
    # positive and negative differ from the anchor in every coordinate by >= 0.01
    p = a + draw(signs(shape)) * draw(arr_of(shape, AWAY))
    n = a + draw(signs(shape)) * draw(arr_of(shape, AWAY))
    return (a, p, n), {
        "margin": draw(reals(0.1, 2.0)),
        "p": draw(st.sampled_from([1.0, 1.5, 2.0, 3.0])),
        "eps": draw(st.sampled_from([0.0, 1e-6])),
    }


@st.composite
def td_case(draw):
    n, a = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    q, nq = draw(arr((n, a), -5, 5)), draw(arr((n, a), -5, 5))
    actions = draw(arr_of((n,), st.integers(0, a - 1), np.int64))
    rewards = draw(arr((n,), -2, 2))
    dones = draw(arr_of((n,), st.booleans(), np.bool_))
    kw = {
        "gamma": draw(reals(0, 1)),
        "kind": draw(st.sampled_from(["mse", "huber"])),
        "delta": draw(st.sampled_from([0.5, 1.0, 2.0])),
    }
    return (q, actions, rewards, nq, dones), kw


@st.composite
def ctc_case(draw):
    """Feasible CTC batches with one target length S for all samples (so the mean is sum/(N S))."""
    n_classes, n, s = draw(st.integers(2, 4)), draw(st.integers(1, 2)), draw(st.integers(0, 2))
    blank = draw(st.integers(0, n_classes - 1))
    others = [k for k in range(n_classes) if k != blank]
    labels = draw(arr_of((n, s), st.sampled_from(others), np.int64))
    need = max([s + int(np.sum(row[1:] == row[:-1])) for row in labels] + [1])
    t = need + draw(st.integers(0, 4 - min(need, 4)))
    input_lengths = draw(arr_of((n,), st.integers(need, t), np.int64))
    log_probs = log_softmax(draw(arr((t, n, n_classes), -3, 3)), axis=2)
    targets = labels if draw(st.booleans()) else labels.reshape(-1)
    kw = {"blank": blank, "zero_infinity": draw(st.booleans())}
    return (log_probs, targets, input_lengths, np.full(n, s)), kw


def _elements(args, kw):
    return args[0].size


def _ctc_count(args, kw):
    return args[0].shape[1] * max(int(args[3][0]), 1)


def _rows(args, kw):
    return 1 if args[0].ndim == 1 else args[0].shape[0]


def _class_count(args, kw):
    z, t = args
    if np.shape(t) == z.shape:  # probabilities: number of samples
        return z.size // (z.shape[0] if z.ndim == 1 else z.shape[1])
    w = kw.get("weight", np.ones(z.shape[0] if z.ndim == 1 else z.shape[1]))
    valid = t[t != -100]
    return float(np.sum(w[valid]))


@st.composite
def contrastive_case(draw):
    shape, (x1, x2) = draw(pairs_case(2))
    return (x1, x2, draw(signs(shape[:-1]))), {"margin": draw(reals(0.1, 3.0))}


@st.composite
def info_nce_case(draw):
    n, d, extra = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 2))
    symmetric = draw(st.booleans())
    # every entry at least 0.5 from zero, so rows are far from the kink of the
    # normalisation at length 0
    q = draw(arr((n, d), -2, 2))
    q = np.where(q >= 0, q + 0.5, q - 0.5)
    k = draw(arr((n + (0 if symmetric else extra), d), -2, 2))
    k = np.where(k >= 0, k + 0.5, k - 0.5)
    return (q, k), {
        "temperature": draw(reals(0.1, 2.0)),
        "symmetric": symmetric,
        "normalize": draw(st.booleans()),
    }


@st.composite
def lists_case(draw, option=None):
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    kw = {option: draw(reals(0.3, 5.0))} if option else {}
    return (draw(arr((n, m), -6, 6)), draw(arr((n, m), -6, 6))), kw


@st.composite
def preference_case(draw, n_args=2, option=None, lo=-6.0, hi=6.0):
    shape = draw(SHAPES)
    kw = {}
    if option == "margin":
        kw = {"margin": draw(reals(-2.0, 2.0))}
    elif option == "beta":
        kw = {"beta": draw(reals(0.01, 5.0))}
    return tuple(draw(arr(shape, lo, hi)) for _ in range(n_args)), kw


@st.composite
def box_case(draw):
    """(input, target) boxes (n, 4) or (4,) from a seeded generator: no ties between edges."""
    n = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    xy = rng.uniform(-2, 2, size=(2, n, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(0.3, 3.0, size=(2, n, 2))], axis=2)
    p, g = boxes
    if draw(st.booleans()):
        p, g = p[0], g[0]
    return (p, g), {"eps": draw(st.sampled_from([1e-7, 0.0]))}


@st.composite
def penalty_case(draw):
    shape = draw(SHAPES)
    theta = draw(signs(shape)) * draw(arr_of(shape, AWAY))  # |theta| >= 0.01: off the kink
    return (theta,), {"lam": draw(reals(0.0, 3.0))}


@st.composite
def task_case(draw):
    shape = draw(SHAPES)
    return (draw(arr(shape, 0.01, 20.0)), draw(arr(shape, -3.0, 3.0))), {}


def _boxes_count(args, kw):
    return args[0].size // 4


# name -> (strategy of (args, kwargs), divisor of the mean)
CASES = {
    "mse": (residual_case(), _elements),
    "l1": (residual_case(), _elements),
    "huber": (residual_case("delta", (0.5, 1.0, 2.0)), _elements),
    "smooth_l1": (residual_case("beta", (0.5, 1.0, 2.0)), _elements),
    "log_cosh": (residual_case(), _elements),
    "pinball": (pinball_case(), _elements),
    "poisson_nll": (poisson_case(), _elements),
    "gaussian_nll": (gaussian_case(), _elements),
    "kl_div": (kl_case(), _elements),
    "bce": (bce_case(), _elements),
    "bce_with_logits": (bce_logits_case(), _elements),
    "cross_entropy": (class_case(), _class_count),
    "nll": (class_case(log_probs=True, allow_probs=False), _class_count),
    "sigmoid_focal": (focal_case(), _elements),
    "hinge": (hinge_case(), _elements),
    "squared_hinge": (hinge_case(), _elements),
    "soft_margin": (soft_margin_case(), _elements),
    "multi_margin": (multi_margin_case(), _rows),
    "hinge_embedding": (hinge_embedding_case(), _elements),
    "dice": (dice_case(), None),
    "tversky": (tversky_case(), None),
    "margin_ranking": (ranking_case(), _elements),
    "cosine_embedding": (cosine_case(), _rows),
    "triplet_margin": (triplet_case(), _rows),
    "bellman_td": (td_case(), _rows),
    "ctc": (ctc_case(), _ctc_count),
    "contrastive": (contrastive_case(), _rows),
    "info_nce": (info_nce_case(), _rows),
    "distillation": (lists_case("temperature"), _rows),
    "bpr": (preference_case(), _elements),
    "listnet": (lists_case(), _rows),
    "bradley_terry": (preference_case(option="margin"), _elements),
    "dpo": (preference_case(4, "beta", -30.0, 0.0), _elements),
    "iou": (box_case(), _boxes_count),
    "giou": (box_case(), _boxes_count),
    "diou": (box_case(), _boxes_count),
    "ciou": (box_case(), _boxes_count),
    "l1_penalty": (penalty_case(), _elements),
    "l2_penalty": (penalty_case(), _elements),
    "uncertainty_weighted": (task_case(), _elements),
}
WHOLE_TENSOR = {"dice", "tversky"}


# generative-model objectives (chapter 9)
@st.composite
def gaussian_kl_case(draw):
    shape = draw(SHAPES)
    kw = {}
    if draw(st.booleans()):
        kw = {
            "prior_mu": draw(arr(shape[-1:], -2, 2)),
            "prior_logvar": draw(arr(shape[-1:], -2, 2)),
        }
    return (draw(arr(shape, -3, 3)), draw(arr(shape, -3, 3))), kw


@st.composite
def neg_elbo_case(draw):
    n, d, k = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    kw = {
        "likelihood": draw(st.sampled_from(["bernoulli", "gaussian"])),
        "beta": draw(reals(0, 3)),
        "recon_var": draw(reals(0.3, 3)),
    }
    return (
        draw(arr((n, d), -5, 5)),
        draw(arr((n, d), 0, 1)),
        draw(arr((n, k), -3, 3)),
        draw(arr((n, k), -3, 3)),
    ), kw


@st.composite
def gan_case(draw):
    shape = draw(SHAPES)
    kw = {"side": draw(st.sampled_from(["discriminator", "generator"]))}
    return (draw(arr(shape, -6, 6)), draw(arr(shape, -6, 6))), kw


CASES.update(
    {
        "gaussian_kl": (gaussian_kl_case(), _elements),
        "neg_elbo": (neg_elbo_case(), _rows),
        "gan_minimax": (gan_case(), _elements),
        "gan_non_saturating": (gan_case(), _elements),
        "wasserstein_critic": (gan_case(), _elements),
        "gan_hinge": (gan_case(), _elements),
    }
)


def test_every_loss_has_a_property_case():
    assert sorted(CASES) == sorted(loss.name for loss in losses.catalogue())


# ------------------------------------------------------- kink distance (for FD)
def kink_distance(name, args, kw):
    """Smallest distance of the arguments to a kink of the loss (inf if smooth)."""
    if name in ("l1", "pinball") or (name == "smooth_l1" and kw.get("beta") == 0):
        return np.min(np.abs(args[0] - args[1]))
    if name in ("huber", "smooth_l1"):
        d = np.abs(args[0] - args[1])
        s = kw.get("delta", kw.get("beta"))
        return min(np.min(np.abs(d - s)), np.inf)
    if name == "hinge":
        return np.min(np.abs(1 - args[0] * args[1]))
    if name == "hinge_embedding":
        x, y = args
        neg = y == -1
        return np.min(np.abs(kw["margin"] - x[neg])) if neg.any() else np.inf
    if name == "multi_margin":
        x, t = args
        xb, tb = np.atleast_2d(x), np.atleast_1d(t)
        z = kw["margin"] - xb[np.arange(len(tb)), tb][:, None] + xb
        z[np.arange(len(tb)), tb] = np.inf
        return np.min(np.abs(z))
    if name == "margin_ranking":
        x1, x2, y = args
        return np.min(np.abs(-y * (x1 - x2) + kw["margin"]))
    if name == "cosine_embedding":
        x1, x2, y = args
        n1, n2 = np.linalg.norm(x1, axis=-1), np.linalg.norm(x2, axis=-1)
        if np.min(n1) < 0.1 or np.min(n2) < 0.1:
            return 0.0
        cos = np.sum(x1 * x2, axis=-1) / (n1 * n2)
        neg = y == -1
        return np.min(np.abs(cos - kw["margin"])[neg]) if neg.any() else np.inf
    if name == "triplet_margin":
        a, p, n = args
        eps, order = kw["eps"], kw["p"]
        v1, v2 = a - p + eps, a - n + eps
        d1 = np.sum(np.abs(v1) ** order, axis=-1) ** (1 / order)
        d2 = np.sum(np.abs(v2) ** order, axis=-1) ** (1 / order)
        near_zero = min(np.min(np.abs(v1)), np.min(np.abs(v2))) * 10  # |v|^(p-1) is stiff at 0
        return min(np.min(np.abs(d1 - d2 + kw["margin"])), near_zero)
    if name == "info_nce" and kw["normalize"]:
        return min(np.min(np.linalg.norm(a, axis=-1)) for a in args)
    if name == "contrastive":
        x1, x2, y = args
        d = np.atleast_1d(np.linalg.norm(x1 - x2, axis=-1))
        neg = np.atleast_1d(y) == -1
        return min(np.min(np.abs(d - kw["margin"])[neg]), np.min(d[neg])) if neg.any() else np.inf
    if name == "bellman_td" and kw["kind"] == "huber":
        q, a, r, nq, d = args
        td = q[np.arange(len(a)), a] - (r + kw["gamma"] * (1 - d) * nq.max(axis=1))
        return np.min(np.abs(np.abs(td) - kw["delta"]))
    if name in ("iou", "giou", "diou", "ciou"):  # max/min ties and the edge of the overlap
        p, g = np.atleast_2d(args[0]), np.atleast_2d(args[1])
        iw = np.minimum(p[:, 2], g[:, 2]) - np.maximum(p[:, 0], g[:, 0])
        ih = np.minimum(p[:, 3], g[:, 3]) - np.maximum(p[:, 1], g[:, 1])
        return min(np.min(np.abs(p - g)), np.min(np.abs(iw)), np.min(np.abs(ih)))
    if name == "l1_penalty":
        return np.min(np.abs(args[0]))

    if name == "gan_hinge" and kw["side"] == "discriminator":
        return min(np.min(np.abs(args[0] - 1)), np.min(np.abs(args[1] + 1)))
    if name in WHOLE_TENSOR:  # stiff when the denominator is tiny
        p, y = args
        tp, fp, fn = np.sum(p * y), np.sum(p * (1 - y)), np.sum((1 - p) * y)
        den = tp + kw.get("alpha", 0.5) * fp + kw.get("beta", 0.5) * fn
        return 1.0 if den > 0.1 else 0.0
    return np.inf


# ----------------------------------------------------------- laws per loss
L = losses
NONNEGATIVE = set(CASES) - {"poisson_nll", "gaussian_nll", "kl_div", "uncertainty_weighted"}
NONNEGATIVE -= {
    "neg_elbo",
    "gan_minimax",
    "gan_non_saturating",
    "wasserstein_critic",
    "gan_hinge",
}  # Gaussian NLL, generator sides and critics can be < 0
close = functools.partial(np.testing.assert_allclose, rtol=1e-10, atol=1e-12)


def law_mse_is_symmetric_and_scales_quadratically(args, kw):
    x, y = args
    assert L.mse(x, y) == L.mse(y, x)
    close(L.mse(3 * x, 3 * y), 9 * L.mse(x, y))


def law_l1_is_symmetric_and_scales_linearly(args, kw):
    x, y = args
    assert L.l1(x, y) == L.l1(y, x)
    close(L.l1(-2 * x, -2 * y), 2 * L.l1(x, y))


def law_huber_scales_quadratically_with_delta_and_is_below_half_mse(args, kw):
    x, y = args
    d = kw["delta"]
    close(L.huber(2 * x, 2 * y, delta=2 * d), 4 * L.huber(x, y, delta=d))
    assert np.all(L.huber(x, y, delta=d, reduction="none") <= 0.5 * (x - y) ** 2 + 1e-12)


def law_smooth_l1_is_huber_over_beta_and_l1_at_beta_zero(args, kw):
    x, y = args
    b = kw["beta"]
    close(L.smooth_l1(x, y, beta=b), L.huber(x, y, delta=b) / b)
    close(L.smooth_l1(x, y, beta=0.0, reduction="none"), np.abs(x - y))


def law_log_cosh_lies_between_abs_minus_log2_and_min_abs_half_square(args, kw):
    x, y = args
    v, a = L.log_cosh(x, y, reduction="none"), np.abs(x - y)
    assert np.all(v >= a - math.log(2) - 1e-12)
    assert np.all(v <= np.minimum(a, a * a / 2) + 1e-12)
    assert L.log_cosh(x, y) == pytest.approx(L.log_cosh(y, x), rel=1e-14)


def law_pinball_mirrors_alpha_and_is_half_l1_at_median(args, kw):
    x, y = args
    a = kw["alpha"]
    close(L.pinball(x, y, alpha=a), L.pinball(-x, -y, alpha=1 - a))
    close(L.pinball(x, y, alpha=0.5), 0.5 * L.l1(x, y))


def law_poisson_log_rate_and_rate_forms_agree_and_minimum_is_at_log_target(args, kw):
    x, y = args
    z = x if kw["log_input"] else np.log(x)
    full = kw["full"]
    close(
        L.poisson_nll(z, y, full=full, reduction="none"),
        L.poisson_nll(np.exp(z), y, log_input=False, full=full, eps=1e-300, reduction="none"),
        rtol=1e-9,
        atol=1e-9,
    )
    pos = y > 0
    if pos.any():
        at_min = L.poisson_nll(np.log(y[pos]), y[pos], reduction="none")
        assert np.all(L.poisson_nll(z[pos], y[pos], reduction="none") >= at_min - 1e-12)


def law_gaussian_nll_is_half_mse_at_unit_variance_and_shifts_by_log_scale(args, kw):
    x, y, var = args
    full = kw["full"]
    const = 0.5 * math.log(2 * math.pi) if full else 0.0
    close(L.gaussian_nll(x, y, np.ones(x.shape), full=full), 0.5 * L.mse(x, y) + const)
    c = 1.7  # residual x c and variance x c^2: the loss grows by log c per element
    close(
        L.gaussian_nll(c * x, c * y, c * c * var, full=full),
        L.gaussian_nll(x, y, var, full=full) + math.log(c),
    )


def law_kl_is_nonnegative_zero_at_equality_and_log_target_agrees(args, kw):
    logq, t = args
    p = np.exp(t) if kw["log_target"] else t
    assert L.kl_div(logq, p, reduction="batchmean") >= -1e-12  # Gibbs' inequality
    assert abs(L.kl_div(np.log(p + (p == 0)), p, reduction="sum")) < 1e-12
    if np.all(p > 0):
        close(
            L.kl_div(logq, np.log(p), log_target=True, reduction="none"),
            L.kl_div(logq, p, reduction="none"),
        )


def law_bce_flips_with_labels_and_equals_bce_on_logits(args, kw):
    p, y = args
    w = kw.get("weight")
    close(L.bce(p, y, weight=w), L.bce(1 - p, 1 - y, weight=w))
    close(L.bce(p, y, weight=w), L.bce_with_logits(np.log(p) - np.log1p(-p), y, weight=w))


def law_bce_with_logits_flips_with_labels_and_pos_weight_one_is_no_weight(args, kw):
    z, y = args
    w = kw.get("weight")
    close(L.bce_with_logits(z, y, weight=w), L.bce_with_logits(-z, 1 - y, weight=w))
    close(
        L.bce_with_logits(z, y, weight=w, pos_weight=np.ones(z.shape[-1:])),
        L.bce_with_logits(z, y, weight=w),
    )


def law_cross_entropy_ignores_logit_shifts_and_one_hot_equals_indices(args, kw):
    z, t = args
    axis = 0 if z.ndim == 1 else 1
    close(L.cross_entropy(z + 7.5, t, **kw), L.cross_entropy(z, t, **kw), rtol=1e-9, atol=1e-9)
    if np.shape(t) != z.shape and "weight" not in kw and np.all(t != -100):
        onehot = np.moveaxis(np.eye(z.shape[axis])[t], -1, axis)
        close(L.cross_entropy(z, onehot, **kw), L.cross_entropy(z, t, **kw), rtol=1e-9, atol=1e-12)


def law_nll_of_log_probabilities_equals_cross_entropy(args, kw):
    logp, t = args
    close(
        L.nll(logp, t, **kw, reduction="none"),
        L.cross_entropy(logp, t, **kw, reduction="none"),
        rtol=1e-9,
        atol=1e-9,
    )


def law_focal_is_below_weighted_bce_flips_with_labels_and_is_bce_at_gamma_zero(args, kw):
    z, y = args
    a, g = kw["alpha"], kw["gamma"]
    focal = L.sigmoid_focal(z, y, alpha=a, gamma=g, reduction="none")
    a_t = a * y + (1 - a) * (1 - y) if a >= 0 else 1.0
    assert np.all(focal <= a_t * L.bce_with_logits(z, y, reduction="none") + 1e-12)
    if a >= 0:
        close(L.sigmoid_focal(-z, 1 - y, alpha=1 - a, gamma=g, reduction="none"), focal)
    close(
        L.sigmoid_focal(z, y, alpha=-1, gamma=0.0, reduction="none"),
        L.bce_with_logits(z, y, reduction="none"),
    )


def law_hinge_bounds_one_minus_margin_and_flips(args, kw):
    z, y = args
    assert np.all(L.hinge(z, y, reduction="none") >= 1 - y * z)
    assert L.hinge(z, y) == L.hinge(-z, -y)


def law_squared_hinge_is_hinge_squared(args, kw):
    z, y = args
    close(L.squared_hinge(z, y, reduction="none"), L.hinge(z, y, reduction="none") ** 2)


def law_soft_margin_is_bce_with_logits_on_zero_one_labels(args, kw):
    z, y = args
    close(
        L.soft_margin(z, y, reduction="none"), L.bce_with_logits(z, (y + 1) / 2, reduction="none")
    )


def law_multi_margin_ignores_score_shifts_and_unit_weights(args, kw):
    x, t = args
    close(L.multi_margin(x - 2.25, t, **kw), L.multi_margin(x, t, **kw), atol=1e-12)
    plain = {k: v for k, v in kw.items() if k != "weight"}
    close(L.multi_margin(x, t, **plain, weight=np.ones(x.shape[-1])), L.multi_margin(x, t, **plain))


def law_hinge_embedding_is_distance_or_margin_hinge(args, kw):
    x, y = args
    m = kw["margin"]
    close(
        L.hinge_embedding(x, y, margin=m, reduction="none"),
        np.where(y == 1, x, np.maximum(0, m - x)),
    )


def law_dice_lies_in_unit_interval_is_symmetric_and_is_tversky_at_half(args, kw):
    p, y = args
    v = L.dice(p, y, **kw)
    assert 0.0 <= v <= 1.0
    close(L.dice(y, p, **kw), v)
    eps = kw["eps"]
    close(L.tversky(p, y, eps=eps), L.dice(p, y, eps=2 * eps))


def law_tversky_lies_in_unit_interval_and_swaps_alpha_beta_with_roles(args, kw):
    p, y = args
    v = L.tversky(p, y, **kw)
    assert 0.0 <= v <= 1.0
    close(L.tversky(y, p, alpha=kw["beta"], beta=kw["alpha"], eps=kw["eps"]), v)


def law_margin_ranking_is_antisymmetric_and_translation_invariant(args, kw):
    x1, x2, y = args
    m = kw["margin"]
    v = L.margin_ranking(x1, x2, y, margin=m, reduction="none")
    close(L.margin_ranking(x2, x1, -y, margin=m, reduction="none"), v)
    close(L.margin_ranking(x1 + 0.5, x2 + 0.5, y, margin=m, reduction="none"), v, atol=1e-12)


def law_cosine_embedding_is_symmetric_and_scale_invariant(args, kw):
    x1, x2, y = args
    m = kw["margin"]
    v = L.cosine_embedding(x1, x2, y, margin=m, reduction="none")
    close(L.cosine_embedding(x2, x1, y, margin=m, reduction="none"), v)
    g1, g2 = L.cosine_embedding.grad(x1, x2, y, margin=m)
    h2, h1 = L.cosine_embedding.grad(x2, x1, y, margin=m)
    close(g1, h1)
    close(g2, h2)
    big = (np.linalg.norm(x1, axis=-1) > 0.1) & (np.linalg.norm(x2, axis=-1) > 0.1)
    scaled = L.cosine_embedding(3 * x1, x2, y, margin=m, reduction="none")
    close(np.asarray(scaled)[big], np.asarray(v)[big], rtol=1e-9, atol=1e-9)


def law_triplet_is_translation_invariant_and_swapped_pair_sums_to_twice_margin(args, kw):
    a, p, n = args
    v = L.triplet_margin(a, p, n, **kw, reduction="none")
    close(
        L.triplet_margin(a + 1.5, p + 1.5, n + 1.5, **kw, reduction="none"), v, rtol=1e-9, atol=1e-9
    )
    swapped = L.triplet_margin(a, n, p, **kw, reduction="none")
    assert np.all(v + swapped >= 2 * kw["margin"] - 1e-12)


def law_td_with_zero_discount_or_terminal_is_regression_on_rewards(args, kw):
    q, a, r, nq, d = args
    picked = q[np.arange(len(a)), a]
    close(L.bellman_td(q, a, r, nq, d, gamma=0.0), L.mse(picked, r))
    close(L.bellman_td(q, a, r, nq, np.ones(len(a), bool), gamma=kw["gamma"]), L.mse(picked, r))
    h = L.bellman_td(
        q, a, r, nq, d, gamma=kw["gamma"], kind="huber", delta=kw["delta"], reduction="none"
    )
    s = L.bellman_td(q, a, r, nq, d, gamma=kw["gamma"], reduction="none")
    assert np.all(h <= 0.5 * s + 1e-12)


def law_ctc_sums_the_probability_of_every_alignment_and_posteriors_sum_to_one(args, kw):
    import itertools

    lp, tg, il, tl = args
    blank = kw["blank"]
    per = L.ctc(*args, **kw, reduction="none")
    rows = tg.reshape(lp.shape[1], -1)
    for n in range(lp.shape[1]):
        want = [int(v) for v in rows[n, : tl[n]]]
        total = 0.0
        for path in itertools.product(range(lp.shape[2]), repeat=int(il[n])):
            collapsed = [
                k for i, k in enumerate(path) if k != blank and (i == 0 or k != path[i - 1])
            ]
            if collapsed == want:
                total += math.exp(sum(lp[t, n, k] for t, k in enumerate(path)))
        assert per[n] == pytest.approx(-math.log(total), rel=1e-10, abs=1e-12)
    occupancy = -L.ctc.grad(*args, **kw, reduction="none").sum(axis=2)
    used = np.arange(lp.shape[0])[:, None] < il[None, :]
    close(occupancy, used.astype(float))


def law_contrastive_is_symmetric_and_translation_invariant(args, kw):
    x1, x2, y = args
    per = L.contrastive(x1, x2, y, **kw, reduction="none")
    close(L.contrastive(x2, x1, y, **kw, reduction="none"), per)
    close(L.contrastive(x1 + 1.5, x2 + 1.5, y, **kw, reduction="none"), per)
    sim = np.atleast_1d(y) == 1
    d = np.atleast_1d(np.linalg.norm(x1 - x2, axis=-1))
    close(np.atleast_1d(per)[sim], 0.5 * d[sim] ** 2)


def law_info_nce_is_below_log_n_plus_two_over_tau_and_ignores_row_order(args, kw):
    q, k = args
    per = L.info_nce(q, k, **kw, reduction="none")
    n, m = q.shape[0], k.shape[0]
    bound = np.log(m) + 2.0 / kw["temperature"] if kw["normalize"] else np.inf
    assert np.all(per <= bound + 1e-9)
    perm = np.arange(n)[::-1]
    keys = np.concatenate([k[:n][perm], k[n:]])
    close(L.info_nce(q[perm], keys, **kw, reduction="none"), per[perm])


def law_distillation_is_zero_at_the_teacher_and_shift_invariant(args, kw):
    z, v = args
    assert L.distillation(v + 2.0, v, **kw) == pytest.approx(0.0, abs=1e-10)
    close(
        L.distillation(z - 3.0, v + 1.0, **kw, reduction="none"),
        L.distillation(z, v, **kw, reduction="none"),
    )


def law_bpr_is_bradley_terry_and_swaps_by_the_gap(args, kw):
    x, y = args
    assert L.bpr(x, y, reduction="sum") == L.bradley_terry(x, y, reduction="sum")
    close(L.bpr(x, y, reduction="none") - L.bpr(y, x, reduction="none"), y - x)


def law_listnet_is_smallest_at_the_grades_and_shift_invariant(args, kw):
    s, y = args
    assert np.all(
        L.listnet(s, y, reduction="none") >= L.listnet(y - 1.0, y, reduction="none") - 1e-9
    )
    close(L.listnet(s + 4.0, y - 2.0, reduction="none"), L.listnet(s, y, reduction="none"))


def law_bradley_terry_margin_shifts_the_chosen_reward(args, kw):
    w, lo = args
    close(
        L.bradley_terry(w, lo, **kw, reduction="none"),
        L.bradley_terry(w - kw["margin"], lo, reduction="none"),
    )


def law_dpo_is_bradley_terry_on_implicit_rewards(args, kw):
    pw, pl, rw, rl = args
    b = kw["beta"]
    close(
        L.dpo(pw, pl, rw, rl, **kw, reduction="none"),
        L.bradley_terry(b * (pw - rw), b * (pl - rl), reduction="none"),
    )


def law_box_losses_are_translation_and_scale_invariant_and_ordered(args, kw):
    p, g = args
    eps = kw["eps"]
    shift = np.array([0.7, -1.3, 0.7, -1.3])
    for loss in (L.iou, L.giou, L.diou, L.ciou):
        v = loss(p, g, eps=0.0, reduction="none")
        close(loss(p + shift, g + shift, eps=0.0, reduction="none"), v, rtol=1e-9, atol=1e-9)
        close(loss(3.0 * p, 3.0 * g, eps=0.0, reduction="none"), v, rtol=1e-9, atol=1e-9)
    iou = L.iou(p, g, eps=eps, reduction="none")
    assert np.all(L.giou(p, g, eps=eps, reduction="none") >= iou - 1e-12)
    assert np.all(L.diou(p, g, eps=eps, reduction="none") >= iou - 1e-12)
    assert np.all(
        L.ciou(p, g, eps=eps, reduction="none") >= L.diou(p, g, eps=eps, reduction="none") - 1e-12
    )
    assert np.all((0 <= iou) & (iou <= 1))


def law_l1_penalty_is_lam_times_the_l1_norm_and_even(args, kw):
    (theta,) = args
    close(L.l1_penalty(theta, **kw), kw["lam"] * np.sum(np.abs(theta)))
    assert L.l1_penalty(-theta, **kw) == L.l1_penalty(theta, **kw)


def law_l2_penalty_is_half_lam_squared_norm_with_gradient_lam_theta(args, kw):
    (theta,) = args
    close(L.l2_penalty(theta, **kw), 0.5 * kw["lam"] * np.sum(theta**2))
    close(L.l2_penalty.grad(theta, **kw), kw["lam"] * theta)


def law_uncertainty_weighted_is_minimised_over_log_vars_at_log_losses(args, kw):
    task, s = args
    pos = task > 1e-3
    if pos.any():
        best = L.uncertainty_weighted(task[pos], np.log(task[pos]), reduction="none")
        assert np.all(L.uncertainty_weighted(task[pos], s[pos], reduction="none") >= best - 1e-12)


LAWS = {
    "mse": law_mse_is_symmetric_and_scales_quadratically,
    "l1": law_l1_is_symmetric_and_scales_linearly,
    "huber": law_huber_scales_quadratically_with_delta_and_is_below_half_mse,
    "smooth_l1": law_smooth_l1_is_huber_over_beta_and_l1_at_beta_zero,
    "log_cosh": law_log_cosh_lies_between_abs_minus_log2_and_min_abs_half_square,
    "pinball": law_pinball_mirrors_alpha_and_is_half_l1_at_median,
    "poisson_nll": law_poisson_log_rate_and_rate_forms_agree_and_minimum_is_at_log_target,
    "gaussian_nll": law_gaussian_nll_is_half_mse_at_unit_variance_and_shifts_by_log_scale,
    "kl_div": law_kl_is_nonnegative_zero_at_equality_and_log_target_agrees,
    "bce": law_bce_flips_with_labels_and_equals_bce_on_logits,
    "bce_with_logits": law_bce_with_logits_flips_with_labels_and_pos_weight_one_is_no_weight,
    "cross_entropy": law_cross_entropy_ignores_logit_shifts_and_one_hot_equals_indices,
    "nll": law_nll_of_log_probabilities_equals_cross_entropy,
    "sigmoid_focal": law_focal_is_below_weighted_bce_flips_with_labels_and_is_bce_at_gamma_zero,
    "hinge": law_hinge_bounds_one_minus_margin_and_flips,
    "squared_hinge": law_squared_hinge_is_hinge_squared,
    "soft_margin": law_soft_margin_is_bce_with_logits_on_zero_one_labels,
    "multi_margin": law_multi_margin_ignores_score_shifts_and_unit_weights,
    "hinge_embedding": law_hinge_embedding_is_distance_or_margin_hinge,
    "dice": law_dice_lies_in_unit_interval_is_symmetric_and_is_tversky_at_half,
    "tversky": law_tversky_lies_in_unit_interval_and_swaps_alpha_beta_with_roles,
    "margin_ranking": law_margin_ranking_is_antisymmetric_and_translation_invariant,
    "cosine_embedding": law_cosine_embedding_is_symmetric_and_scale_invariant,
    "triplet_margin": law_triplet_is_translation_invariant_and_swapped_pair_sums_to_twice_margin,
    "bellman_td": law_td_with_zero_discount_or_terminal_is_regression_on_rewards,
    "ctc": law_ctc_sums_the_probability_of_every_alignment_and_posteriors_sum_to_one,
    "contrastive": law_contrastive_is_symmetric_and_translation_invariant,
    "info_nce": law_info_nce_is_below_log_n_plus_two_over_tau_and_ignores_row_order,
    "distillation": law_distillation_is_zero_at_the_teacher_and_shift_invariant,
    "bpr": law_bpr_is_bradley_terry_and_swaps_by_the_gap,
    "listnet": law_listnet_is_smallest_at_the_grades_and_shift_invariant,
    "bradley_terry": law_bradley_terry_margin_shifts_the_chosen_reward,
    "dpo": law_dpo_is_bradley_terry_on_implicit_rewards,
    "iou": law_box_losses_are_translation_and_scale_invariant_and_ordered,
    "giou": law_box_losses_are_translation_and_scale_invariant_and_ordered,
    "diou": law_box_losses_are_translation_and_scale_invariant_and_ordered,
    "ciou": law_box_losses_are_translation_and_scale_invariant_and_ordered,
    "l1_penalty": law_l1_penalty_is_lam_times_the_l1_norm_and_even,
    "l2_penalty": law_l2_penalty_is_half_lam_squared_norm_with_gradient_lam_theta,
    "uncertainty_weighted": law_uncertainty_weighted_is_minimised_over_log_vars_at_log_losses,
}


def law_gaussian_kl_is_zero_at_equality_and_the_vae_expression_at_the_prior(args, kw):
    mu, lv = args
    assert abs(L.gaussian_kl(mu, lv, prior_mu=mu, prior_logvar=lv, reduction="sum")) < 1e-12
    close(L.gaussian_kl(mu, lv, reduction="sum"), -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv)))
    if kw:  # shifting both means leaves the KL unchanged
        close(
            L.gaussian_kl(
                mu + 1.5,
                lv,
                prior_mu=kw["prior_mu"] + 1.5,
                prior_logvar=kw["prior_logvar"],
                reduction="none",
            ),
            L.gaussian_kl(mu, lv, **kw, reduction="none"),
        )


def law_neg_elbo_is_reconstruction_plus_beta_kl(args, kw):
    z, x, mu, lv = args
    n = z.shape[0]
    if kw["likelihood"] == "bernoulli":
        rec = L.bce_with_logits(z, x, reduction="sum")
    else:
        rec = L.gaussian_nll(z, x, np.full_like(z, kw["recon_var"]), full=True, reduction="sum")
    kl = L.gaussian_kl(mu, lv, reduction="sum")
    close(L.neg_elbo(*args, **kw), (rec + kw["beta"] * kl) / n)


def law_gan_minimax_discriminator_is_bce_and_generator_is_log_one_minus_d(args, kw):
    r, f = args
    close(
        L.gan_minimax(r, f),
        L.bce_with_logits(r, np.ones_like(r)) + L.bce_with_logits(f, np.zeros_like(f)),
    )
    # exp(log(1 - D)) + exp(log D) = 1, with the minimax and non-saturating generators
    mm = L.gan_minimax(r, f, side="generator", reduction="none")
    ns = L.gan_non_saturating(r, f, side="generator", reduction="none")
    close(np.exp(mm) + np.exp(-ns), np.ones_like(f))


def law_gan_non_saturating_generator_is_bce_with_label_real(args, kw):
    r, f = args
    close(L.gan_non_saturating(r, f, side="generator"), L.bce_with_logits(f, np.ones_like(f)))
    close(L.gan_non_saturating(r, f), L.gan_minimax(r, f))


def law_wasserstein_critic_is_antisymmetric_and_gap_of_generator_losses(args, kw):
    r, f = args
    close(L.wasserstein_critic(r, f), -L.wasserstein_critic(f, r))
    g = functools.partial(L.wasserstein_critic, side="generator")
    close(L.wasserstein_critic(r, f), g(r, r) - g(r, f))


def law_gan_hinge_discriminator_is_two_svm_hinges(args, kw):
    r, f = args
    close(
        L.gan_hinge(r, f, reduction="sum"),
        L.hinge(r, np.ones_like(r), reduction="sum")
        + L.hinge(f, -np.ones_like(f), reduction="sum"),
    )


LAWS.update(
    {
        "gaussian_kl": law_gaussian_kl_is_zero_at_equality_and_the_vae_expression_at_the_prior,
        "neg_elbo": law_neg_elbo_is_reconstruction_plus_beta_kl,
        "gan_minimax": law_gan_minimax_discriminator_is_bce_and_generator_is_log_one_minus_d,
        "gan_non_saturating": law_gan_non_saturating_generator_is_bce_with_label_real,
        "wasserstein_critic": law_wasserstein_critic_is_antisymmetric_and_gap_of_generator_losses,
        "gan_hinge": law_gan_hinge_discriminator_is_two_svm_hinges,
    }
)


def test_every_loss_has_a_law():
    assert sorted(LAWS) == sorted(CASES)


# -------------------------------------------------------------- generic laws
def _tup(g):
    return g if isinstance(g, tuple) else (g,)


@pytest.mark.parametrize("name", sorted(CASES))
def test_laws_reductions_and_gradient_hold_for_every_loss(name):
    """For each loss, on the same 200 drawn examples:

    * its own law (``LAWS[name]``: symmetry, scaling, bounds, equivalences);
    * non-negativity where it holds;
    * sum == mean * count (count = the summed weights where the mean is weighted),
      sum(none) == sum, and the same for the gradients;
    * the analytic gradient equals central finite differences wherever the
      arguments are away from a kink.

    One test per loss draws each example once, which keeps the suite fast.
    """
    loss = losses.REGISTRY[name]
    strategy, count = CASES[name]
    names = list(loss.__signature__.parameters)
    fd_checked = []

    @SETTINGS
    @given(strategy, RED)
    def check(case, reduction):
        args, kw = case
        LAWS[name](args, kw)
        if name in NONNEGATIVE:
            red = "mean" if name in WHOLE_TENSOR else "none"
            assert np.all(np.asarray(loss(*args, **kw, reduction=red)) >= 0)
        total = loss(*args, **kw, reduction="sum")
        mean = loss(*args, **kw, reduction="mean")
        g_sum = _tup(loss.grad(*args, **kw, reduction="sum"))
        g_mean = _tup(loss.grad(*args, **kw, reduction="mean"))
        for inp, g in zip(loss.inputs, g_sum, strict=True):
            assert g.shape == np.shape(args[names.index(inp)])
        if name in WHOLE_TENSOR:
            # a single whole-tensor term: its sum and its mean coincide
            assert total == mean
            for a, b in zip(g_sum, g_mean, strict=True):
                np.testing.assert_array_equal(a, b)
            reduction = "mean"
        else:
            n = count(args, kw)
            assert total == pytest.approx(mean * n, rel=1e-12, abs=1e-12)
            per = loss(*args, **kw, reduction="none")
            assert np.sum(per) == pytest.approx(total, rel=1e-12, abs=1e-12)
            g_none = _tup(loss.grad(*args, **kw, reduction="none"))
            for a, b, c in zip(g_sum, g_mean, g_none, strict=True):
                np.testing.assert_allclose(a, b * n, rtol=1e-12, atol=1e-12)
                np.testing.assert_array_equal(a, c)
        if kink_distance(name, args, kw) > 1e-3:
            grads = _tup(loss.grad(*args, **kw, reduction=reduction))
            scale = 1.0 + max(float(np.max(np.abs(g))) for g in grads)
            assert check_grad(loss, *args, **kw, reduction=reduction) <= 1e-5 * scale
            fd_checked.append(True)

    check()
    # the strategies keep most examples away from kinks: the gradient check is not vacuous
    assert len(fd_checked) >= 100


# ------------------------------------------------------------ value_and_grad
@pytest.mark.parametrize("name", [loss.name for loss in losses.catalogue()])
def test_value_and_grad_equals_the_separate_calls_bit_for_bit(name):
    """``value_and_grad`` is the value and the gradient, exactly, for every option set drawn."""
    loss = losses.REGISTRY[name]
    strategy, _ = CASES[name]
    reductions = st.sampled_from(
        ["mean", "sum"] if name in WHOLE_TENSOR else ["none", "mean", "sum"]
    )

    @settings(max_examples=60, deadline=None)
    @given(strategy, reductions)
    def check(case, reduction):
        args, kw = case
        value, grad = loss.value_and_grad(*args, **kw, reduction=reduction)
        assert type(value) is type(loss(*args, **kw, reduction=reduction))
        np.testing.assert_array_equal(value, loss(*args, **kw, reduction=reduction))
        separate = _tup(loss.grad(*args, **kw, reduction=reduction))
        assert len(_tup(grad)) == len(separate)
        for a, b in zip(_tup(grad), separate, strict=True):
            assert type(a) is type(b) and a.shape == b.shape
            assert np.array_equal(a, b)
            assert np.array_equal(np.signbit(a), np.signbit(b))  # even the sign of zeros

    check()
