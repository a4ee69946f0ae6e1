"""Values and gradients of lossviz.losses against PyTorch (autograd), across options."""

import numpy as np
import pytest

from lossviz import losses

torch = pytest.importorskip("torch")
F = torch.nn.functional

REDUCTIONS = ("none", "sum", "mean")


def rng(seed=0):
    return np.random.default_rng(seed)


def compare_with_torch(loss, torch_fn, args, *, kw=None, torch_kw=None, reductions=REDUCTIONS,
                       torch_args=None, rtol=1e-10, atol=1e-12):
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
                tens.append(torch.tensor(np.asarray(a, dtype=float), dtype=torch.float64,
                                         requires_grad=i in diff))
        out = torch_fn(*tens, **torch_kw, reduction=reduction)
        ours = loss(*args, **kw, reduction=reduction)
        np.testing.assert_allclose(ours, out.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{loss.name} value, reduction={reduction}")
        out.sum().backward()
        grads = loss.grad(*args, **kw, reduction=reduction)
        if len(diff) == 1:
            grads = (grads,)
        assert len(grads) == len(diff)
        for g, t in zip(grads, [tens[i] for i in diff], strict=True):
            assert g.shape == tuple(t.shape)
            np.testing.assert_allclose(g, t.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"{loss.name} grad, reduction={reduction}")


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
    compare_with_torch(losses.smooth_l1, F.smooth_l1_loss, (x, np.zeros(20)),
                       kw={"beta": beta})


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.1])
def test_poisson_nll_matches_torch(log_input, full, eps):
    r = rng(5)
    x = r.normal(size=(3, 4)) if log_input else r.uniform(0, 3, size=(3, 4))
    y = r.poisson(2.0, size=(3, 4)).astype(float)
    y[0, :3] = [0.0, 1.0, 1.5]  # the Stirling term is only added where target > 1
    compare_with_torch(losses.poisson_nll, F.poisson_nll_loss, (x, y),
                       kw={"log_input": log_input, "full": full, "eps": eps})


@pytest.mark.parametrize("var_shape", ["same", "last_axis_dropped", "last_axis_one",
                                       "middle_axis_one"])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_matches_torch_for_every_var_shape(var_shape, full):
    r = rng(6)
    x, y = r.normal(size=(4, 3, 2)), r.normal(size=(4, 3, 2))
    shape = {"same": (4, 3, 2), "last_axis_dropped": (4, 3), "last_axis_one": (4, 3, 1),
             "middle_axis_one": (4, 1, 2)}[var_shape]
    var = r.uniform(0.1, 2.0, size=shape)
    compare_with_torch(losses.gaussian_nll, F.gaussian_nll_loss, (x, y, var),
                       kw={"full": full}, torch_args=(x, y, var))


def test_gaussian_nll_gradient_below_the_clamp_matches_torch():
    x, y = np.array([0.5, -1.0, 2.0]), np.array([0.0, 0.0, 0.0])
    var = np.array([0.0, 1e-9, 1.0])  # first two are clamped to eps
    compare_with_torch(losses.gaussian_nll, F.gaussian_nll_loss, (x, y, var),
                       kw={"eps": 1e-6}, rtol=1e-9)
