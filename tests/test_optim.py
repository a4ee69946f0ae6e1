import math

import numpy as np
import pytest

from lossviz import optim
from lossviz.surface import function_surface, linear_regression_surface


def bowl(p):  # f(x, y) = x^2 + 10 y^2
    return p[0] ** 2 + 10 * p[1] ** 2


def bowl_grad(p):
    return np.array([2 * p[0], 20 * p[1]])


def sq(p):  # f(x) = x^2
    return float(p[0] ** 2)


def sq_grad(p):
    return 2 * p


def test_gradient_descent_matches_hand_computed_steps():
    # x1 = 1 - 0.05 * 2 = 0.9, y1 = 1 - 0.05 * 20 = 0; x2 = 0.9 - 0.05 * 1.8 = 0.81
    p = optim.gradient_descent(bowl, bowl_grad, [1.0, 1.0], lr=0.05, steps=2)
    np.testing.assert_allclose(p.params, [[1.0, 1.0], [0.9, 0.0], [0.81, 0.0]], atol=1e-15)
    np.testing.assert_allclose(p.losses, [11.0, 0.81, 0.6561], rtol=1e-14)
    assert p.steps == 2 and not p.converged and not p.diverged
    assert p.method == "gd" and p.lr == 0.05


def test_momentum_matches_hand_computed_steps():
    # v1 = -0.1*2 = -0.2 -> x1 = 0.8; v2 = 0.9*(-0.2) - 0.1*1.6 = -0.34 -> x2 = 0.46
    # v3 = 0.9*(-0.34) - 0.1*0.92 = -0.398 -> x3 = 0.062
    p = optim.momentum(sq, sq_grad, 1.0, lr=0.1, beta=0.9, steps=3)
    np.testing.assert_allclose(p.params.ravel(), [1.0, 0.8, 0.46, 0.062], atol=1e-14)


def test_momentum_with_beta_zero_is_gradient_descent():
    a = optim.momentum(bowl, bowl_grad, [1.0, -2.0], lr=0.03, beta=0.0, steps=20)
    b = optim.gradient_descent(bowl, bowl_grad, [1.0, -2.0], lr=0.03, steps=20)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-14)


def test_adam_matches_hand_computed_steps():
    # step 1: m = 0.1*2 = 0.2, v = 0.001*4 = 0.004; m_hat = 2, v_hat = 4 -> x1 = 1 - 0.1 = 0.9
    # step 2: g = 1.8; m = 0.9*0.2 + 0.1*1.8 = 0.36; v = 0.999*0.004 + 0.001*3.24 = 0.007236
    #         m_hat = 0.36 / (1 - 0.9**2), v_hat = 0.007236 / (1 - 0.999**2)
    p = optim.adam(sq, sq_grad, 1.0, lr=0.1, steps=2, eps=1e-12)
    m_hat = 0.36 / (1 - 0.81)
    v_hat = 0.007236 / (1 - 0.998001)
    x2 = 0.9 - 0.1 * m_hat / math.sqrt(v_hat)
    np.testing.assert_allclose(p.params.ravel(), [1.0, 0.9, x2], rtol=1e-10)


def test_converges_and_stops_early_when_gradient_is_small():
    p = optim.gradient_descent(bowl, bowl_grad, [1.0, 1.0], lr=0.04, steps=10_000, tol=1e-6)
    assert p.converged and not p.diverged and p.steps < 1000
    assert np.linalg.norm(bowl_grad(p.final)) <= 1e-6
    assert "converged" in p.message
    assert len(p.losses) == len(p.params)


@pytest.mark.parametrize(
    ("lr", "converged", "oscillating", "diverged"),
    [(0.1, True, False, False), (0.4, True, True, False), (0.6, False, True, True)],
)
def test_learning_rate_regimes_on_a_quadratic(lr, converged, oscillating, diverged):
    # f = 2 x^2: x_{t+1} = (1 - 4 lr) x_t: factor 0.6, -0.6 and -1.4
    p = optim.gradient_descent(
        lambda x: 2 * x[0] ** 2, lambda x: 4 * x, 1.0, lr=lr, steps=500, tol=1e-9
    )
    assert (p.converged, p.oscillating, p.diverged) == (converged, oscillating, diverged)
    if diverged:
        assert np.all(np.isfinite(p.params)) and np.all(np.isfinite(p.losses))
        assert "diverged" in p.message and p.steps < 500
        assert np.max(np.abs(p.losses)) <= 1e12


def test_overflowing_gradient_stops_without_numpy_warnings():
    # f = x^4 from x = 10 with lr = 1 explodes super-exponentially until 4 x^3 overflows
    p = optim.gradient_descent(
        lambda x: float(x[0]) ** 4 if abs(x[0]) < 1e70 else math.inf,
        lambda x: 4 * x**3,
        10.0,
        lr=1.0,
        steps=100,
        max_value=1e300,
    )
    assert p.diverged and not p.converged
    assert np.all(np.isfinite(p.params)) and np.all(np.isfinite(p.losses))


def test_python_overflow_error_is_reported_as_divergence():
    p = optim.gradient_descent(
        lambda x: math.exp(x[0]), lambda x: -np.exp(x), 1.0, lr=100.0, steps=50
    )
    assert p.diverged and p.steps < 50


def test_rejects_bad_hyperparameters_and_non_finite_start():
    with pytest.raises(
        ValueError, match=r"lr must be a finite real number in \(0, inf\), got -0.1"
    ):
        optim.gradient_descent(sq, sq_grad, 1.0, lr=-0.1)
    with pytest.raises(TypeError, match=r"lr must be a real number, got '0.1' \(str\)"):
        optim.gradient_descent(sq, sq_grad, 1.0, lr="0.1")
    with pytest.raises(TypeError, match="steps must be an integer, got True"):
        optim.gradient_descent(sq, sq_grad, 1.0, steps=True)
    with pytest.raises(ValueError, match="beta"):
        optim.momentum(sq, sq_grad, 1.0, beta=1.0)
    with pytest.raises(ValueError, match="x0"):
        optim.adam(sq, sq_grad, [np.nan])
    with pytest.raises(TypeError, match="x0 must hold real numbers"):
        optim.adam(sq, sq_grad, ["1.0"])
    with pytest.raises(ValueError, match=r"x0 must be a finite scalar or 1-D array, got shape"):
        optim.gradient_descent(sq, sq_grad, np.ones((2, 2)))
    with pytest.raises(ValueError, match="method must be one of"):
        optim.minimize(sq, sq_grad, 1.0, method="sgd")
    with pytest.raises(ValueError, match=r"f\(x0\) must be finite"):
        optim.gradient_descent(lambda x: math.inf, sq_grad, 1.0)


def test_path_is_frozen():
    p = optim.gradient_descent(sq, sq_grad, 1.0, steps=3)
    with pytest.raises(ValueError):
        p.params[0, 0] = 5.0


def test_linear_model_objective_matches_surface_gradient_and_descends_to_least_squares():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 50)
    y = 1.5 * x - 0.5 + 0.3 * rng.standard_normal(50)
    f, g = optim.model_objective("linear", x, y, loss="mse")
    s = linear_regression_surface(x, y, w=np.array([0.0, 1.0]), b=np.array([-1.0, 0.0]))
    assert f(np.array([1.0, -1.0])) == pytest.approx(s.values[0, 1], rel=1e-12)
    assert tuple(g(np.array([1.0, -1.0]))) == pytest.approx((s.grad_x[0, 1], s.grad_y[0, 1]))
    p = optim.minimize(f, g, [0.0, 0.0], method="momentum", lr=0.05, beta=0.8, steps=2000)
    assert p.converged
    np.testing.assert_allclose(p.final, np.polyfit(x, y, 1), atol=1e-6)


def test_tanh_model_start_sign_picks_one_of_the_two_minima():
    x = np.linspace(-2, 2, 41)
    y = 1.5 * np.tanh(1.0 * x)
    f, g = optim.model_objective("tanh", x, y)
    plus = optim.adam(f, g, [0.5, 0.5], lr=0.05, steps=3000, tol=1e-7)
    minus = optim.adam(f, g, [-0.5, -0.5], lr=0.05, steps=3000, tol=1e-7)
    np.testing.assert_allclose(plus.final, [1.0, 1.5], atol=1e-3)
    np.testing.assert_allclose(minus.final, [-1.0, -1.5], atol=1e-3)


def test_logistic_model_objective_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 2))
    y = (X[:, 0] > 0).astype(float)

    def logistic(z, t, reduction="mean"):
        return float(np.mean(np.logaddexp(0.0, z) - t * z))

    logistic.grad = lambda z, t, reduction="mean": (1 / (1 + np.exp(-z)) - t) / z.size
    f, g = optim.model_objective("logistic", X, y, loss=logistic)
    p, h = np.array([0.3, -0.7]), 1e-6
    fd = [(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(g(p), fd, rtol=1e-6)


def test_surface_objective_interpolates_and_stops_at_the_grid_edge():
    axis = np.linspace(-1, 1, 5)
    s = function_surface(lambda p: 2 * p[0] + 3 * p[1] + 1, axis, axis)  # bilinear: exact
    f, g = optim.surface_objective(s)
    assert f(np.array([0.3, -0.2])) == pytest.approx(2 * 0.3 - 3 * 0.2 + 1)
    np.testing.assert_allclose(g(np.array([0.3, -0.2])), [2.0, 3.0])
    p = optim.gradient_descent(f, g, [0.0, 0.0], lr=0.1, steps=100)
    assert p.diverged and "diverged" in p.message
    assert np.all(np.abs(p.params) <= 1.0)


def test_model_objective_passes_loss_options():
    def scaled(pred, target, reduction="mean", k=1.0):
        return float(np.mean(k * (pred - target) ** 2))

    scaled.grad = lambda pred, target, reduction="mean", k=1.0: 2 * k * (pred - target) / pred.size
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 1.0, 4.0])
    f1, g1 = optim.model_objective("linear", x, y, loss=scaled)
    f3, g3 = optim.model_objective("linear", x, y, loss=scaled, loss_options={"k": 3.0})
    p = np.array([0.5, 0.25])
    assert f3(p) == pytest.approx(3 * f1(p))
    np.testing.assert_allclose(g3(p), 3 * g1(p))


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(optim, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0
