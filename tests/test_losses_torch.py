"""Values and gradients of lossviz.losses against PyTorch (autograd), across options."""

import numpy as np
import pytest

from lossviz import losses

torch = pytest.importorskip("torch")
F = torch.nn.functional

REDUCTIONS = ("none", "sum", "mean")


def rng(seed=0):
    return np.random.default_rng(seed)


def compare_with_torch(
    loss,
    torch_fn,
    args,
    *,
    kw=None,
    torch_kw=None,
    reductions=REDUCTIONS,
    torch_args=None,
    rtol=1e-10,
    atol=1e-12,
):
    """Compare value and gradient of ``loss(*args, **kw)`` with ``torch_fn``.

    The arguments named in ``loss.inputs`` are differentiable.
    ``torch_args`` optionally overrides the tensors handed to torch (e.g. integer targets).
    """
    kw = kw or {}
    torch_kw = kw if torch_kw is None else torch_kw
    names = list(loss.__signature__.parameters)
    diff = [names.index(n) for n in loss.inputs]
    for reduction in reductions:
        tens = []
        for i, a in enumerate(args if torch_args is None else torch_args):
            if isinstance(a, torch.Tensor):
                tens.append(a)
            else:
                tens.append(
                    torch.tensor(
                        np.asarray(a, dtype=float), dtype=torch.float64, requires_grad=i in diff
                    )
                )
        out = torch_fn(*tens, **torch_kw, reduction=reduction)
        ours = loss(*args, **kw, reduction=reduction)
        np.testing.assert_allclose(
            ours,
            out.detach().numpy(),
            rtol=rtol,
            atol=atol,
            err_msg=f"{loss.name} value, reduction={reduction}",
        )
        out.sum().backward()
        grads = loss.grad(*args, **kw, reduction=reduction)
        if len(diff) == 1:
            grads = (grads,)
        assert len(grads) == len(diff)
        for g, t in zip(grads, [tens[i] for i in diff], strict=True):
            assert g.shape == tuple(t.shape)
            np.testing.assert_allclose(
                g,
                t.grad.numpy(),
                rtol=rtol,
                atol=atol,
                err_msg=f"{loss.name} grad, reduction={reduction}",
            )


# ------------------------------------------------------------------ regression
def test_mse_matches_torch():
    r = rng(1)
    compare_with_torch(losses.mse, F.mse_loss, (r.normal(size=(4, 3)), r.normal(size=(4, 3))))


def test_l1_matches_torch_including_zero_residual():
    r = rng(2)
    x = r.normal(size=(5, 2))
    y = x.copy()
    y[0] += 1.0  # other rows are kinks: residual exactly 0
    compare_with_torch(losses.l1, F.l1_loss, (x, y))


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_matches_torch(delta):
    r = rng(3)
    x = r.normal(scale=2, size=20)
    x[:2] = [delta, -delta]  # the joins
    compare_with_torch(losses.huber, F.huber_loss, (x, np.zeros(20)), kw={"delta": delta})


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 3.0])
def test_smooth_l1_matches_torch(beta):
    r = rng(4)
    x = r.normal(scale=2, size=20)
    x[:3] = [beta, -beta, 0.0]
    compare_with_torch(losses.smooth_l1, F.smooth_l1_loss, (x, np.zeros(20)), kw={"beta": beta})


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.1])
def test_poisson_nll_matches_torch(log_input, full, eps):
    r = rng(5)
    x = r.normal(size=(3, 4)) if log_input else r.uniform(0, 3, size=(3, 4))
    y = r.poisson(2.0, size=(3, 4)).astype(float)
    y[0, :3] = [0.0, 1.0, 1.5]  # the Stirling term is only added where target > 1
    compare_with_torch(
        losses.poisson_nll,
        F.poisson_nll_loss,
        (x, y),
        kw={"log_input": log_input, "full": full, "eps": eps},
    )


@pytest.mark.parametrize(
    "var_shape", ["same", "last_axis_dropped", "last_axis_one", "middle_axis_one"]
)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_matches_torch_for_every_var_shape(var_shape, full):
    r = rng(6)
    x, y = r.normal(size=(4, 3, 2)), r.normal(size=(4, 3, 2))
    shape = {
        "same": (4, 3, 2),
        "last_axis_dropped": (4, 3),
        "last_axis_one": (4, 3, 1),
        "middle_axis_one": (4, 1, 2),
    }[var_shape]
    var = r.uniform(0.1, 2.0, size=shape)
    compare_with_torch(
        losses.gaussian_nll,
        F.gaussian_nll_loss,
        (x, y, var),
        kw={"full": full},
        torch_args=(x, y, var),
    )


def test_gaussian_nll_gradient_below_the_clamp_matches_torch():
    x, y = np.array([0.5, -1.0, 2.0]), np.array([0.0, 0.0, 0.0])
    var = np.array([0.0, 1e-9, 1.0])  # first two are clamped to eps
    compare_with_torch(
        losses.gaussian_nll, F.gaussian_nll_loss, (x, y, var), kw={"eps": 1e-6}, rtol=1e-9
    )


# -------------------------------------------------------------- classification
@pytest.mark.parametrize("with_weight", [False, True])
def test_bce_matches_torch_including_probabilities_0_and_1(with_weight):
    r = rng(7)
    p = r.uniform(0.01, 0.99, size=(4, 3))
    p[0] = [0.0, 1.0, 0.5]  # log clamped at -100; gradient denominator floored at 1e-12
    y = r.integers(0, 2, size=(4, 3)).astype(float)
    y[1] = [0.3, 0.7, 1.0]
    kw = {"weight": r.uniform(0, 2, size=(3,))} if with_weight else {}
    torch_kw = {"weight": torch.tensor(kw["weight"])} if with_weight else {}
    # PyTorch stores its 1e-12 floor as float32 (9.99999996e-13): 4e-9 relative difference
    compare_with_torch(
        losses.bce, F.binary_cross_entropy, (p, y), kw=kw, torch_kw=torch_kw, rtol=1e-8
    )


@pytest.mark.parametrize("with_weight", [False, True])
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_bce_with_logits_matches_torch(with_weight, with_pos_weight):
    r = rng(8)
    z = r.normal(scale=3, size=(5, 3))
    z[0] = [40.0, -40.0, 0.0]
    y = r.integers(0, 2, size=(5, 3)).astype(float)
    y[1] = [0.2, 0.5, 0.9]
    kw, torch_kw = {}, {}
    if with_weight:
        kw["weight"] = r.uniform(0, 2, size=(5, 1))
        torch_kw["weight"] = torch.tensor(kw["weight"])
    if with_pos_weight:
        kw["pos_weight"] = r.uniform(0.5, 3, size=(3,))
        torch_kw["pos_weight"] = torch.tensor(kw["pos_weight"])
    compare_with_torch(
        losses.bce_with_logits, F.binary_cross_entropy_with_logits, (z, y), kw=kw, torch_kw=torch_kw
    )


CE_CASES = [
    # shape, weighted, ignore some, label_smoothing
    ((6, 4), False, False, 0.0),
    ((6, 4), True, False, 0.0),
    ((6, 4), True, True, 0.0),
    ((6, 4), False, True, 0.2),
    ((6, 4), True, True, 0.3),
    ((3, 4, 2, 2), True, True, 0.1),
    ((4,), True, False, 0.25),
]


@pytest.mark.parametrize(("shape", "weighted", "ignore", "ls"), CE_CASES)
def test_cross_entropy_with_class_indices_matches_torch(shape, weighted, ignore, ls):
    r = rng(9)
    z = r.normal(scale=2, size=shape)
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    t_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    t = r.integers(0, n_classes, size=t_shape)
    if ignore:
        t.flat[0] = -100
    kw = {"label_smoothing": ls}
    torch_kw = dict(kw)
    if weighted:
        kw["weight"] = r.uniform(0.2, 2.0, size=n_classes)
        torch_kw["weight"] = torch.tensor(kw["weight"])
    compare_with_torch(
        losses.cross_entropy,
        F.cross_entropy,
        (z, t),
        kw=kw,
        torch_kw=torch_kw,
        torch_args=(z, torch.tensor(t)),
    )


@pytest.mark.parametrize(
    ("shape", "weighted", "ls"),
    [((5, 3), False, 0.0), ((5, 3), True, 0.2), ((2, 3, 4), True, 0.1), ((3,), False, 0.3)],
)
def test_cross_entropy_with_class_probabilities_matches_torch(shape, weighted, ls):
    r = rng(10)
    z = r.normal(scale=2, size=shape)
    axis = 0 if len(shape) == 1 else 1
    q = r.dirichlet(np.ones(shape[axis]), size=int(np.prod(shape)) // shape[axis])
    q = np.moveaxis(
        q.reshape(*[s for i, s in enumerate(shape) if i != axis], shape[axis]), -1, axis
    )
    kw = {"label_smoothing": ls}
    torch_kw = dict(kw)
    if weighted:
        kw["weight"] = r.uniform(0.2, 2.0, size=shape[axis])
        torch_kw["weight"] = torch.tensor(kw["weight"])
    compare_with_torch(losses.cross_entropy, F.cross_entropy, (z, q), kw=kw, torch_kw=torch_kw)


@pytest.mark.parametrize(("weighted", "ignore"), [(False, False), (True, False), (True, True)])
def test_nll_matches_torch(weighted, ignore):
    r = rng(11)
    z = r.normal(size=(6, 4, 3))
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    t = r.integers(0, 4, size=(6, 3))
    if ignore:
        t[0, 0] = 2
    kw = {"ignore_index": 2} if ignore else {}
    torch_kw = dict(kw)
    if weighted:
        kw["weight"] = r.uniform(0.2, 2.0, size=4)
        torch_kw["weight"] = torch.tensor(kw["weight"])
    compare_with_torch(
        losses.nll,
        F.nll_loss,
        (logp, t),
        kw=kw,
        torch_kw=torch_kw,
        torch_args=(logp, torch.tensor(t)),
    )


def torchvision_sigmoid_focal(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, copied formula (torchvision is not installed)."""
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize(
    ("alpha", "gamma"), [(0.25, 2.0), (-1.0, 2.0), (0.5, 0.0), (0.75, 0.5), (0.25, 3.0)]
)
def test_sigmoid_focal_matches_torchvision_formula(alpha, gamma):
    r = rng(12)
    z = r.normal(scale=3, size=(4, 5))
    y = r.integers(0, 2, size=(4, 5)).astype(float)
    y[0] = [0.1, 0.5, 0.9, 1.0, 0.0]
    compare_with_torch(
        losses.sigmoid_focal,
        torchvision_sigmoid_focal,
        (z, y),
        kw={"alpha": alpha, "gamma": gamma},
        rtol=1e-9,
    )


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch_for_every_reduction(log_target):
    r = rng(13)
    q = r.dirichlet(np.ones(4), size=5)
    p = r.dirichlet(np.ones(4), size=5)
    p[0, 0] = 0.0  # 0 log 0 = 0
    p[0] /= p[0].sum()
    target = np.log(r.dirichlet(np.ones(4), size=5)) if log_target else p
    compare_with_torch(
        losses.kl_div,
        F.kl_div,
        (np.log(q), target),
        kw={"log_target": log_target},
        reductions=("none", "sum", "mean", "batchmean"),
    )


# ---------------------------------------------------------------------- margin
def test_soft_margin_matches_torch():
    r = rng(14)
    z = r.normal(scale=3, size=(4, 3))
    y = r.choice([-1.0, 1.0], size=(4, 3))
    compare_with_torch(losses.soft_margin, F.soft_margin_loss, (z, y))


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_multi_margin_matches_torch(p, margin, weighted, batched):
    r = rng(15)
    x = r.normal(size=(6, 4)) if batched else r.normal(size=4)
    t = r.integers(0, 4, size=6) if batched else np.array(2)
    if batched:
        x[0] = [1.0, 0.0, 0.5, -1.0]  # class 0 vs 1 sits exactly on the kink
        t[0] = 0
    kw = {"p": p, "margin": margin}
    torch_kw = dict(kw)
    if weighted:
        kw["weight"] = r.uniform(0.2, 2.0, size=4)
        torch_kw["weight"] = torch.tensor(kw["weight"])
    compare_with_torch(
        losses.multi_margin,
        F.multi_margin_loss,
        (x, t),
        kw=kw,
        torch_kw=torch_kw,
        torch_args=(x, torch.tensor(t)),
    )


@pytest.mark.parametrize("margin", [1.0, 2.0])
def test_hinge_embedding_matches_torch_including_the_kink(margin):
    r = rng(16)
    x = r.uniform(0, 3, size=10)
    x[:2] = margin  # kink for y = -1
    y = r.choice([-1.0, 1.0], size=10)
    y[:2] = -1.0
    compare_with_torch(
        losses.hinge_embedding, F.hinge_embedding_loss, (x, y), kw={"margin": margin}
    )


# ---------------------------------------------------------------------- metric
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_matches_torch_including_the_kink(margin):
    r = rng(17)
    x1, x2 = r.normal(size=12), r.normal(size=12)
    y = r.choice([-1.0, 1.0], size=12)
    # the kink: with y = -1 and x2 = x1 + margin, -y(x1 - x2) + margin = -margin + margin = 0
    x2[0] = x1[0] + margin
    y[0] = -1.0
    compare_with_torch(
        losses.margin_ranking, F.margin_ranking_loss, (x1, x2, y), kw={"margin": margin}
    )


@pytest.mark.parametrize("margin", [0.0, 0.3, -0.5])
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding_matches_torch(margin, batched):
    r = rng(18)
    shape = (8, 5) if batched else (5,)
    x1, x2 = r.normal(size=shape), r.normal(size=shape)
    y = r.choice([-1.0, 1.0], size=shape[:-1])
    compare_with_torch(
        losses.cosine_embedding, F.cosine_embedding_loss, (x1, x2, y), kw={"margin": margin}
    )


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("margin", [1.0, 0.2])
@pytest.mark.parametrize("batched", [True, False])
def test_triplet_margin_matches_torch(p, margin, batched):
    r = rng(19)
    shape = (7, 4) if batched else (4,)
    a, pos, neg = (r.normal(size=shape) for _ in range(3))
    compare_with_torch(
        losses.triplet_margin,
        F.triplet_margin_loss,
        (a, pos, neg),
        kw={"margin": margin, "p": p},
        rtol=1e-9,
    )


def test_triplet_margin_kink_and_zero_difference_match_torch():
    a = np.array([[0.0, 0.0], [1.0, 1.0]])
    pos = np.array([[1.0, 0.0], [1.0, 1.0]])  # second row: a - p = 0 (norm gradient 0)
    neg = np.array([[2.0, 0.0], [5.0, 1.0]])  # first row: 1 - 2 + 1 = 0 (the kink)
    compare_with_torch(losses.triplet_margin, F.triplet_margin_loss, (a, pos, neg), kw={"eps": 0.0})


# -------------------------------------------------------------------------- rl
def torch_td(
    q, actions, rewards, next_q, dones, gamma=0.99, kind="mse", delta=1.0, reduction="mean"
):
    target = rewards + gamma * (1 - dones) * next_q.max(dim=1).values
    pred = q.gather(1, actions.long()[:, None])[:, 0]
    if kind == "mse":
        return F.mse_loss(pred, target.detach(), reduction=reduction)
    return F.huber_loss(pred, target.detach(), delta=delta, reduction=reduction)


@pytest.mark.parametrize(("kind", "delta"), [("mse", 1.0), ("huber", 1.0), ("huber", 0.3)])
@pytest.mark.parametrize("gamma", [0.0, 0.9, 1.0])
def test_bellman_td_matches_torch_gather_then_mse_or_huber(kind, delta, gamma):
    r = rng(20)
    q, next_q = r.normal(size=(9, 3)), r.normal(size=(9, 3))
    actions = r.integers(0, 3, size=9)
    rewards = r.normal(size=9)
    dones = r.integers(0, 2, size=9)
    compare_with_torch(
        losses.bellman_td,
        torch_td,
        (q, actions, rewards, next_q, dones),
        kw={"gamma": gamma, "kind": kind, "delta": delta},
    )


WITH_TORCH_NAME = [
    loss for loss in losses.catalogue() if loss.torch_name and loss.torch_name.startswith("torch.")
]


def test_torch_counterparts_are_named_where_they_exist():
    assert {loss.name for loss in WITH_TORCH_NAME} == {
        "mse",
        "l1",
        "huber",
        "smooth_l1",
        "poisson_nll",
        "gaussian_nll",
        "kl_div",
        "bce",
        "bce_with_logits",
        "cross_entropy",
        "nll",
        "soft_margin",
        "multi_margin",
        "hinge_embedding",
        "margin_ranking",
        "cosine_embedding",
        "triplet_margin",
        "ctc",
    }


@pytest.mark.parametrize("loss", WITH_TORCH_NAME, ids=lambda loss: loss.name)
def test_torch_counterpart_names_exist(loss):
    *module, attr = loss.torch_name.split(".")
    assert module == ["torch", "nn", "functional"]
    assert callable(getattr(F, attr))
