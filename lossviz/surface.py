"""Loss values over 2-D parameter grids, memory-bounded, with closed forms where they exist.

Every function returns a :class:`Surface`: the two parameter axes, the values on
the grid (shape ``(ny, nx)``, rows follow the second parameter like
``numpy.meshgrid``), the grid minimum, and the gradient field for arrows.

A *loss* is a registry name (``"mse"``, ``"l1"``, ...) or any callable
``loss(pred, target, reduction="none")`` returning per-sample values; if it has a
``.grad(pred, target, reduction="none")`` (as every :mod:`lossviz.losses` entry
does) the gradient field is analytic, otherwise it is a finite difference of the grid.

Models evaluate the grid in chunks of grid points (and of samples) so that no
temporary array exceeds ``max_bytes``: the full ``grid x samples`` array is never
allocated. MSE of a linear model is computed in closed form from five sufficient
statistics, independent of the sample count; L1, Huber, smooth L1 and pinball of a
linear model exactly by sorted prefix sums of the residuals, one sort per slope.

Functions
---------
linear_regression_surface
    Loss of ``pred = w * x + b`` over a (w, b) grid.
logistic_regression_surface
    Loss of the logit ``z = w1 * x1 + w2 * x2`` over a (w1, w2) grid.
tanh_network_surface
    Loss of the tiny network ``pred = v * tanh(w * x)``: two symmetric minima.
function_surface
    Any function of two parameters ``f([p1, p2])``.
direction_surface
    Any function of many parameters along two directions through a centre.
finite_difference_gradient, local_minima
    Gradient of a grid by central differences; grid-local minima.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lossviz import _piecewise
from lossviz._validate import as_array, as_int
from lossviz.losses import REGISTRY

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Surface",
    "direction_surface",
    "finite_difference_gradient",
    "function_surface",
    "linear_regression_surface",
    "local_minima",
    "logistic_regression_surface",
    "resolve_loss",
    "tanh_network_surface",
]

DEFAULT_MAX_BYTES = 2**18
"""Default cap (256 KiB, cache-friendly) on the size of one temporary ``chunk x samples`` array."""


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface on a 2-D grid.

    The parameter axes are ``p1`` and ``p2`` (named so as not to be mistaken for
    the data ``x``, ``y`` the loss is computed on); ``x`` and ``y`` remain as
    read-only aliases, the horizontal and vertical axes of a plot.

    Attributes
    ----------
    p1 : ndarray, shape (nx,)
        Values of the first parameter (horizontal axis).
    p2 : ndarray, shape (ny,)
        Values of the second parameter (vertical axis).
    values : ndarray, shape (ny, nx)
        ``values[i, j]`` is the loss at ``(p1[j], p2[i])``.
    argmin : tuple of float
        Grid point ``(p1, p2)`` with the smallest value (first one on ties).
    min_value : float
        The smallest value on the grid.
    loss : str
        Name of the loss.
    model : str
        Name of the model (e.g. ``"linear regression"``).
    xlabel, ylabel : str
        Names of the two parameters, for axis labels.
    grad_x, grad_y : ndarray, shape (ny, nx)
        Partial derivatives of the surface along ``p1`` (horizontal) and ``p2``.
    gradient_method : str
        ``"analytic"`` or ``"finite-difference"``.
    method : str
        How values were computed, one of:

        ``"closed-form"``
            MSE of a linear model from five sufficient statistics (exact).
        ``"sorted-prefix-sums"``
            L1, Huber, smooth L1 or pinball of a linear model, by sorting the
            residuals once per slope (exact; :mod:`lossviz._piecewise`).
        ``"chunked"``
            Any loss of a model, every grid point and sample, in memory-bounded
            blocks (exact).
        ``"binned"``
            As ``"chunked"`` on weighted centroids of a histogram of the data
            (approximate, see ``bins``).
        ``"function"``
            Any function of the two parameters, point by point or vectorized
            (:func:`function_surface`, :func:`direction_surface`).

    """

    p1: np.ndarray = field(repr=False)
    p2: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    argmin: tuple[float, float]
    min_value: float
    loss: str
    model: str
    xlabel: str = "x"
    ylabel: str = "y"
    grad_x: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    grad_y: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    gradient_method: str = "finite-difference"
    method: str = "function"

    @property
    def x(self) -> np.ndarray:
        """The horizontal axis of a plot: an alias of ``p1``."""
        return self.p1

    @property
    def y(self) -> np.ndarray:
        """The vertical axis of a plot: an alias of ``p2``."""
        return self.p2

    @property
    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """The meshgrid ``(P1, P2)``, each of shape ``(ny, nx)``."""
        return np.meshgrid(self.p1, self.p2)

    @property
    def gradient_norm(self) -> np.ndarray:
        """Length of the gradient at each grid point, shape ``(ny, nx)``."""
        return np.hypot(self.grad_x, self.grad_y)


# --------------------------------------------------------------------------- helpers


def resolve_loss(loss: str | Callable) -> tuple[Callable, str]:
    """Turn a registry name or a callable into ``(callable, name)``.

    Parameters
    ----------
    loss : str or callable
        A key of :data:`lossviz.losses.REGISTRY`, or any callable
        ``loss(pred, target, reduction="none")``.

    Returns
    -------
    (callable, str)
        The loss and a display name (its ``name`` or ``__name__`` attribute).

    Raises
    ------
    ValueError
        If a name is not in the registry (the message lists the names that are).

    Examples
    --------
    >>> fn, name = resolve_loss("mse")
    >>> name
    'mse'

    """
    if isinstance(loss, str):
        if loss not in REGISTRY:
            raise ValueError(
                f"loss must be a name in lossviz.losses.REGISTRY or a callable, got {loss!r};"
                f" registered: {sorted(REGISTRY)}"
            )
        fn = REGISTRY[loss]
        return fn, getattr(fn, "name", loss)
    if not callable(loss):
        raise TypeError(f"loss must be a registry name or a callable, got {loss!r}")
    return loss, str(getattr(loss, "name", getattr(loss, "__name__", "custom loss")))


def _is_mse(loss: str | Callable) -> bool:
    return loss == "mse" if isinstance(loss, str) else REGISTRY.get("mse") is loss


def _axis(name: str, values: object) -> np.ndarray:
    a = as_array(values, name)  # real, finite, non-empty
    if a.ndim != 1 or a.size < 2:
        raise ValueError(
            f"{name} must be a 1-D array of at least 2 grid values, got shape {a.shape}"
        )
    if np.any(np.diff(a) <= 0):
        raise ValueError(f"{name} must be finite and strictly increasing, got {a.tolist()[:5]}")
    return a


def _samples(name: str, values: object, ndim: int) -> np.ndarray:
    a = as_array(values, name)  # real, finite, non-empty
    if a.ndim != ndim or (ndim == 2 and a.shape[1] != 2):
        want = "(n,)" if ndim == 1 else "(n, 2) (two features)"
        raise ValueError(f"{name} must have shape {want}, got shape {a.shape}")
    return a


def _model_inputs(
    features: object, target: object, axes: dict, max_bytes: object, *, two_features: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Validate the data, the two grid axes and ``max_bytes`` of a model surface.

    ``axes`` maps the two parameter names to their grid values, in order. The
    features are ``(n,)`` (``(n, 2)`` if ``two_features``) and the target ``(n,)``.
    """
    f_name, t_name = ("X", "y") if two_features else ("x", "y")
    f = _samples(f_name, features, 2 if two_features else 1)
    t = _samples(t_name, target, 1)
    if f.shape[0] != t.shape[0] or (not two_features and f.shape != t.shape):
        what = "length" if two_features else "shape"
        raise ValueError(
            f"{f_name} and {t_name} must have the same {what}, got {f.shape} and {t.shape}"
        )
    (n1, a1), (n2, a2) = axes.items()
    return f, t, _axis(n1, a1), _axis(n2, a2), as_int(max_bytes, "max_bytes", low=8)


def _finish(p1, p2, values, gx, gy, *, method, gradient_method, **meta) -> Surface:
    values = np.asarray(values, dtype=float).reshape(p2.size, p1.size)
    if gx is None:
        gx, gy = _fd(p1, p2, values)
        gradient_method = "finite-difference"
    i, j = np.unravel_index(int(np.argmin(values)), values.shape)
    arrays = (p1, p2, values, gx, gy)
    for a in arrays:
        a.setflags(write=False)
    return Surface(
        p1=p1,
        p2=p2,
        values=values,
        argmin=(float(p1[j]), float(p2[i])),
        min_value=float(values[i, j]),
        grad_x=gx,
        grad_y=gy,
        gradient_method=gradient_method,
        method=method,
        **meta,
    )


def _fd(p1: np.ndarray, p2: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gy, gx = np.gradient(values, p2, p1)
    return gx, gy


def finite_difference_gradient(surface: Surface) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(d/dp1, d/dp2)`` of the surface values by central differences.

    Second-order accurate in the interior, first-order on the edges
    (:func:`numpy.gradient`); works on uneven grids.

    Parameters
    ----------
    surface : Surface
        Any surface.

    Returns
    -------
    (ndarray, ndarray)
        Two arrays of shape ``(ny, nx)``.

    Examples
    --------
    >>> s = function_surface(lambda p: p[0] ** 2 + 3 * p[1], [0.0, 1.0, 2.0], [0.0, 1.0])
    >>> gx, gy = finite_difference_gradient(s)
    >>> gx[0].tolist(), gy[0].tolist()
    ([1.0, 2.0, 3.0], [3.0, 3.0, 3.0])

    """
    return _fd(surface.p1, surface.p2, surface.values)


def local_minima(surface: Surface) -> list[tuple[float, float, float]]:
    """Return the grid's local minima as ``(p1, p2, value)``, smallest first.

    A grid point is a local minimum if it is strictly below every one of its
    (up to 8) neighbours; points on the border count.

    Parameters
    ----------
    surface : Surface
        The surface to search (its ``values`` only).

    Returns
    -------
    list of (float, float, float)

    Examples
    --------
    >>> axis = np.linspace(-2, 2, 41)
    >>> s = function_surface(lambda p: (p[0] ** 2 - 1) ** 2 + p[1] ** 2, axis, axis)
    >>> [(round(a, 2), round(b, 2)) for a, b, _ in local_minima(s)]
    [(-1.0, 0.0), (1.0, 0.0)]

    """
    v = surface.values
    padded = np.pad(v, 1, constant_values=np.inf)
    ny, nx = v.shape
    is_min = np.ones_like(v, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_min &= v < padded[1 + di : 1 + di + ny, 1 + dj : 1 + dj + nx]
    rows, cols = np.nonzero(is_min)
    found = [
        (float(surface.p1[j]), float(surface.p2[i]), float(v[i, j]))
        for i, j in zip(rows, cols, strict=True)
    ]
    return sorted(found, key=lambda t: (t[2], t[0], t[1]))


# --------------------------------------------------------------------------- the chunked engine


def _compress(columns: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge samples sharing a cell of a ``bins``-per-axis histogram into weighted centroids."""
    lo, hi = columns.min(axis=0), columns.max(axis=0)
    width = np.where(hi > lo, hi - lo, 1.0)
    idx = np.minimum(((columns - lo) / width * bins).astype(np.int64), bins - 1)
    flat = np.ravel_multi_index(tuple(idx.T), (bins,) * columns.shape[1])
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    sums = np.zeros((counts.size, columns.shape[1]))
    np.add.at(sums, inverse, columns)
    return sums / counts[:, None], counts.astype(float)


def _weighted_rowsum(g: np.ndarray, d: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Row sums of ``g * d * w``; ``d`` of shape (m,) is shared by all rows.

    ``einsum`` rather than ``@``: a BLAS matrix-vector product with its thread
    pool is far slower for these thin blocks on a busy machine.
    """
    if d.ndim == 1:
        return np.einsum("km,m->k", g, d if w is None else d * w)
    if w is not None:
        d = d * w
    return np.einsum("km,km->k", g, d)


@dataclass(frozen=True)
class _Model:
    """A model with two parameters ``(a, b)``, on its data.

    ``predict(a, b, features)`` takes parameter columns of shape ``(K, 1)`` and
    returns the predictions ``(K, m)`` for ``m`` samples; ``derivative(a, b,
    features)`` returns the two partial derivatives of the prediction, each
    ``(K, m)``, or ``(m,)`` when it does not depend on the parameters.
    ``discrete_target``: the targets are labels, never averaged by ``bins``.
    """

    predict: Callable
    derivative: Callable
    features: np.ndarray
    target: np.ndarray
    discrete_target: bool = False


def _model_grid(
    model: _Model,
    p1: np.ndarray,
    p2: np.ndarray,
    loss: Callable,
    options: dict | None,
    *,
    gradient: bool,
    max_bytes: int,
    bins: int | None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str]:
    """Mean loss of ``model`` over the grid ``p1 x p2``, chunked; optional gradient."""
    features, target = model.features, model.target
    n = target.shape[0]
    opts = dict(options or {})
    weights = None
    method = "chunked"
    if bins is not None:
        bins = as_int(bins, "bins", low=2)
        cols = np.column_stack([features.reshape(n, -1), target])
        if model.discrete_target:  # never average labels: bin features within each label
            parts = [_compress(cols[target == t], bins) for t in np.unique(target)]
            centroids = np.concatenate([c for c, _ in parts])
            weights = np.concatenate([w for _, w in parts])
        else:
            centroids, weights = _compress(cols, bins)
        features = centroids[:, :-1].reshape((-1, *features.shape[1:]))
        target = centroids[:, -1]
        method = "binned"
    m_all = target.shape[0]
    P1, P2 = np.meshgrid(p1, p2)
    a_all, b_all = P1.ravel(), P2.ravel()
    n_points = a_all.size
    m = max(1, min(m_all, max_bytes // 8))  # samples per block
    k = max(1, min(n_points, max_bytes // (8 * m)))  # grid points per block
    has_grad = gradient and hasattr(loss, "grad")
    # one pass for value and gradient when the loss offers it (every registry loss does)
    both = getattr(loss, "value_and_grad", None)
    total = np.zeros(n_points)
    ga = np.zeros(n_points) if has_grad else None
    gb = np.zeros(n_points) if has_grad else None
    for s0 in range(0, m_all, m):
        feats = features[s0 : s0 + m]
        tgt = target[s0 : s0 + m]
        w = None if weights is None else weights[s0 : s0 + m]
        for k0 in range(0, n_points, k):
            a = a_all[k0 : k0 + k, None]
            b = b_all[k0 : k0 + k, None]
            pred = model.predict(a, b, feats)
            tb = np.broadcast_to(tgt, pred.shape)
            if has_grad and both is not None:
                per, g = both(pred, tb, reduction="none", **opts)
            else:
                per = loss(pred, tb, reduction="none", **opts)
                g = loss.grad(pred, tb, reduction="none", **opts) if has_grad else None
            per = np.asarray(per, dtype=float)
            total[k0 : k0 + k] += per.sum(axis=1) if w is None else np.einsum("km,m->k", per, w)
            if has_grad:
                g = np.asarray(g, dtype=float)
                da, db = model.derivative(a, b, feats)
                ga[k0 : k0 + k] += _weighted_rowsum(g, da, w)
                gb[k0 : k0 + k] += _weighted_rowsum(g, db, w)
    shape = (p2.size, p1.size)
    values = (total / n).reshape(shape)
    if has_grad:
        return values, (ga / n).reshape(shape), (gb / n).reshape(shape), method
    return values, None, None, method


def _model_surface(
    model: _Model,
    p1: np.ndarray,
    p2: np.ndarray,
    loss_fn: Callable,
    options: dict | None,
    /,
    *,
    gradient: bool,
    max_bytes: int,
    bins: int | None,
    **meta,
) -> Surface:
    """:func:`_model_grid` wrapped into a :class:`Surface` carrying ``meta`` (names)."""
    values, gx, gy, method = _model_grid(
        model, p1, p2, loss_fn, options, gradient=gradient, max_bytes=max_bytes, bins=bins
    )
    return _finish(p1, p2, values, gx, gy, method=method, gradient_method="analytic", **meta)


# --------------------------------------------------------------------------- models


def linear_regression_surface(
    x: np.ndarray,
    y: np.ndarray,
    *,
    w: np.ndarray,
    b: np.ndarray,
    loss: str | Callable = "mse",
    loss_options: dict | None = None,
    gradient: bool = True,
    closed_form: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    bins: int | None = None,
) -> Surface:
    r"""Mean loss of the line ``pred = w * x + b`` over a (w, b) grid.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Inputs and targets.
    w, b : array_like
        Increasing grid values of the slope (horizontal axis) and intercept (vertical).
    loss : str or callable
        Registry name or ``loss(pred, target, reduction="none")``.
    loss_options : dict, optional
        Keyword options of the loss, e.g. ``{"delta": 0.5}`` for ``"huber"``.
    gradient : bool
        Compute the analytic gradient field if the loss has ``.grad`` (else the
        finite-difference one is stored).
    closed_form : bool
        For MSE, use the sufficient statistics (exact, O(grid) time and memory); for
        L1, Huber, smooth L1 and pinball (piecewise quadratic in the residual), sorted
        prefix sums (exact, O(n log n) per slope; see :mod:`lossviz._piecewise`).
        ``False`` forces the chunked evaluation.
    max_bytes : int
        Largest temporary ``chunk x samples`` array, in bytes, for other losses.
    bins : int, optional
        Approximate: merge samples within cells of a ``bins x bins`` histogram of
        ``(x, y)`` into weighted centroids first (fast for huge ``n``; exact for
        MSE's linear part, slightly low for convex losses by Jensen's inequality).

    Returns
    -------
    Surface
        ``xlabel="w"``, ``ylabel="b"``, ``model="linear regression"``.

    Notes
    -----
    The MSE depends on the data only through the means :math:`\bar x, \bar y` and
    the (co)variances :math:`s_{xx}, s_{xy}, s_{yy}` (equivalently the five sums
    :math:`\sum x, \sum x^2, \sum y, \sum xy, \sum y^2`). With the mean residual
    :math:`c = w\bar x + b - \bar y`,

    .. math:: L(w, b) = w^2 s_{xx} - 2w\,s_{xy} + s_{yy} + c^2,
              \quad \partial_w L = 2(w s_{xx} - s_{xy}) + 2c\bar x,
              \quad \partial_b L = 2c.

    L1, Huber, smooth L1 and pinball are exact in ~2 s of CPU for that grid by
    sorting the residuals once per slope (``method="sorted-prefix-sums"``).
    Any other loss costs one evaluation per grid point and sample (about 3 ns
    each, and twice that with the gradient): a 201 x 201 grid over 100,000 samples
    takes ~10 s of CPU exactly (values only), ~25 s with the gradient. With
    ``bins=128`` it takes ~1.5-2.5 s, with a largest error of about 2e-4 of the
    surface's value range (``benchmarks/bench_surface.py``); figures cannot show
    the difference. Below ~1e8 evaluations the exact path is quick.

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 2.0]); y = 2 * x + 1
    >>> s = linear_regression_surface(x, y, w=np.linspace(0, 4, 5), b=np.linspace(-1, 3, 5))
    >>> s.argmin, round(s.min_value, 12), s.method
    ((2.0, 1.0), 0.0, 'closed-form')

    """
    x, y, w, b, max_bytes = _model_inputs(x, y, {"w": w, "b": b}, max_bytes, two_features=False)
    fn, name = resolve_loss(loss)
    meta = {"loss": name, "model": "linear regression", "xlabel": "w", "ylabel": "b"}
    if closed_form and _is_mse(loss) and not loss_options:
        # centred statistics: no cancellation between large terms near the minimum
        mx, my = x.mean(), y.mean()
        xc, yc = x - mx, y - my
        vx, cxy, vy = (xc * xc).mean(), (xc * yc).mean(), (yc * yc).mean()
        W, B = w[None, :], b[:, None]
        c = B + W * mx - my  # mean residual
        values = np.maximum(W * W * vx - 2 * W * cxy + vy, 0.0) + c * c
        gx = 2 * (W * vx - cxy) + 2 * c * mx
        gy = np.broadcast_to(2 * c, values.shape).copy()
        return _finish(
            w, b, values, gx, gy, method="closed-form", gradient_method="analytic", **meta
        )

    if (
        closed_form
        and bins is None
        and _piecewise.supports(name, loss_options)
        and fn is REGISTRY.get(name)
    ):
        values, gx, gy = _piecewise.line_surface(x, y, w, b, name, loss_options, gradient)
        return _finish(
            w, b, values, gx, gy, method="sorted-prefix-sums", gradient_method="analytic", **meta
        )

    line = _Model(
        predict=lambda a, c, feats: a * feats[None, :] + c,
        derivative=lambda a, c, feats: (feats, np.ones_like(feats)),
        features=x,
        target=y,
    )
    return _model_surface(
        line, w, b, fn, loss_options, gradient=gradient, max_bytes=max_bytes, bins=bins, **meta
    )


def logistic_regression_surface(
    X: np.ndarray,
    y: np.ndarray,
    *,
    w1: np.ndarray,
    w2: np.ndarray,
    loss: str | Callable = "bce_with_logits",
    loss_options: dict | None = None,
    gradient: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    bins: int | None = None,
) -> Surface:
    """Mean loss of the logit ``z = w1 * X[:, 0] + w2 * X[:, 1]`` over a (w1, w2) grid.

    Parameters
    ----------
    X : array_like, shape (n, 2)
        Two features (no intercept: the surface has two weights).
    y : array_like, shape (n,)
        Labels in the convention of ``loss`` ({0, 1} for ``"bce_with_logits"``,
        {-1, +1} for ``"hinge"``).
    w1, w2 : array_like
        Increasing grid values of the two weights.
    loss : str or callable
        A classification loss on logits; registry name or
        ``loss(logits, target, reduction="none")``.
    loss_options : dict, optional
        Keyword options of the loss, e.g. ``{"gamma": 2.0}`` for ``"sigmoid_focal"``.
    gradient, max_bytes : bool, int
        As in :func:`linear_regression_surface`.
    bins : int, optional
        Approximate: merge samples of the same label within cells of a
        ``bins x bins`` histogram of the features.

    Returns
    -------
    Surface
        ``xlabel="w1"``, ``ylabel="w2"``, ``model="logistic regression"``.

    Examples
    --------
    >>> def logistic(z, t, reduction="none"):
    ...     return np.logaddexp(0.0, z) - t * z
    >>> X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, 0.0, 1.0])
    >>> s = logistic_regression_surface(X, y, w1=[-1.0, 0.0, 1.0], w2=[0.0, 1.0], loss=logistic)
    >>> s.argmin
    (1.0, 1.0)

    """
    X, y, w1, w2, max_bytes = _model_inputs(
        X, y, {"w1": w1, "w2": w2}, max_bytes, two_features=True
    )
    fn, name = resolve_loss(loss)
    logit = _Model(
        predict=lambda a, c, feats: a * feats[None, :, 0] + c * feats[None, :, 1],
        derivative=lambda a, c, feats: (feats[:, 0], feats[:, 1]),
        features=X,
        target=y,
        discrete_target=True,
    )
    meta = {"loss": name, "model": "logistic regression", "xlabel": "w1", "ylabel": "w2"}
    return _model_surface(
        logit, w1, w2, fn, loss_options, gradient=gradient, max_bytes=max_bytes, bins=bins, **meta
    )


def tanh_network_surface(
    x: np.ndarray,
    y: np.ndarray,
    *,
    w: np.ndarray,
    v: np.ndarray,
    loss: str | Callable = "mse",
    loss_options: dict | None = None,
    gradient: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    bins: int | None = None,
) -> Surface:
    """Mean loss of the one-hidden-unit network ``pred = v * tanh(w * x)`` over (w, v).

    ``tanh`` is odd, so ``(w, v)`` and ``(-w, -v)`` give the same predictions:
    the surface is symmetric under that flip and, for data made by a teacher
    network, has two global minima, at ``(w*, v*)`` and ``(-w*, -v*)``, with a
    saddle near the origin between them. It is non-convex.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Inputs and targets (e.g. ``y = 1.5 * tanh(2 * x) + noise``).
    w, v : array_like
        Increasing grid values of the input weight (horizontal axis) and the
        output weight (vertical axis).
    loss : str or callable
        Registry name or ``loss(pred, target, reduction="none")``.
    loss_options, gradient, max_bytes, bins
        As in :func:`linear_regression_surface`.

    Returns
    -------
    Surface
        ``xlabel="w"``, ``ylabel="v"``, ``model="tanh network"``.

    Examples
    --------
    >>> x = np.linspace(-2, 2, 21); y = 1.0 * np.tanh(2.0 * x)
    >>> axis = np.linspace(-3, 3, 61)
    >>> s = tanh_network_surface(x, y, w=axis, v=axis)
    >>> [(round(a, 1), round(b, 1)) for a, b, _ in local_minima(s)[:2]]  # two lowest
    [(-2.0, -1.0), (2.0, 1.0)]

    """
    x, y, w, v, max_bytes = _model_inputs(x, y, {"w": w, "v": v}, max_bytes, two_features=False)
    fn, name = resolve_loss(loss)

    def derivative(a, c, feats):
        t = np.tanh(a * feats[None, :])
        return c * feats[None, :] * (1.0 - t * t), t

    network = _Model(
        predict=lambda a, c, feats: c * np.tanh(a * feats[None, :]),
        derivative=derivative,
        features=x,
        target=y,
    )
    meta = {"loss": name, "model": "tanh network", "xlabel": "w", "ylabel": "v"}
    return _model_surface(
        network, w, v, fn, loss_options, gradient=gradient, max_bytes=max_bytes, bins=bins, **meta
    )


# --------------------------------------------------------------------------- any function


def function_surface(
    f: Callable[[np.ndarray], float],
    p1: np.ndarray,
    p2: np.ndarray,
    *,
    grad: Callable[[np.ndarray], np.ndarray] | None = None,
    vectorized: bool = False,
    loss: str = "f",
    model: str = "function",
    xlabel: str = "x",
    ylabel: str = "y",
) -> Surface:
    """Evaluate any function of two parameters ``f(params)`` on a grid.

    Parameters
    ----------
    f : callable
        ``f(params) -> float`` with ``params = np.array([p1, p2])``. With
        ``vectorized=True``, ``params`` has shape ``(2, ny, nx)`` and ``f`` must
        return an array of shape ``(ny, nx)``.
    p1, p2 : array_like
        Increasing grid values of the two parameters (horizontal, vertical).
    grad : callable, optional
        ``grad(params) -> array of shape (2,)`` (or ``(2, ny, nx)`` if vectorized);
        without it the gradient field is a finite difference of the grid.
    vectorized : bool
        Call ``f`` once on the whole grid instead of once per point.
    loss, model, xlabel, ylabel : str
        Names stored in the result (for titles and axis labels).

    Returns
    -------
    Surface

    Examples
    --------
    >>> f = lambda p: (p[0] - 1) ** 2 + p[1] ** 2
    >>> s = function_surface(f, [0.0, 1.0, 2.0], [-1.0, 0.0, 1.0])
    >>> s.argmin, s.values.shape, s.gradient_method
    ((1.0, 0.0), (3, 3), 'finite-difference')

    """
    p1 = _axis("p1", p1)
    p2 = _axis("p2", p2)
    X, Y = np.meshgrid(p1, p2)
    if vectorized:
        params = np.stack([X, Y])
        values = np.asarray(f(params), dtype=float)
        if values.shape != X.shape:
            raise ValueError(
                f"a vectorized f must return shape {X.shape} for params of shape {params.shape},"
                f" got {values.shape}"
            )
        g = None if grad is None else np.asarray(grad(params), dtype=float)
    else:
        pts = np.column_stack([X.ravel(), Y.ravel()])
        values = np.array([float(f(p)) for p in pts]).reshape(X.shape)
        g = None if grad is None else np.array([grad(p) for p in pts], dtype=float).T
    gx = gy = None
    if g is not None:
        g = g.reshape(2, *X.shape)
        gx, gy = g[0].copy(), g[1].copy()
    return _finish(
        p1,
        p2,
        values,
        gx,
        gy,
        method="function",
        gradient_method="analytic",
        loss=loss,
        model=model,
        xlabel=xlabel,
        ylabel=ylabel,
    )


def direction_surface(
    f: Callable[[np.ndarray], float],
    center: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    *,
    grad: Callable[[np.ndarray], np.ndarray] | None = None,
    loss: str = "f",
    model: str = "function",
) -> Surface:
    """Evaluate ``f`` on the plane ``center + alpha * d1 + beta * d2``.

    The standard way to look at a many-parameter loss (Goodfellow et al. 2015;
    Li et al. 2018): pick two directions and plot the 2-D slice.

    Parameters
    ----------
    f : callable
        ``f(params) -> float`` for ``params`` shaped like ``center``.
    center, d1, d2 : array_like
        The centre of the slice and the two directions (same shape).
    alpha, beta : array_like
        Increasing grid values of the step along ``d1`` (horizontal) and ``d2``.
    grad : callable, optional
        Gradient of ``f``; the surface's gradient is then ``(grad . d1, grad . d2)``.
    loss, model : str
        Names stored in the result.

    Returns
    -------
    Surface
        ``xlabel="α"``, ``ylabel="β"``.

    Examples
    --------
    >>> f = lambda p: float(np.sum(p ** 2))
    >>> s = direction_surface(f, [1.0, 1.0, 1.0], [1.0, 0, 0], [0, 1.0, 0],
    ...                       [-2.0, -1.0, 0.0], [-1.0, 0.0, 1.0])
    >>> s.argmin, s.min_value
    ((-1.0, -1.0), 1.0)

    """
    center = np.asarray(center, dtype=float)
    d1 = np.asarray(d1, dtype=float)
    d2 = np.asarray(d2, dtype=float)
    if not (center.shape == d1.shape == d2.shape):
        raise ValueError(
            f"center, d1 and d2 must have the same shape, got {center.shape}, {d1.shape},"
            f" {d2.shape}"
        )

    def f2(p):
        return f(center + p[0] * d1 + p[1] * d2)

    g2 = None
    if grad is not None:

        def g2(p):
            g = np.asarray(grad(center + p[0] * d1 + p[1] * d2), dtype=float)
            return np.array([np.sum(g * d1), np.sum(g * d2)])

    return function_surface(
        f2, alpha, beta, grad=g2, loss=loss, model=model, xlabel="α", ylabel="β"
    )
