import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from lossviz import optim, plot, style  # noqa: E402
from lossviz.surface import function_surface, linear_regression_surface  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def bowl_surface(n=21):
    axis = np.linspace(-2.0, 2.0, n)
    return function_surface(
        lambda p: (p[0] - 0.4) ** 2 + 4 * (p[1] + 0.8) ** 2,
        axis,
        np.linspace(-1.0, 1.0, n),
        loss="bowl",
        model="toy",
    )


def test_contour_returns_filled_lines_colorbar_and_minimum_marker():
    s = bowl_surface()
    art = plot.contour(s, levels=12)
    ax = art.filled.axes
    assert len(art.filled.levels) >= 10
    np.testing.assert_allclose(art.lines.levels, art.filled.levels)
    assert art.minimum.get_xydata().tolist() == [list(s.argmin)]
    assert art.colorbar.ax.get_ylabel() == "bowl loss"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("parameter x", "parameter y")
    assert "toy" in ax.get_title()


def test_contour_can_skip_parts_and_draw_on_a_given_axes():
    fig, ax = plt.subplots()
    art = plot.contour(bowl_surface(), ax=ax, filled=False, colorbar=False, mark_min=False)
    assert art.filled is None and art.colorbar is None and art.minimum is None
    assert art.lines.axes is ax


def test_contour_log_levels_are_geometric_and_need_positive_values():
    art = plot.contour(bowl_surface(), log=True, levels=7)
    lv = art.filled.levels
    np.testing.assert_allclose(lv[1:] / lv[:-1], lv[1] / lv[0])
    flat = function_surface(lambda p: -1.0 - p[0] ** 2, [0.0, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="positive"):
        plot.contour(flat, log=True)


def test_heatmap_image_holds_the_values_and_updates_in_place():
    s = bowl_surface(11)
    art = plot.heatmap(s, vmin=0.0, vmax=20.0)
    np.testing.assert_array_equal(art.image.get_array(), s.values)
    assert art.image.get_clim() == (0.0, 20.0)
    art.image.set_data(s.values * 0.5)
    np.testing.assert_array_equal(art.image.get_array(), s.values * 0.5)
    x0, x1, y0, y1 = art.image.get_extent()
    assert (x0, x1) == pytest.approx((-2.2, 2.2)) and (y0, y1) == pytest.approx((-1.1, 1.1))


def test_surface3d_needs_a_3d_axes_and_labels_z_with_the_loss():
    s = bowl_surface(9)
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="3-D axes"):
        plot.surface3d(s, ax=ax)
    art = plot.surface3d(s)
    assert art.surface.axes.get_zlabel() == "bowl loss"
    x, y, z = (np.ravel(a) for a in art.minimum.get_data_3d())
    assert (x[0], y[0], z[0]) == pytest.approx((*s.argmin, s.min_value))


def test_arrow_field_has_equal_lengths_downhill_directions_and_magnitude_colours():
    s = linear_regression_surface(
        np.array([0.0, 1.0, 2.0, 3.0]),
        np.array([1.0, 2.0, 2.5, 5.0]),
        w=np.linspace(-1, 3, 41),
        b=np.linspace(-2, 4, 31),
    )
    X, Y, U, V, C = plot.arrow_field(s, every=5)
    gx, gy = s.grad_x[::5, ::5], s.grad_y[::5, ::5]
    np.testing.assert_array_equal(X, s.grid[0][::5, ::5])
    np.testing.assert_allclose(C, np.hypot(gx, gy))
    cell_x = 4.0 / (X.shape[1] - 1)
    cell_y = 6.0 / (X.shape[0] - 1)
    np.testing.assert_allclose(np.hypot(U / cell_x, V / cell_y), 0.8)  # same drawn length
    np.testing.assert_allclose(U * gy - V * gx, 0.0, atol=1e-12)  # parallel to the gradient
    assert np.all(U * gx + V * gy < 0)  # pointing downhill
    U2, V2 = plot.arrow_field(s, every=5, descent=False)[2:4]
    np.testing.assert_allclose(U2, -U)


def test_arrow_field_gives_zero_arrows_where_the_gradient_vanishes():
    s = function_surface(lambda p: 0.0 * p[0], [0.0, 1.0], [0.0, 1.0])
    _, _, U, V, C = plot.arrow_field(s, every=1)
    assert np.all(U == 0) and np.all(V == 0) and np.all(C == 0)


def test_gradient_arrows_quiver_holds_the_field_and_has_a_colorbar():
    s = bowl_surface(30)
    art = plot.gradient_arrows(s, every=3)
    X, Y, U, V, C = plot.arrow_field(s, every=3)
    np.testing.assert_allclose(art.quiver.U, U.ravel())
    np.testing.assert_allclose(art.quiver.V, V.ravel())
    np.testing.assert_allclose(art.quiver.get_array(), C.ravel())
    assert art.colorbar.ax.get_ylabel() == "|gradient| of bowl loss"
    with pytest.raises(ValueError, match="every"):
        plot.gradient_arrows(s, every=0)


def test_descent_path_draws_the_iterates_with_start_and_end_markers():
    s = bowl_surface()
    art_c = plot.contour(s)
    f = lambda p: (p[0] - 0.4) ** 2 + 4 * (p[1] + 0.8) ** 2  # noqa: E731
    g = lambda p: np.array([2 * (p[0] - 0.4), 8 * (p[1] + 0.8)])  # noqa: E731
    path = optim.gradient_descent(f, g, [-1.5, 0.5], lr=0.1, steps=15)
    art = plot.descent_path(path, ax=art_c.filled.axes)
    np.testing.assert_allclose(art.line.get_xydata(), path.params)
    assert art.start.get_xydata().tolist() == [[-1.5, 0.5]]
    np.testing.assert_allclose(art.end.get_xydata(), [path.final])
    assert art.line.get_label() == "gd, lr = 0.1"
    # the second path on the same axes gets a different colour
    art2 = plot.descent_path(path.params[:5], ax=art_c.filled.axes, label="first five")
    assert art2.line.get_color() != art.line.get_color()
    assert art2.line.get_label() == "first five"


def test_descent_path_on_3d_axes_uses_the_losses_as_height():
    s = bowl_surface(9)
    art_s = plot.surface3d(s)
    path = optim.gradient_descent(
        lambda p: float(p @ p), lambda p: 2 * p, [1.0, 0.5], lr=0.2, steps=4
    )
    art = plot.descent_path(path, ax=art_s.surface.axes)
    np.testing.assert_allclose(np.ravel(art.line.get_data_3d()[2]), path.losses)


def test_descent_path_rejects_a_bad_shape():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot.descent_path(np.zeros(5))


def test_loss_vs_residual_draws_values_and_gradients_of_registry_losses():
    r = np.linspace(-2.0, 2.0, 9)
    art = plot.loss_vs_residual(["mse", "l1"], residual=r, grad=True)
    np.testing.assert_allclose(art.values["mse"].get_ydata(), r**2)
    np.testing.assert_allclose(art.values["l1"].get_ydata(), np.abs(r))
    np.testing.assert_allclose(art.grads["mse"].get_ydata(), 2 * r)
    np.testing.assert_allclose(art.grads["l1"].get_ydata(), np.sign(r))
    assert len(art.axes) == 2
    assert art.axes[0].get_xlabel().startswith("residual")
    assert art.axes[1].get_ylabel() == "d loss / d ŷ"
    assert to_hex(art.values["mse"].get_color()) == style.CYCLE[0].lower()
    assert to_hex(art.values["l1"].get_color()) == style.CYCLE[1].lower()


def test_loss_vs_residual_passes_options_per_label():
    def scaled(pred, target, reduction="none", k=1.0):
        return k * np.abs(pred - target)

    r = np.array([-1.0, 0.5])
    art = plot.loss_vs_residual(
        {"three": scaled, "one": scaled}, residual=r, options={"three": {"k": 3.0}}
    )
    np.testing.assert_allclose(art.values["three"].get_ydata(), [3.0, 1.5])
    np.testing.assert_allclose(art.values["one"].get_ydata(), [1.0, 0.5])


def test_loss_vs_residual_checks_the_axes_count_and_grad_availability():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="pair"):
        plot.loss_vs_residual("mse", ax=ax, grad=True)

    def no_grad(pred, target, reduction="none"):
        return (pred - target) ** 2

    with pytest.raises(ValueError, match="no .grad"):
        plot.loss_vs_residual(no_grad, grad=True)


def test_loss_vs_margin_evaluates_at_target_one_and_draws_the_zero_one_step():
    seen = {}

    def hinge(z, t, reduction="none"):
        seen["t"] = t
        return np.maximum(0.0, 1.0 - t * z)

    m = np.array([-2.0, 0.0, 0.5, 3.0])
    art = plot.loss_vs_margin({"hinge": hinge}, margin=m)
    np.testing.assert_array_equal(seen["t"], np.ones(4))
    np.testing.assert_allclose(art.values["hinge"].get_ydata(), [3.0, 1.0, 0.5, 0.0])
    np.testing.assert_allclose(art.values["0-1"].get_ydata(), [1.0, 0.0, 0.0])
    assert art.axes[0].get_xlabel().startswith("margin")
    assert not art.grads


def test_house_style_has_white_backgrounds():
    with style.context():
        fig, ax = plt.subplots()
        assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
        assert ax.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
        assert matplotlib.rcParams["savefig.transparent"] is False
    assert "#F0E442" not in style.CYCLE  # yellow is too faint on white
    assert len(set(style.CYCLE)) == len(style.CYCLE) == 7


def test_plot_functions_reject_non_surfaces():
    with pytest.raises(TypeError, match="Surface"):
        plot.contour(np.zeros((3, 3)))


@pytest.mark.parametrize("module", [plot, style])
def test_docstring_examples_run(module):
    import doctest

    with matplotlib.rc_context():  # style.apply() in an example must not leak
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
