"""Draw what :mod:`lossviz.surface` and :mod:`lossviz.optim` return (matplotlib).

Every function takes an optional ``ax`` (a new figure is made without one),
labels its axes, and returns a small named tuple of the artists it created, so
a slider figure can update them in place (``set_data``, ``set_array``,
``set_UVC``) instead of drawing a new figure per step. Colours follow
:mod:`lossviz.style` (Okabe–Ito lines, viridis surfaces, cividis gradient
magnitudes, white backgrounds).

Functions
---------
contour, heatmap, surface3d
    A loss surface as filled contours, as an image, or in 3-D.
gradient_arrows
    Unit-length arrows along the (negative) gradient, coloured by its magnitude.
descent_path
    An optimiser's path over a surface, with start and end markers.
loss_vs_residual, loss_vs_margin
    Regression losses against the residual, classification losses against the margin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.colors import LogNorm
from matplotlib.contour import QuadContourSet
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.quiver import Quiver
from matplotlib.ticker import LogFormatterSciNotation, LogLocator

from lossviz._validate import as_int
from lossviz.style import CYCLE, GRADIENT_CMAP, OKABE_ITO, SURFACE_CMAP, color
from lossviz.surface import Surface, resolve_loss

__all__ = [
    "ContourArtists",
    "CurveArtists",
    "HeatmapArtists",
    "PathArtists",
    "arrow_field",
    "QuiverArtists",
    "Surface3DArtists",
    "contour",
    "descent_path",
    "gradient_arrows",
    "heatmap",
    "loss_vs_margin",
    "loss_vs_residual",
    "surface3d",
]

_OUTLINE = [patheffects.withStroke(linewidth=3.5, foreground="white")]


class ContourArtists(NamedTuple):
    """Artists of :func:`contour`."""

    filled: QuadContourSet | None
    lines: QuadContourSet | None
    colorbar: Colorbar | None
    minimum: Line2D | None


class HeatmapArtists(NamedTuple):
    """Artists of :func:`heatmap` (update with ``image.set_data(values)``)."""

    image: AxesImage
    colorbar: Colorbar | None
    minimum: Line2D | None


class Surface3DArtists(NamedTuple):
    """Artists of :func:`surface3d`."""

    surface: Any  # mpl_toolkits.mplot3d.art3d.Poly3DCollection
    minimum: Any | None


class QuiverArtists(NamedTuple):
    """Artists of :func:`gradient_arrows` (update with ``quiver.set_UVC(u, v, c)``)."""

    quiver: Quiver
    colorbar: Colorbar | None


class PathArtists(NamedTuple):
    """Artists of :func:`descent_path` (update with ``line.set_data(x, y)``)."""

    line: Line2D
    start: Line2D | None
    end: Line2D | None


class CurveArtists(NamedTuple):
    """Artists of :func:`loss_vs_residual` and :func:`loss_vs_margin`.

    ``values`` and ``grads`` map each curve's label to its line (``grads`` is
    empty without a gradient panel).
    """

    values: dict[str, Line2D]
    grads: dict[str, Line2D]
    axes: tuple[Axes, ...]


# --------------------------------------------------------------------------- helpers


def _axes(ax: Axes | None, *, projection: str | None = None) -> Axes:
    if ax is None:
        fig = plt.figure()
        return fig.add_subplot(projection=projection)
    if projection == "3d" and getattr(ax, "name", "") != "3d":
        raise ValueError("surface3d needs a 3-D axes: fig.add_subplot(projection='3d')")
    return ax


def _check_surface(surface: object) -> Surface:
    if not isinstance(surface, Surface):
        raise TypeError(f"surface must be a lossviz.surface.Surface, got {type(surface).__name__}")
    return surface


def _label_surface_axes(ax: Axes, s: Surface) -> None:
    ax.set_xlabel(f"parameter {s.xlabel}")
    ax.set_ylabel(f"parameter {s.ylabel}")


def _loss_label(s: Surface) -> str:
    return f"{s.loss} loss"


def _levels(values: np.ndarray, levels: int | Sequence[float], log: bool) -> Any:
    if not log:
        return levels
    if not isinstance(levels, (int, np.integer)):
        return np.asarray(levels, dtype=float)
    top = float(np.max(values))
    positive = values[values > 0]
    if top <= 0 or positive.size == 0:
        raise ValueError("log=True needs positive surface values")
    bottom = max(float(positive.min()), top * 1e-6)  # at most six decades
    return np.geomspace(bottom, top, int(levels))


#: How every plot marks the grid minimum: a white-edged vermillion cross.
_MINIMUM_MARKER = {
    "linestyle": "none",
    "marker": "X",
    "color": OKABE_ITO["vermillion"],
    "markeredgecolor": "white",
}


def _mark_minimum(ax: Axes, s: Surface) -> Line2D:
    (m,) = ax.plot(
        [s.argmin[0]],
        [s.argmin[1]],
        markersize=10,
        markeredgewidth=1.2,
        label=f"grid minimum ({s.argmin[0]:.3g}, {s.argmin[1]:.3g})",
        zorder=4,
        **_MINIMUM_MARKER,
    )
    return m


# --------------------------------------------------------------------------- surfaces


def contour(
    surface: Surface,
    *,
    ax: Axes | None = None,
    levels: int | Sequence[float] = 20,
    log: bool = False,
    filled: bool = True,
    lines: bool = True,
    colorbar: bool = True,
    mark_min: bool = True,
    cmap: str = SURFACE_CMAP,
) -> ContourArtists:
    """Draw a surface as (filled) contours with a colorbar and the grid minimum.

    Parameters
    ----------
    surface : Surface
        What to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    levels : int or sequence of float
        Number of levels or the levels themselves.
    log : bool
        Space the levels geometrically over at most six decades below the
        maximum, with a logarithmic colour scale (for surfaces spanning many
        decades); values below the lowest level take its colour.
    filled, lines : bool
        Draw filled contours and/or thin contour lines.
    colorbar : bool
        Add a colorbar labelled with the loss name.
    mark_min : bool
        Mark the grid minimum with a cross.
    cmap : str
        Colormap of the filled contours.

    Returns
    -------
    ContourArtists
        ``(filled, lines, colorbar, minimum)``, each ``None`` if not drawn.

    Examples
    --------
    >>> from lossviz.surface import function_surface
    >>> s = function_surface(lambda p: p[0] ** 2 + p[1] ** 2, np.linspace(-1, 1, 11),
    ...                      np.linspace(-1, 1, 11))
    >>> art = contour(s)
    >>> art.minimum.get_xydata().tolist()
    [[0.0, 0.0]]
    >>> plt.close("all")

    """
    s = _check_surface(surface)
    ax = _axes(ax)
    lv = _levels(s.values, levels, log)
    cf = cl = cb = mn = None
    if filled:
        norm = LogNorm(vmin=lv[0], vmax=lv[-1]) if log else None
        cf = ax.contourf(
            s.p1,
            s.p2,
            s.values,
            levels=lv,
            cmap=cmap,
            norm=norm,
            extend="min" if log else "neither",
        )
    if lines:
        cl = ax.contour(
            s.p1,
            s.p2,
            s.values,
            levels=cf.levels if cf is not None else lv,
            colors="white" if filled else "#444444",
            linewidths=0.6,
            alpha=0.6 if filled else 1.0,
        )
    if colorbar and (cf is not None or cl is not None):
        cb = ax.figure.colorbar(cf if cf is not None else cl, ax=ax)
        cb.set_label(_loss_label(s) + (" (log scale)" if log else ""))
        if log:
            cb.ax.yaxis.set_major_locator(LogLocator())
            cb.ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    if mark_min:
        mn = _mark_minimum(ax, s)
    _label_surface_axes(ax, s)
    ax.set_title(f"{s.loss} loss of the {s.model}")
    return ContourArtists(cf, cl, cb, mn)


def heatmap(
    surface: Surface,
    *,
    ax: Axes | None = None,
    colorbar: bool = True,
    mark_min: bool = True,
    cmap: str = SURFACE_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
) -> HeatmapArtists:
    """Draw a surface as an image (fast to update: ``image.set_data(values)``).

    Parameters
    ----------
    surface : Surface
        What to draw (an evenly spaced grid; uneven grids are shown stretched).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    colorbar, mark_min : bool
        Add a colorbar; mark the grid minimum.
    cmap : str
        Colormap.
    vmin, vmax : float, optional
        Colour limits (fix them for a slider so colours keep their meaning).

    Returns
    -------
    HeatmapArtists
        ``(image, colorbar, minimum)``.

    Examples
    --------
    >>> from lossviz.surface import function_surface
    >>> s = function_surface(lambda p: p[0] + 2 * p[1], [0.0, 1.0, 2.0], [0.0, 1.0])
    >>> art = heatmap(s)
    >>> art.image.get_array().tolist(), [float(e) for e in art.image.get_extent()]
    ([[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]], [-0.5, 2.5, -0.5, 1.5])
    >>> plt.close("all")

    """
    s = _check_surface(surface)
    ax = _axes(ax)
    dx, dy = (s.p1[-1] - s.p1[0]) / (s.p1.size - 1), (s.p2[-1] - s.p2[0]) / (s.p2.size - 1)
    extent = tuple(
        float(e) for e in (s.p1[0] - dx / 2, s.p1[-1] + dx / 2, s.p2[0] - dy / 2, s.p2[-1] + dy / 2)
    )
    im = ax.imshow(
        s.values,
        origin="lower",
        extent=extent,
        aspect="auto",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
    )
    cb = None
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax)
        cb.set_label(_loss_label(s))
    mn = _mark_minimum(ax, s) if mark_min else None
    _label_surface_axes(ax, s)
    ax.set_title(f"{s.loss} loss of the {s.model}")
    return HeatmapArtists(im, cb, mn)


def surface3d(
    surface: Surface,
    *,
    ax: Axes | None = None,
    cmap: str = SURFACE_CMAP,
    max_grid: int = 80,
    mark_min: bool = True,
    elev: float = 30.0,
    azim: float = -60.0,
) -> Surface3DArtists:
    """Draw a surface in 3-D.

    Parameters
    ----------
    surface : Surface
        What to draw.
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D, optional
        A 3-D axes (``fig.add_subplot(projection="3d")``); made if omitted.
    cmap : str
        Colormap.
    max_grid : int
        Draw at most this many rows/columns (strided), to keep rendering fast.
    mark_min : bool
        Mark the grid minimum.
    elev, azim : float
        Viewing angles in degrees.

    Returns
    -------
    Surface3DArtists
        ``(surface, minimum)``.

    Raises
    ------
    ValueError
        If ``ax`` is not a 3-D axes.

    Examples
    --------
    >>> from lossviz.surface import function_surface
    >>> s = function_surface(lambda p: p[0] ** 2 + p[1] ** 2, np.linspace(-1, 1, 5),
    ...                      np.linspace(-1, 1, 5))
    >>> art = surface3d(s)
    >>> art.surface.axes.get_zlabel()
    'f loss'
    >>> plt.close("all")

    """
    s = _check_surface(surface)
    ax = _axes(ax, projection="3d")
    X, Y = s.grid
    stride = max(1, int(np.ceil(max(s.values.shape) / max_grid)))
    surf = ax.plot_surface(
        X,
        Y,
        s.values,
        cmap=cmap,
        rstride=stride,
        cstride=stride,
        linewidth=0,
        antialiased=True,
        alpha=0.95,
    )
    mn = None
    if mark_min:
        (mn,) = ax.plot(
            [s.argmin[0]], [s.argmin[1]], [s.min_value], markersize=9, zorder=5, **_MINIMUM_MARKER
        )
    _label_surface_axes(ax, s)
    ax.set_zlabel(_loss_label(s))
    ax.view_init(elev=elev, azim=azim)
    ax.set_title(f"{s.loss} loss of the {s.model}")
    return Surface3DArtists(surf, mn)


# --------------------------------------------------------------------------- arrows and paths


def arrow_field(
    surface: Surface, *, every: int | None = None, target: int = 15, descent: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(X, Y, U, V, C)`` for :func:`gradient_arrows` (also for slider updates).

    ``U, V`` have length 0.8 grid cells of the subsampled grid when drawn with
    ``angles="xy", scale_units="xy", scale=1`` (direction kept exact in data
    coordinates); ``C`` is the gradient magnitude. Zero gradients get zero arrows.

    Parameters
    ----------
    surface : Surface
        Its ``grad_x``/``grad_y`` field is used.
    every : int, optional
        Use every ``every``-th grid point; by default about ``target`` arrows per axis.
    target : int
        Arrows per axis when ``every`` is not given.
    descent : bool
        Point arrows downhill (along the negative gradient).

    Returns
    -------
    tuple of ndarray
        Each of the subsampled grid's shape.

    Examples
    --------
    >>> from lossviz.surface import function_surface
    >>> s = function_surface(lambda p: 3 * p[0], [0.0, 1.0, 2.0], [0.0, 1.0])
    >>> X, Y, U, V, C = arrow_field(s, every=1)
    >>> np.round(U[0], 9).tolist(), np.abs(V[0]).tolist(), C[0].tolist()
    ([-0.8, -0.8, -0.8], [0.0, 0.0, 0.0], [3.0, 3.0, 3.0])

    """
    s = _check_surface(surface)
    if every is None:
        every = max(1, int(round(max(s.p1.size, s.p2.size) / target)))
    every = as_int(every, "every", low=1)
    sl = (slice(None, None, every), slice(None, None, every))
    X, Y = (a[sl] for a in s.grid)
    gx, gy = s.grad_x[sl], s.grad_y[sl]
    sign = -1.0 if descent else 1.0
    cell_x = (s.p1[-1] - s.p1[0]) / max(1, X.shape[1] - 1) if X.shape[1] > 1 else 1.0
    cell_y = (s.p2[-1] - s.p2[0]) / max(1, X.shape[0] - 1) if X.shape[0] > 1 else 1.0
    mag = np.hypot(gx, gy)
    norm = np.hypot(gx / cell_x, gy / cell_y)
    safe = np.where(norm > 0, norm, 1.0)
    U = np.where(norm > 0, sign * 0.8 * gx / safe, 0.0)
    V = np.where(norm > 0, sign * 0.8 * gy / safe, 0.0)
    return X, Y, U, V, mag


def gradient_arrows(
    surface: Surface,
    *,
    ax: Axes | None = None,
    every: int | None = None,
    descent: bool = True,
    colorbar: bool = True,
    cmap: str = GRADIENT_CMAP,
) -> QuiverArtists:
    """Draw unit-length gradient arrows coloured by the gradient's magnitude.

    All arrows have the same length (0.8 of the spacing between arrows), so
    direction is easy to read everywhere; how steep the surface is shows in the
    colour, explained by a colorbar. Over a filled contour the two colormaps
    compete: draw the contour with ``filled=False`` (or use a separate panel).

    Parameters
    ----------
    surface : Surface
        Its gradient field is drawn (analytic or finite-difference).
    ax : matplotlib.axes.Axes, optional
        Where to draw (e.g. over :func:`contour`).
    every : int, optional
        Draw every ``every``-th grid point (about 15 arrows per axis by default).
    descent : bool
        Arrows point downhill (the direction gradient descent moves).
    colorbar : bool
        Add a colorbar for the magnitude.
    cmap : str
        Colormap of the magnitude.

    Returns
    -------
    QuiverArtists
        ``(quiver, colorbar)``; update with ``quiver.set_UVC(*arrow_field(s)[2:])``.

    Examples
    --------
    >>> from lossviz.surface import function_surface
    >>> s = function_surface(lambda p: p[0] ** 2 + p[1] ** 2, np.linspace(-1, 1, 30),
    ...                      np.linspace(-1, 1, 30))
    >>> art = gradient_arrows(s)
    >>> art.quiver.N, art.colorbar.ax.get_ylabel()
    (225, '|gradient| of f loss')
    >>> plt.close("all")

    """
    s = _check_surface(surface)
    ax = _axes(ax)
    X, Y, U, V, C = arrow_field(s, every=every, descent=descent)
    q = ax.quiver(
        X,
        Y,
        U,
        V,
        C,
        angles="xy",
        scale_units="xy",
        scale=1.0,
        cmap=cmap,
        pivot="middle",
        width=0.004,
        edgecolor="#222222",
        linewidth=0.3,
        zorder=3,
    )
    cb = None
    if colorbar:
        cb = ax.figure.colorbar(q, ax=ax)
        cb.set_label(f"|gradient| of {_loss_label(s)}")
    _label_surface_axes(ax, s)
    ax.set_xlim(s.p1[0], s.p1[-1])
    ax.set_ylim(s.p2[0], s.p2[-1])
    return QuiverArtists(q, cb)


def descent_path(
    path: Any,
    *,
    ax: Axes | None = None,
    color: str | None = None,
    label: str | None = None,
    markers: bool = True,
) -> PathArtists:
    """Draw an optimiser's path (a :class:`lossviz.optim.Path` or an ``(n, 2)`` array).

    The path is drawn as a line with small dots at the iterates, outlined in
    white so it reads over any colormap; a circle marks the start and a star the
    end. On a 3-D axes a :class:`~lossviz.optim.Path` is drawn at its loss values.

    Parameters
    ----------
    path : lossviz.optim.Path or array_like, shape (n, 2)
        The iterates (first two coordinates are drawn).
    ax : matplotlib.axes.Axes, optional
        Where to draw (e.g. over :func:`contour`).
    color : str, optional
        Line colour; by default the next house colour not yet used on ``ax``.
    label : str, optional
        Legend label; by default the method and learning rate of a Path.
    markers : bool
        Draw start and end markers.

    Returns
    -------
    PathArtists
        ``(line, start, end)``.

    Examples
    --------
    >>> art = descent_path(np.array([[1.0, 1.0], [0.5, 0.2], [0.1, 0.0]]))
    >>> art.line.get_xydata().tolist()[-1], art.end.get_xydata().tolist()
    ([0.1, 0.0], [[0.1, 0.0]])
    >>> plt.close("all")

    """
    params = getattr(path, "params", path)
    pts = np.asarray(params, dtype=float)
    if pts.ndim != 2 or pts.shape[1] < 2 or pts.shape[0] < 1:
        raise ValueError(f"path must have shape (n, 2) (n >= 1), got {pts.shape}")
    three_d = ax is not None and getattr(ax, "name", "") == "3d"
    ax = _axes(ax)
    if color is None:
        color = _next_color(ax)
    if label is None and hasattr(path, "method"):
        label = f"{path.method}, lr = {path.lr:g}"
    style = {"color": color, "path_effects": _OUTLINE, "zorder": 5}
    if three_d:
        z = np.asarray(getattr(path, "losses", np.zeros(len(pts))), dtype=float)[: len(pts)]
        (line,) = ax.plot(
            pts[: len(z), 0], pts[: len(z), 1], z, marker="o", markersize=3, label=label, **style
        )
        ends = [(pts[0, 0], pts[0, 1], z[0]), (pts[len(z) - 1, 0], pts[len(z) - 1, 1], z[-1])]
    else:
        (line,) = ax.plot(pts[:, 0], pts[:, 1], marker="o", markersize=3, label=label, **style)
        ends = [(pts[0, 0], pts[0, 1]), (pts[-1, 0], pts[-1, 1])]
    start = end = None
    if markers:  # a dot at the start, a star at the end
        marks = ((ends[0], "o", 8, 1.5), (ends[1], "*", 14, 1.2))
        start, end = (
            ax.plot(
                *[[c] for c in where],
                linestyle="none",
                marker=marker,
                markersize=size,
                color=color,
                markeredgecolor="white",
                markeredgewidth=edge,
                zorder=6,
            )[0]
            for where, marker, size, edge in marks
        )
    return PathArtists(line, start, end)


def _next_color(ax: Axes) -> str:
    used = {str(line.get_color()).lower() for line in ax.get_lines()}
    for c in CYCLE[1:] + CYCLE[:1]:  # orange first: it reads on viridis
        if c.lower() not in used:
            return c
    return color(len(ax.get_lines()))


# --------------------------------------------------------------------------- 1-D loss curves


def _loss_items(
    losses: Any, options: Mapping[str, Mapping[str, Any]] | None
) -> list[tuple[str, Callable, dict[str, Any]]]:
    if isinstance(losses, (str, Mapping)) or callable(losses):
        losses = [losses] if not isinstance(losses, Mapping) else losses
    items = []
    pairs = losses.items() if isinstance(losses, Mapping) else ((None, v) for v in losses)
    for label, spec in pairs:
        fn, name = resolve_loss(spec)
        label = name if label is None else str(label)
        items.append((label, fn, dict((options or {}).get(label, {}))))
    if not items:
        raise ValueError("losses must name at least one loss")
    return items


def _curves(
    losses: Any,
    u: np.ndarray,
    target: np.ndarray,
    *,
    ax: Axes | Sequence[Axes] | None,
    grad: bool,
    options: Mapping[str, Mapping[str, Any]] | None,
    xlabel: str,
    grad_ylabel: str,
) -> CurveArtists:
    items = _loss_items(losses, options)
    if ax is None:
        if grad:
            fig, axs = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
            axes = tuple(axs)
        else:
            fig, one = plt.subplots(figsize=(5, 3.5), layout="constrained")
            axes = (one,)
    else:
        axes = tuple(np.atleast_1d(np.asarray(ax, dtype=object)).tolist())
        if len(axes) != (2 if grad else 1):
            raise ValueError(
                f"ax must be one Axes (grad=False) or a pair (grad=True), got {len(axes)} axes"
            )
    values, grads = {}, {}
    for i, (label, fn, opts) in enumerate(items):
        c = color(i)
        y = np.asarray(fn(u, target, reduction="none", **opts), dtype=float)
        (values[label],) = axes[0].plot(u, y, color=c, label=label)
        if grad:
            if not hasattr(fn, "grad"):
                raise ValueError(f"loss {label!r} has no .grad; pass grad=False")
            g = np.asarray(fn.grad(u, target, reduction="none", **opts), dtype=float)
            (grads[label],) = axes[1].plot(u, g, color=c, label=label)
    axes[0].set_xlabel(xlabel)
    axes[0].set_ylabel("loss")
    axes[0].legend()
    if grad:
        axes[1].set_xlabel(xlabel)
        axes[1].set_ylabel(grad_ylabel)
        axes[1].axhline(0.0, color="#999999", linewidth=0.8, zorder=0)
    for a in axes:
        a.axvline(0.0, color="#999999", linewidth=0.8, zorder=0)
    return CurveArtists(values, grads, axes)


def loss_vs_residual(
    losses: Any,
    *,
    residual: np.ndarray | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    grad: bool = False,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    units: str = "units of y",
) -> CurveArtists:
    """Plot regression losses against the residual ``r = prediction - target``.

    Each loss is evaluated as ``loss(r, 0, reduction="none")``, i.e. with target 0,
    so the horizontal axis is the residual.

    Parameters
    ----------
    losses : str, callable, sequence of them, or mapping label -> loss
        Registry names (``"mse"``, ``"l1"``, ``"huber"``, ...) or callables.
    residual : array_like, optional
        Residual values (default 401 points on [-3, 3]).
    ax : Axes or pair of Axes, optional
        One axes, or two (value, gradient) with ``grad=True``.
    grad : bool
        Add a panel with d loss / d prediction (uses ``loss.grad``).
    options : mapping, optional
        Keyword options per label, e.g. ``{"huber": {"delta": 0.5}}``.
    units : str
        Units of the residual, for the axis label.

    Returns
    -------
    CurveArtists
        ``(values, grads, axes)``: dicts label -> Line2D and the axes used.

    Examples
    --------
    >>> art = loss_vs_residual(["mse", "l1"], residual=np.array([-1.0, 0.0, 2.0]), grad=True)
    >>> art.values["mse"].get_ydata().tolist(), art.grads["l1"].get_ydata().tolist()
    ([1.0, 0.0, 4.0], [-1.0, 0.0, 1.0])
    >>> plt.close("all")

    """
    r = np.linspace(-3.0, 3.0, 401) if residual is None else np.asarray(residual, dtype=float)
    return _curves(
        losses,
        r,
        np.zeros_like(r),
        ax=ax,
        grad=grad,
        options=options,
        xlabel=f"residual  ŷ − y  ({units})",
        grad_ylabel="d loss / d ŷ",
    )


def loss_vs_margin(
    losses: Any,
    *,
    margin: np.ndarray | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    grad: bool = False,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    zero_one: bool = True,
) -> CurveArtists:
    """Plot classification losses on logits against the margin ``m = y * z``.

    Each loss is evaluated at logit ``z = m`` with target 1 (the positive class
    is 1 in both the {0, 1} and the {-1, +1} conventions), so ``"bce_with_logits"``,
    ``"hinge"``, ``"sigmoid_focal"`` ... all share the axis.

    Parameters
    ----------
    losses : str, callable, sequence of them, or mapping label -> loss
        Losses taking logits (not probabilities).
    margin : array_like, optional
        Margin values (default 401 points on [-3, 3]).
    ax : Axes or pair of Axes, optional
        One axes, or two (value, gradient) with ``grad=True``.
    grad : bool
        Add a panel with d loss / d z.
    options : mapping, optional
        Keyword options per label.
    zero_one : bool
        Draw the 0-1 loss (a step at m = 0) for reference, dashed and black.

    Returns
    -------
    CurveArtists
        As :func:`loss_vs_residual`; the 0-1 step is ``values["0-1"]``.

    Examples
    --------
    >>> def hinge(z, t, reduction="none"):
    ...     return np.maximum(0.0, 1.0 - t * z)
    >>> art = loss_vs_margin({"hinge": hinge}, margin=np.array([-1.0, 0.5, 2.0]))
    >>> art.values["hinge"].get_ydata().tolist()
    [2.0, 0.5, 0.0]
    >>> plt.close("all")

    """
    m = np.linspace(-3.0, 3.0, 401) if margin is None else np.asarray(margin, dtype=float)
    art = _curves(
        losses,
        m,
        np.ones_like(m),
        ax=ax,
        grad=grad,
        options=options,
        xlabel="margin  y·z  (logit units)",
        grad_ylabel="d loss / d z",
    )
    if zero_one:
        (art.values["0-1"],) = art.axes[0].step(
            [m.min(), 0.0, m.max()],
            [1.0, 0.0, 0.0],
            where="post",
            color=OKABE_ITO["black"],
            linestyle="--",
            linewidth=1.2,
            label="0-1 loss",
        )
        art.axes[0].legend()
    return art
