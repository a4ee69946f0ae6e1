r"""Exact loss surfaces of a line for losses that are piecewise quadratic in the residual.

L1, Huber, smooth L1 and pinball (and MSE) are, in the residual :math:`r = \hat y - y`,
quadratics :math:`a_j + b_j r + c_j r^2` between fixed breakpoints. For the line
:math:`\hat y = w x + \beta`, the residual is :math:`r_i = u_i + \beta` with
:math:`u_i = w x_i - y_i`. So for one slope :math:`w`, after sorting :math:`u` once and
taking prefix sums of :math:`1, u, u^2, x, u x`, the mean loss and both partial
derivatives at *every* intercept :math:`\beta` follow from a binary search per
breakpoint: :math:`O(n \log n)` per slope instead of :math:`O(n)` per grid point, with
:math:`O(n)` memory. The values are exact (no binning); only floating-point summation
order differs from direct evaluation.

At a breakpoint the gradient takes the side of the piece to the right (the residual
is never exactly on a kink for continuous data); the registry's own ``.grad`` chooses
0 for L1 and pinball at a zero residual.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Pieces = tuple[tuple[float, ...], tuple[tuple[float, float, float], ...]]


def _pieces_l1(opts: dict) -> Pieces:
    return (0.0,), ((0.0, -1.0, 0.0), (0.0, 1.0, 0.0))


def _pieces_huber(opts: dict) -> Pieces:
    d = float(opts.get("delta", 1.0))
    return (-d, d), ((-0.5 * d * d, -d, 0.0), (0.0, 0.0, 0.5), (-0.5 * d * d, d, 0.0))


def _pieces_smooth_l1(opts: dict) -> Pieces:
    beta = float(opts.get("beta", 1.0))
    if beta == 0:
        return _pieces_l1(opts)
    return (-beta, beta), (
        (-0.5 * beta, -1.0, 0.0),
        (0.0, 0.0, 0.5 / beta),
        (-0.5 * beta, 1.0, 0.0),
    )


def _pieces_pinball(opts: dict) -> Pieces:
    alpha = float(opts.get("alpha", 0.5))
    # input is the prediction: r = prediction - target
    return (0.0,), ((0.0, -alpha, 0.0), (0.0, 1.0 - alpha, 0.0))


#: Losses with an exact sorted-prefix-sum surface, by registry name, and their options.
PIECEWISE: dict[str, tuple[Callable[[dict], Pieces], frozenset[str]]] = {
    "l1": (_pieces_l1, frozenset()),
    "huber": (_pieces_huber, frozenset({"delta"})),
    "smooth_l1": (_pieces_smooth_l1, frozenset({"beta"})),
    "pinball": (_pieces_pinball, frozenset({"alpha"})),
}


def supports(name: str, options: dict | None) -> bool:
    """Whether the loss ``name`` with ``options`` has an exact piecewise surface here."""
    entry = PIECEWISE.get(name)
    return entry is not None and set(options or {}) <= entry[1]


def line_surface(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    name: str,
    options: dict | None,
    gradient: bool,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Mean loss of ``w * x + b`` over the grid, shape ``(b.size, w.size)``, and its gradient.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Clean float samples.
    w, b : ndarray
        Grid axes (slope horizontal, intercept vertical).
    name : str
        A key of :data:`PIECEWISE`.
    options : dict or None
        The loss's options (e.g. ``{"delta": 0.5}``).
    gradient : bool
        Whether to return the partial derivatives too.

    Returns
    -------
    values, grad_w, grad_b : ndarray
        Each ``(b.size, w.size)``; the gradients are ``None`` when not asked for.
    """
    breaks, polys = PIECEWISE[name][0](dict(options or {}))
    n = x.size
    values = np.empty((b.size, w.size))
    gw = np.empty_like(values) if gradient else None
    gb = np.empty_like(values) if gradient else None
    zero = np.zeros(1)
    order = np.arange(n)
    for j, slope in enumerate(w):
        # the order for the previous slope is nearly right for this one: timsort
        # ("stable") finishes a nearly sorted array in close to linear time
        xs, ys = x[order], y[order]
        step = np.argsort(slope * xs - ys, kind="stable")
        order, xs = order[step], xs[step]
        us = slope * xs - ys[step]
        # prefix sums with a leading zero: sum over sorted[lo:hi] is P[hi] - P[lo]
        p1 = np.concatenate([zero, np.cumsum(us)])
        p2 = np.concatenate([zero, np.cumsum(us * us)])
        px = np.concatenate([zero, np.cumsum(xs)])
        pux = np.concatenate([zero, np.cumsum(us * xs)])
        # piece k holds residuals in [breaks[k-1], breaks[k]), i.e. u in [t - b, ...)
        edges = [np.zeros(b.size, dtype=np.int64)]
        edges += [np.searchsorted(us, t - b, side="left") for t in breaks]
        edges.append(np.full(b.size, n, dtype=np.int64))
        total = np.zeros(b.size)
        dw = np.zeros(b.size)
        db = np.zeros(b.size)
        for k, (a0, a1, a2) in enumerate(polys):
            lo, hi = edges[k], edges[k + 1]
            cnt = (hi - lo).astype(float)
            s1 = p1[hi] - p1[lo]
            s2 = p2[hi] - p2[lo]
            # sum of a0 + a1 (u + b) + a2 (u + b)^2 over the piece
            total += a0 * cnt + a1 * (s1 + cnt * b) + a2 * (s2 + 2 * b * s1 + cnt * b * b)
            if gradient:
                sx = px[hi] - px[lo]
                sux = pux[hi] - pux[lo]
                # d/dr = a1 + 2 a2 r; d/db sums it, d/dw sums it times x
                db += a1 * cnt + 2 * a2 * (s1 + cnt * b)
                dw += a1 * sx + 2 * a2 * (sux + b * sx)
        values[:, j] = total / n
        if gradient:
            gw[:, j] = dw / n
            gb[:, j] = db / n
    return values, gw, gb
