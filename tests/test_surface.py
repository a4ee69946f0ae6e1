import tracemalloc

import numpy as np
import pytest

from lossviz import losses
from lossviz.surface import (
    direction_surface,
    finite_difference_gradient,
    function_surface,
    linear_regression_surface,
    local_minima,
    logistic_regression_surface,
    resolve_loss,
    tanh_network_surface,
)

RNG = np.random.default_rng(42)
X1 = RNG.uniform(-2, 2, 37)
Y1 = 1.5 * X1 - 0.7 + 0.4 * RNG.standard_normal(37)
W_AX = np.linspace(-1.0, 3.0, 9)
B_AX = np.linspace(-2.0, 1.0, 7)


def direct(loss_fn, pred_fn, w_ax, b_ax):
    """Reference: evaluate the mean loss point by point with a Python loop."""
    out = np.empty((b_ax.size, w_ax.size))
    for i, b in enumerate(b_ax):
        for j, w in enumerate(w_ax):
            out[i, j] = loss_fn(pred_fn(w, b))
    return out


def log_cosh(pred, target, reduction="none"):
    r = pred - target
    return np.logaddexp(r, -r) - np.log(2.0)


def _log_cosh_grad(pred, target, reduction="none"):
    return np.tanh(pred - target)


log_cosh.grad = _log_cosh_grad


def logistic(z, t, reduction="none"):
    return np.logaddexp(0.0, z) - t * z


def _logistic_grad(z, t, reduction="none"):
    return 0.5 * (1.0 + np.tanh(0.5 * z)) - t


logistic.grad = _logistic_grad


# ----------------------------------------------------------------- linear regression


def test_mse_closed_form_matches_direct_evaluation():
    s = linear_regression_surface(X1, Y1, w=W_AX, b=B_AX)
    ref = direct(lambda p: np.mean((p - Y1) ** 2), lambda w, b: w * X1 + b, W_AX, B_AX)
    assert s.method == "closed-form" and s.values.shape == (7, 9)
    np.testing.assert_allclose(s.values, ref, rtol=1e-12, atol=1e-12)


def test_mse_closed_form_minimum_is_the_least_squares_solution():
    w_ls, b_ls = np.polyfit(X1, Y1, 1)
    step = 0.01
    w_ax = w_ls + step * np.arange(-5, 6)
    b_ax = b_ls + step * np.arange(-4, 5)
    s = linear_regression_surface(X1, Y1, w=w_ax, b=b_ax)
    assert s.argmin == pytest.approx((w_ls, b_ls), abs=1e-12)
    assert s.min_value == pytest.approx(np.mean((w_ls * X1 + b_ls - Y1) ** 2), rel=1e-10)
    # the analytic gradient vanishes at the least-squares point (row 4, column 5)
    assert s.gradient_method == "analytic"
    assert abs(s.grad_x[4, 5]) < 1e-10 and abs(s.grad_y[4, 5]) < 1e-10


def test_mse_closed_form_gradient_matches_finite_differences():
    w_ax, b_ax = np.linspace(-1, 3, 401), np.linspace(-2, 1, 301)
    s = linear_regression_surface(X1, Y1, w=w_ax, b=b_ax)
    gx, gy = finite_difference_gradient(s)
    # central differences are exact for a quadratic in the interior
    np.testing.assert_allclose(s.grad_x[1:-1, 1:-1], gx[1:-1, 1:-1], atol=1e-8)
    np.testing.assert_allclose(s.grad_y[1:-1, 1:-1], gy[1:-1, 1:-1], atol=1e-8)


def test_registry_mse_object_also_takes_the_closed_form():
    s = linear_regression_surface(X1, Y1, w=W_AX, b=B_AX, loss=losses.mse)
    assert s.method == "closed-form" and s.loss == "mse"


@pytest.mark.parametrize("max_bytes", [8 * 5, 8 * 37, 8 * 37 * 4, 2**20])
def test_chunked_mse_equals_closed_form_for_any_chunk_size(max_bytes):
    closed = linear_regression_surface(X1, Y1, w=W_AX, b=B_AX)
    chunked = linear_regression_surface(
        X1, Y1, w=W_AX, b=B_AX, closed_form=False, max_bytes=max_bytes
    )
    assert chunked.method == "chunked"
    np.testing.assert_allclose(chunked.values, closed.values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(chunked.grad_x, closed.grad_x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(chunked.grad_y, closed.grad_y, rtol=1e-10, atol=1e-12)


def test_l1_surface_matches_direct_evaluation_and_chunking_does_not_matter():
    ref = direct(lambda p: losses.l1(p, Y1), lambda w, b: w * X1 + b, W_AX, B_AX)
    one = linear_regression_surface(
        X1, Y1, w=W_AX, b=B_AX, loss="l1", max_bytes=2**20, closed_form=False
    )
    many = linear_regression_surface(
        X1, Y1, w=W_AX, b=B_AX, loss="l1", max_bytes=8 * 3, closed_form=False
    )
    assert one.method == many.method == "chunked"
    np.testing.assert_allclose(one.values, ref, rtol=1e-13)
    np.testing.assert_allclose(many.values, ref, rtol=1e-13)
    assert one.loss == "l1" and one.model == "linear regression"
    # analytic l1 gradient: mean of sign(residual) * (x, 1)
    r = 2.0 * X1 + 0.5 - Y1
    j, i = 6, 5  # w = 2.0, b = 0.5 on these axes
    assert (W_AX[j], B_AX[i]) == (2.0, 0.5)
    assert one.grad_x[i, j] == pytest.approx(np.mean(np.sign(r) * X1))
    assert one.grad_y[i, j] == pytest.approx(np.mean(np.sign(r)))


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("l1", None),
        ("huber", None),
        ("huber", {"delta": 0.3}),
        ("smooth_l1", {"beta": 0.5}),
        ("smooth_l1", {"beta": 0.0}),
        ("pinball", {"alpha": 0.9}),
        ("pinball", None),
    ],
)
def test_piecewise_losses_are_exact_by_sorted_prefix_sums(name, options):
    """Values and gradients equal the chunked evaluation of the registry loss itself."""
    x = RNG.standard_normal(500)
    y = 1.5 * x - 0.7 + RNG.standard_t(2, 500)  # heavy tails: every piece is populated
    w_ax, b_ax = np.linspace(-1, 4, 23), np.linspace(-3, 2, 19)
    fast = linear_regression_surface(x, y, w=w_ax, b=b_ax, loss=name, loss_options=options)
    slow = linear_regression_surface(
        x, y, w=w_ax, b=b_ax, loss=name, loss_options=options, closed_form=False
    )
    assert fast.method == "sorted-prefix-sums" and slow.method == "chunked"
    np.testing.assert_allclose(fast.values, slow.values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.grad_x, slow.grad_x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast.grad_y, slow.grad_y, rtol=1e-10, atol=1e-12)


def test_piecewise_surface_memory_does_not_grow_with_the_grid():
    x = RNG.standard_normal(20_000)
    y = x + RNG.standard_normal(20_000)
    tracemalloc.start()
    try:
        linear_regression_surface(
            x, y, w=np.linspace(-1, 1, 101), b=np.linspace(-1, 1, 101), loss="huber"
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20  # a few (n,) arrays, never grid x samples (163 MB here)


def test_custom_loss_with_grad_gives_analytic_gradient_matching_finite_differences():
    w_ax, b_ax = np.linspace(0, 3, 301), np.linspace(-2, 1, 301)
    s = linear_regression_surface(X1, Y1, w=w_ax, b=b_ax, loss=log_cosh)
    assert s.gradient_method == "analytic" and s.loss == "log_cosh"
    gx, gy = finite_difference_gradient(s)
    np.testing.assert_allclose(s.grad_x[1:-1, 1:-1], gx[1:-1, 1:-1], atol=1e-4)
    np.testing.assert_allclose(s.grad_y[1:-1, 1:-1], gy[1:-1, 1:-1], atol=1e-4)


def test_custom_loss_without_grad_falls_back_to_finite_differences():
    def squared(pred, target, reduction="none"):
        return (pred - target) ** 2

    s = linear_regression_surface(X1, Y1, w=W_AX, b=B_AX, loss=squared)
    closed = linear_regression_surface(X1, Y1, w=W_AX, b=B_AX)
    assert s.gradient_method == "finite-difference"
    np.testing.assert_allclose(s.values, closed.values, rtol=1e-12, atol=1e-12)
    gx, gy = finite_difference_gradient(closed)
    np.testing.assert_allclose(s.grad_x, gx, rtol=1e-10, atol=1e-10)


def test_chunked_surface_never_allocates_grid_times_samples():
    x = RNG.standard_normal(20_000)
    y = x + RNG.standard_normal(20_000)
    w_ax = b_ax = np.linspace(-1, 1, 21)
    full_bytes = 21 * 21 * 20_000 * 8  # 70 MB
    tracemalloc.start()
    try:
        linear_regression_surface(
            x, y, w=w_ax, b=b_ax, loss="l1", max_bytes=2**20, closed_form=False
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 * 2**20 < full_bytes / 5


def test_binned_surface_is_exact_when_samples_repeat_and_close_otherwise():
    x = np.repeat([0.0, 1.0, 2.0], 10)
    y = np.repeat([0.5, 1.0, 3.0], 10)
    exact = linear_regression_surface(x, y, w=W_AX, b=B_AX, loss="l1")
    binned = linear_regression_surface(x, y, w=W_AX, b=B_AX, loss="l1", bins=8)
    assert binned.method == "binned"
    np.testing.assert_allclose(binned.values, exact.values, rtol=1e-12)
    x = RNG.uniform(-3, 3, 5000)
    y = 2 * x + RNG.standard_normal(5000)
    exact = linear_regression_surface(x, y, w=W_AX, b=B_AX, loss="l1")
    binned = linear_regression_surface(x, y, w=W_AX, b=B_AX, loss="l1", bins=64)
    err = np.max(np.abs(binned.values - exact.values))
    assert 0 < err < 1e-2 * np.ptp(exact.values)


# ----------------------------------------------------------------- logistic regression


def test_logistic_surface_matches_direct_evaluation_and_analytic_gradient():
    X = RNG.standard_normal((40, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * RNG.standard_normal(40) > 0).astype(float)
    w1, w2 = np.linspace(-2, 4, 7), np.linspace(-3, 3, 5)
    s = logistic_regression_surface(X, y, w1=w1, w2=w2, loss=logistic, max_bytes=8 * 9)
    ref = direct(
        lambda z: np.mean(np.logaddexp(0, z) - y * z),
        lambda a, b: a * X[:, 0] + b * X[:, 1],
        w1,
        w2,
    )
    np.testing.assert_allclose(s.values, ref, rtol=1e-12)
    # gradient of the mean logistic loss: X^T (sigmoid(z) - y) / n
    i, j = 3, 5
    z = X @ np.array([w1[j], w2[i]])
    g = X.T @ (1 / (1 + np.exp(-z)) - y) / 40
    assert (s.grad_x[i, j], s.grad_y[i, j]) == pytest.approx(tuple(g), rel=1e-10)
    assert s.xlabel == "w1" and s.model == "logistic regression"


def test_logistic_binned_never_mixes_labels():
    X = np.repeat([[1.0, 0.0], [0.0, 1.0]], 5, axis=0)
    y = np.array([1.0, 0.0] * 5)  # both labels share every feature cell
    w1 = w2 = np.linspace(-1, 1, 5)
    exact = logistic_regression_surface(X, y, w1=w1, w2=w2, loss=logistic)
    binned = logistic_regression_surface(X, y, w1=w1, w2=w2, loss=logistic, bins=4)
    np.testing.assert_allclose(binned.values, exact.values, rtol=1e-12)


# ----------------------------------------------------------------- tanh network


def test_tanh_network_has_two_symmetric_minima_and_is_point_symmetric():
    x = np.linspace(-2, 2, 41)
    y = 1.5 * np.tanh(1.0 * x)
    axis = np.linspace(-3, 3, 61)  # contains +-1 and +-1.5, symmetric about 0
    s = tanh_network_surface(x, y, w=axis, v=axis)
    np.testing.assert_allclose(s.values, s.values[::-1, ::-1], rtol=1e-12, atol=1e-15)
    two = local_minima(s)[:2]
    assert {(round(a, 6), round(b, 6)) for a, b, _ in two} == {(1.0, 1.5), (-1.0, -1.5)}
    assert all(v == pytest.approx(0.0, abs=1e-20) for _, _, v in two)
    # the origin is higher than both minima: the surface is not convex along the segment
    mid = s.values[30, 30]
    assert mid > 0.5


def test_tanh_network_values_and_gradient_match_direct_evaluation():
    x = RNG.uniform(-2, 2, 25)
    y = np.tanh(2 * x) + 0.1 * RNG.standard_normal(25)
    w_ax, v_ax = np.linspace(-3, 3, 7), np.linspace(-2, 2, 5)
    s = tanh_network_surface(x, y, w=w_ax, v=v_ax, loss="mse", max_bytes=8 * 10)
    ref = direct(lambda p: np.mean((p - y) ** 2), lambda w, v: v * np.tanh(w * x), w_ax, v_ax)
    np.testing.assert_allclose(s.values, ref, rtol=1e-12)
    i, j = 1, 4
    w, v = w_ax[j], v_ax[i]
    r = v * np.tanh(w * x) - y
    dw = np.mean(2 * r * v * x / np.cosh(w * x) ** 2)
    dv = np.mean(2 * r * np.tanh(w * x))
    assert (s.grad_x[i, j], s.grad_y[i, j]) == pytest.approx((dw, dv), rel=1e-10)


# ----------------------------------------------------------------- any function


def test_function_surface_vectorized_equals_pointwise_and_uses_given_grad():
    def f(p):
        return (p[0] - 1) ** 2 + 3 * (p[1] + 0.5) ** 2 + p[0] * p[1]

    def g(p):
        return np.array([2 * (p[0] - 1) + p[1], 6 * (p[1] + 0.5) + p[0]])

    x, y = np.linspace(-2, 2, 11), np.linspace(-1, 1, 5)
    a = function_surface(f, x, y, grad=g)
    b = function_surface(f, x, y, grad=g, vectorized=True)
    np.testing.assert_allclose(a.values, b.values)
    np.testing.assert_allclose(a.grad_x, b.grad_x)
    X, Y = np.meshgrid(x, y)
    np.testing.assert_allclose(a.grad_y, 6 * (Y + 0.5) + X)
    assert a.gradient_method == "analytic"


def test_direction_surface_projects_gradient_on_directions():
    A = np.diag([1.0, 2.0, 3.0])

    def f(p):
        return 0.5 * p @ A @ p

    center = np.array([1.0, -1.0, 0.5])
    d1, d2 = np.array([1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])
    alpha, beta = np.linspace(-1, 1, 5), np.linspace(-1, 1, 3)
    s = direction_surface(f, center, d1, d2, alpha, beta, grad=lambda p: A @ p)
    p = center + alpha[4] * d1 + beta[0] * d2
    assert s.values[0, 4] == pytest.approx(f(p))
    assert s.grad_x[0, 4] == pytest.approx((A @ p) @ d1)
    assert s.grad_y[0, 4] == pytest.approx((A @ p) @ d2)
    assert (s.xlabel, s.ylabel) == ("α", "β")


def test_surface_is_read_only():
    s = linear_regression_surface(X1, Y1, w=W_AX, b=B_AX)
    with pytest.raises(ValueError):
        s.values[0, 0] = 0.0


# ----------------------------------------------------------------- errors


def test_unknown_loss_name_lists_the_registry():
    with pytest.raises(ValueError, match=r"'nope'.*registered: .*'mse'"):
        resolve_loss("nope")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"w": [1.0]}, "w must be a 1-D array of at least 2"),
        ({"b": [1.0, 0.0]}, "b must be finite and strictly increasing"),
        ({"max_bytes": 4}, "max_bytes must be an integer >= 8, got 4"),
        ({"bins": 1, "loss": "l1"}, "bins must be an integer >= 2, got 1"),
    ],
)
def test_linear_surface_rejects_bad_arguments(kwargs, words):
    args = {"w": W_AX, "b": B_AX, **kwargs}
    with pytest.raises(ValueError, match=words):
        linear_regression_surface(X1, Y1, **args)


def test_linear_surface_rejects_mismatched_data():
    with pytest.raises(ValueError, match=r"x and y must have the same shape"):
        linear_regression_surface(X1, Y1[:-1], w=W_AX, b=B_AX)


def test_loss_options_reach_the_loss_and_its_gradient():
    def scaled_abs(pred, target, reduction="none", k=1.0):
        return k * np.abs(pred - target)

    scaled_abs.grad = lambda pred, target, reduction="none", k=1.0: k * np.sign(pred - target)
    one = linear_regression_surface(X1, Y1, w=W_AX, b=B_AX, loss=scaled_abs)
    three = linear_regression_surface(
        X1, Y1, w=W_AX, b=B_AX, loss=scaled_abs, loss_options={"k": 3.0}
    )
    np.testing.assert_allclose(three.values, 3 * one.values)
    np.testing.assert_allclose(three.grad_x, 3 * one.grad_x)
    # options turn the MSE closed form off: a registry loss would reject unknown ones
    with pytest.raises(TypeError):
        linear_regression_surface(X1, Y1, w=W_AX, b=B_AX, loss="mse", loss_options={"k": 1})


def test_docstring_examples_run():
    import doctest

    import lossviz.surface

    result = doctest.testmod(lossviz.surface, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_model_surfaces_share_one_validation_with_type_and_value_errors():
    x = np.array([0.0, 1.0, 2.0])
    axes = {"w": W_AX, "b": B_AX}
    with pytest.raises(TypeError, match="x must hold real numbers, got a boolean array"):
        linear_regression_surface(x > 0, x, **axes)
    with pytest.raises(ValueError, match="y must be finite"):
        tanh_network_surface(x, [0.0, np.nan, 1.0], w=W_AX, v=B_AX)
    with pytest.raises(ValueError, match=r"X and y must have the same length"):
        logistic_regression_surface(np.ones((3, 2)), [0.0, 1.0], w1=W_AX, w2=B_AX)
    with pytest.raises(TypeError, match=r"max_bytes must be an integer, got 1000000.0 \(float\)"):
        linear_regression_surface(x, x, **axes, max_bytes=1e6)
