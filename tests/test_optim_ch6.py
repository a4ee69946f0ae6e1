"""Chapter 6 additions to lossviz.optim: soft-thresholding, proximal gradient, AdamW."""

import numpy as np
import pytest

from lossviz import losses, optim


def test_soft_threshold_shrinks_by_tau_and_zeroes_the_small_entries():
    out = optim.soft_threshold([3.0, -0.5, 0.2, -2.0, 1.0], 1.0)
    np.testing.assert_array_equal(out, [2.0, 0.0, 0.0, -1.0, 0.0])
    np.testing.assert_array_equal(optim.soft_threshold([1.5, -1.5], 0.0), [1.5, -1.5])


@pytest.mark.parametrize("seed", range(5))
def test_soft_threshold_is_the_proximal_operator_of_the_l1_norm(seed):
    # prox(v) = argmin_x  tau * |x| + (x - v)^2 / 2, checked by brute force on a grid
    rng = np.random.default_rng(seed)
    v, tau = rng.normal(scale=2.0), rng.uniform(0.1, 2.0)
    grid = np.linspace(-8, 8, 160001)
    brute = grid[np.argmin(tau * np.abs(grid) + 0.5 * (grid - v) ** 2)]
    assert optim.soft_threshold(v, tau) == pytest.approx(brute, abs=2e-4)


def test_soft_threshold_rejects_a_negative_threshold_naming_it():
    with pytest.raises(ValueError, match=r"threshold must be a finite real number in \[0, inf\)"):
        optim.soft_threshold([1.0], -1)
    with pytest.raises(ValueError, match="x must be finite"):
        optim.soft_threshold([np.nan], 1.0)


def lasso_problem(seed=0, n=80, d=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w_true = np.array([2.0, -1.5, 0.0, 0.0, 0.5, 0.0])
    y = X @ w_true + 0.3 * rng.normal(size=n)

    def f(w):
        return 0.5 * float(np.mean((X @ w - y) ** 2))

    def grad(w):
        return X.T @ (X @ w - y) / n

    return X, y, f, grad


def test_proximal_gradient_matches_scikit_learn_lasso_with_exact_zeros():
    sklearn = pytest.importorskip("sklearn.linear_model")
    X, y, f, grad = lasso_problem()
    alpha = 0.2  # sklearn's Lasso minimises ||y - Xw||^2 / (2 n) + alpha ||w||_1
    ref = sklearn.Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100000).fit(X, y)
    path = optim.proximal_gradient(f, grad, np.zeros(6), l1=alpha, lr=0.3, steps=3000)
    np.testing.assert_allclose(path.final, ref.coef_, atol=1e-8)
    assert np.array_equal(path.final == 0.0, ref.coef_ == 0.0)
    assert np.sum(path.final == 0.0) >= 2
    assert path.method == "prox" and path.converged
    # losses record the full objective and decrease monotonically (step <= 1/L)
    np.testing.assert_allclose(path.losses[-1], f(path.final) + alpha * np.abs(path.final).sum())
    assert np.all(np.diff(path.losses) <= 1e-12)


def test_subgradient_descent_on_the_same_objective_leaves_no_exact_zeros():
    X, y, f, grad = lasso_problem()
    alpha = 0.2

    def total_grad(w):
        return grad(w) + losses.l1_penalty.grad(w, lam=alpha)

    path = optim.gradient_descent(f, total_grad, np.full(6, 0.1), lr=0.05, steps=3000)
    assert np.sum(path.final == 0.0) == 0
    prox = optim.proximal_gradient(f, grad, np.zeros(6), l1=alpha, lr=0.3, steps=3000)
    # the subgradient iterate hovers within about lr * alpha of the zeros
    zero = prox.final == 0.0
    assert np.all(np.abs(path.final[zero]) < 0.05 * alpha * 2)


def test_proximal_gradient_with_l1_zero_is_gradient_descent():
    _, _, f, grad = lasso_problem(1)
    a = optim.proximal_gradient(f, grad, np.ones(6), l1=0.0, lr=0.1, steps=50)
    b = optim.gradient_descent(f, grad, np.ones(6), lr=0.1, steps=50)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-13, atol=1e-15)


def test_proximal_gradient_validates_its_options():
    with pytest.raises(ValueError, match=r"l1 must be a finite real number in \[0, inf\)"):
        optim.proximal_gradient(lambda x: 0.0, lambda x: x, [1.0], l1=-0.1)
    with pytest.raises(ValueError, match=r"lr must be a finite real number in \(0, inf\)"):
        optim.proximal_gradient(lambda x: 0.0, lambda x: x, [1.0], l1=0.1, lr=0.0)


# ----------------------------------------------------------------------- AdamW
torch = pytest.importorskip("torch")


def quadratic(seed=2, d=4):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    H = A @ A.T + np.diag([0.1, 1.0, 10.0, 100.0])  # badly scaled curvature
    b = rng.normal(size=d)

    def f(x):
        return 0.5 * float(x @ H @ x) - float(b @ x)

    def grad(x):
        return H @ x - b

    return H, b, f, grad


def torch_path(opt_cls, x0, H, b, steps, **kw):
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    Ht, bt = torch.tensor(H), torch.tensor(b)
    opt = opt_cls([p], **kw)
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * p @ Ht @ p - bt @ p).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("wd", [0.0, 0.01, 0.5])
def test_adamw_matches_torch_adamw_step_by_step(wd):
    H, b, f, grad = quadratic()
    x0 = np.array([1.0, -2.0, 0.5, 3.0])
    ours = optim.adamw(f, grad, x0, lr=0.05, weight_decay=wd, steps=40, tol=0.0)
    ref = torch_path(torch.optim.AdamW, x0, H, b, 40, lr=0.05, weight_decay=wd)
    np.testing.assert_allclose(ours.params, ref, rtol=1e-10, atol=1e-12)
    assert ours.method == "adamw"
    # PyTorch 2.x: Adam(decoupled_weight_decay=True) is AdamW
    ref2 = torch_path(
        torch.optim.Adam, x0, H, b, 40, lr=0.05, weight_decay=wd, decoupled_weight_decay=True
    )
    np.testing.assert_allclose(ref2, ref, rtol=1e-12, atol=1e-14)


def test_adam_on_loss_plus_l2_penalty_matches_torch_adam_weight_decay():
    H, b, f, grad = quadratic()
    x0 = np.array([1.0, -2.0, 0.5, 3.0])
    wd = 0.5

    def f_l2(x):
        return f(x) + losses.l2_penalty(x, lam=wd)

    def grad_l2(x):
        return grad(x) + losses.l2_penalty.grad(x, lam=wd)

    ours = optim.adam(f_l2, grad_l2, x0, lr=0.05, steps=40, tol=0.0)
    ref = torch_path(torch.optim.Adam, x0, H, b, 40, lr=0.05, weight_decay=wd)
    np.testing.assert_allclose(ours.params, ref, rtol=1e-10, atol=1e-12)
    # and the two ways of decaying the weights give different iterates
    decoupled = optim.adamw(f, grad, x0, lr=0.05, weight_decay=wd, steps=40, tol=0.0)
    assert np.max(np.abs(decoupled.final - ours.final)) > 1e-3


def test_adamw_validates_its_options():
    with pytest.raises(ValueError, match=r"weight_decay must be a finite real number in \[0, "):
        optim.adamw(lambda x: 0.0, lambda x: x, [1.0], weight_decay=-1.0)
    with pytest.raises(ValueError, match=r"beta2 must be a finite real number in \[0, 1\), got 1"):
        optim.adamw(lambda x: 0.0, lambda x: x, [1.0], beta2=1.0)


def test_chapter6_options_of_the_wrong_type_raise_type_error():
    # one policy with the rest of lossviz: a wrong type is a TypeError, a wrong value a ValueError
    with pytest.raises(TypeError, match=r"threshold must be a real number, got '1' \(str\)"):
        optim.soft_threshold([1.0], "1")
    with pytest.raises(TypeError, match="l1 must be a real number, got None"):
        optim.proximal_gradient(lambda x: 0.0, lambda x: x, [1.0], l1=None)
    with pytest.raises(TypeError, match="weight_decay must be a real number, got True"):
        optim.adamw(lambda x: 0.0, lambda x: x, [1.0], weight_decay=True)
