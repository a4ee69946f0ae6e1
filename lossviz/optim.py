"""Tiny optimisers for demos: gradient descent, momentum (heavy ball) and Adam.

Each optimiser runs on a differentiable function given as ``(f, grad)`` and
returns a frozen :class:`Path` (every iterate and its loss) for plotting and for
learning-rate demos. A run stops early, without NumPy warnings, when the
gradient is small (``converged``) or when the loss or parameters become
non-finite or explode (``diverged``); ``Path.message`` says which and when.

:func:`model_objective` builds ``(f, grad)`` for the models of
:mod:`lossviz.surface` with any registry loss; :func:`surface_objective` builds
it from a precomputed :class:`~lossviz.surface.Surface` by bilinear interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lossviz._validate import as_array, as_choice, as_int, as_real
from lossviz.surface import Surface, resolve_loss

__all__ = [
    "Path",
    "adam",
    "gradient_descent",
    "minimize",
    "model_objective",
    "momentum",
    "surface_objective",
]

Objective = Callable[[np.ndarray], float]
Gradient = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class Path:
    """The iterates of an optimiser run.

    Attributes
    ----------
    params : ndarray, shape (steps + 1, d)
        Starting point and every iterate.
    losses : ndarray, shape (steps + 1,)
        ``f`` at each row of ``params``.
    method : str
        ``"gd"``, ``"momentum"`` or ``"adam"``.
    lr : float
        Learning rate.
    converged : bool
        The gradient norm fell below ``tol``.
    diverged : bool
        The loss or parameters became non-finite or exceeded ``max_value``.
    message : str
        What happened, in words.

    """

    params: np.ndarray = field(repr=False)
    losses: np.ndarray = field(repr=False)
    method: str
    lr: float
    converged: bool
    diverged: bool
    message: str

    @property
    def steps(self) -> int:
        """Number of steps taken (``len(params) - 1``)."""
        return int(self.params.shape[0] - 1)

    @property
    def final(self) -> np.ndarray:
        """The last iterate."""
        return self.params[-1]

    @property
    def oscillating(self) -> bool:
        """True if most consecutive steps point in opposite directions (zig-zag)."""
        d = np.diff(self.params, axis=0)
        if d.shape[0] < 3:
            return False
        dots = np.einsum("ij,ij->i", d[1:], d[:-1])
        return bool(np.mean(dots < 0) > 0.5)


def _as_start(x0: object) -> np.ndarray:
    x = np.atleast_1d(as_array(x0, "x0")).copy()  # real, finite, non-empty
    if x.ndim != 1:
        raise ValueError(f"x0 must be a finite scalar or 1-D array, got shape {x.shape}")
    return x


def _run(
    f: Objective,
    grad: Gradient,
    x0: object,
    update: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    *,
    method: str,
    lr: float,
    steps: int,
    tol: float,
    max_value: float,
) -> Path:
    steps = as_int(steps, "steps", low=0)
    tol = as_real(tol, "tol", low=0.0)
    max_value = as_real(max_value, "max_value", low=0.0, low_open=True)
    x = _as_start(x0)
    xs, fs = [x.copy()], []
    converged = diverged = False
    message = f"stopped after {steps} steps (not converged)"

    def bad(arr) -> bool:
        return not np.all(np.isfinite(arr)) or np.max(np.abs(arr)) > max_value

    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            try:
                fx = float(f(x))
                g = np.asarray(grad(x), dtype=float).reshape(x.shape)
            except (OverflowError, FloatingPointError):
                fx, g = math.inf, np.full_like(x, math.nan)
            if bad(np.array([fx])):
                if t == 0:
                    raise ValueError(f"f(x0) must be finite and at most max_value, got {fx!r}")
                xs.pop()
                diverged = True
                message = (
                    f"diverged at step {t}: loss {fx:.3g} is not finite or exceeds"
                    f" max_value={max_value:g}"
                )
                break
            fs.append(fx)
            if bad(g):
                diverged = True
                message = f"diverged at step {t}: gradient is not finite or exceeds max_value"
                break
            if float(np.linalg.norm(g)) <= tol:
                converged = True
                message = f"converged after {t} steps (gradient norm <= tol={tol:g})"
                break
            if t == steps:
                break
            x = update(x, g, t + 1)
            if bad(x):
                diverged = True
                message = (
                    f"diverged at step {t + 1}: parameters are not finite or exceed"
                    f" max_value={max_value:g}"
                )
                break
            xs.append(x.copy())
    params = np.array(xs, dtype=float).reshape(len(xs), -1)
    losses = np.array(fs, dtype=float)
    params.setflags(write=False)
    losses.setflags(write=False)
    return Path(params, losses, method, lr, converged, diverged, message)


def gradient_descent(
    f: Objective,
    grad: Gradient,
    x0: object,
    *,
    lr: float = 0.1,
    steps: int = 100,
    tol: float = 1e-8,
    max_value: float = 1e12,
) -> Path:
    r"""Plain gradient descent :math:`x_{t+1} = x_t - \eta \nabla f(x_t)`.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for a 1-D parameter array ``x``.
    grad : callable
        ``grad(x) -> array`` shaped like ``x``.
    x0 : float or array_like
        Starting point.
    lr : float
        Learning rate :math:`\eta > 0`.
    steps : int
        Largest number of steps.
    tol : float
        Stop (``converged=True``) when the gradient norm is at most ``tol``.
    max_value : float
        Stop (``diverged=True``) when the loss, a gradient entry or a parameter
        exceeds this in absolute value or is not finite.

    Returns
    -------
    Path

    Examples
    --------
    >>> p = gradient_descent(lambda x: x[0] ** 2, lambda x: 2 * x, 1.0, lr=0.25, steps=2)
    >>> p.params.ravel().tolist(), p.losses.tolist()
    ([1.0, 0.5, 0.25], [1.0, 0.25, 0.0625])

    """
    lr = as_real(lr, "lr", low=0.0, low_open=True)

    def update(x, g, t):
        return x - lr * g

    return _run(f, grad, x0, update, method="gd", lr=lr, steps=steps, tol=tol, max_value=max_value)


def momentum(
    f: Objective,
    grad: Gradient,
    x0: object,
    *,
    lr: float = 0.1,
    beta: float = 0.9,
    steps: int = 100,
    tol: float = 1e-8,
    max_value: float = 1e12,
) -> Path:
    r"""Heavy-ball momentum (Polyak): a velocity accumulates past gradients.

    :math:`v_{t+1} = \beta v_t - \eta \nabla f(x_t)`, :math:`x_{t+1} = x_t + v_{t+1}`,
    :math:`v_0 = 0`.

    Parameters
    ----------
    f, grad, x0, lr, steps, tol, max_value
        As in :func:`gradient_descent`.
    beta : float
        Momentum coefficient in [0, 1); ``beta=0`` is gradient descent.

    Returns
    -------
    Path

    Examples
    --------
    >>> p = momentum(lambda x: x[0] ** 2, lambda x: 2 * x, 1.0, lr=0.1, beta=0.5, steps=2)
    >>> [round(float(v), 12) for v in p.params.ravel()]  # 1 -> 1 - 0.2 -> 0.8 - 0.1 - 0.16
    [1.0, 0.8, 0.54]

    """
    lr = as_real(lr, "lr", low=0.0, low_open=True)
    beta = as_real(beta, "beta", low=0.0, high=1.0, high_open=True)
    state = {"v": None}

    def update(x, g, t):
        v = -lr * g if state["v"] is None else beta * state["v"] - lr * g
        state["v"] = v
        return x + v

    return _run(
        f, grad, x0, update, method="momentum", lr=lr, steps=steps, tol=tol, max_value=max_value
    )


def adam(
    f: Objective,
    grad: Gradient,
    x0: object,
    *,
    lr: float = 0.1,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    steps: int = 100,
    tol: float = 1e-8,
    max_value: float = 1e12,
) -> Path:
    r"""Adam (Kingma & Ba 2015) with bias correction.

    :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
    :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
    :math:`x_t = x_{t-1} - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)` with
    :math:`\hat m_t = m_t / (1-\beta_1^t)`, :math:`\hat v_t = v_t / (1-\beta_2^t)`.

    Parameters
    ----------
    f, grad, x0, lr, steps, tol, max_value
        As in :func:`gradient_descent`.
    beta1, beta2 : float
        Decay rates of the moment estimates, in [0, 1).
    eps : float
        Added to the denominator (> 0).

    Returns
    -------
    Path

    Examples
    --------
    >>> p = adam(lambda x: x[0] ** 2, lambda x: 2 * x, 1.0, lr=0.1, steps=1)
    >>> round(float(p.final[0]), 6)  # the first Adam step has length lr
    0.9

    """
    lr = as_real(lr, "lr", low=0.0, low_open=True)
    update = _adam_update(lr, beta1, beta2, eps, weight_decay=0.0)
    return _run(
        f, grad, x0, update, method="adam", lr=lr, steps=steps, tol=tol, max_value=max_value
    )


def _adam_update(
    lr: float, beta1: object, beta2: object, eps: object, *, weight_decay: float
) -> Callable[[np.ndarray, np.ndarray, int], np.ndarray]:
    """Return the update of Adam (``weight_decay=0``) or AdamW, with its moment state.

    AdamW first shrinks ``x`` by ``1 - lr * weight_decay``; with ``weight_decay=0`` the
    factor is exactly 1, so both optimisers share one formula.
    """
    beta1 = as_real(beta1, "beta1", low=0.0, high=1.0, high_open=True)
    beta2 = as_real(beta2, "beta2", low=0.0, high=1.0, high_open=True)
    eps = as_real(eps, "eps", low=0.0, low_open=True)
    state: dict[str, np.ndarray | float] = {"m": 0.0, "v": 0.0}

    def update(x, g, t):
        m = beta1 * state["m"] + (1 - beta1) * g
        v = beta2 * state["v"] + (1 - beta2) * g * g
        state["m"], state["v"] = m, v
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        return (1 - lr * weight_decay) * x - lr * m_hat / (np.sqrt(v_hat) + eps)

    return update


_METHODS = {"gd": gradient_descent, "momentum": momentum, "adam": adam}


def minimize(f: Objective, grad: Gradient, x0: object, *, method: str = "gd", **options) -> Path:
    """Run the optimiser named ``method`` (``"gd"``, ``"momentum"`` or ``"adam"``).

    Parameters
    ----------
    f, grad, x0
        As in :func:`gradient_descent`.
    method : str
        Which optimiser.
    **options
        Passed on (``lr``, ``steps``, ``beta``, ...).

    Returns
    -------
    Path

    Examples
    --------
    >>> minimize(lambda x: x[0] ** 2, lambda x: 2 * x, 3.0, method="momentum").method
    'momentum'

    """
    method = as_choice(method, "method", tuple(sorted(_METHODS)))
    return _METHODS[method](f, grad, x0, **options)


# --------------------------------------------------------------------------- objectives


def model_objective(
    model: str,
    X: np.ndarray,
    y: np.ndarray,
    loss: str | Callable = "mse",
    loss_options: dict | None = None,
) -> tuple[Objective, Gradient]:
    """Return ``(f, grad)`` of the mean loss of a two-parameter model.

    The models and parameter orders are those of :mod:`lossviz.surface`, so a
    path can be drawn over the matching surface.

    Parameters
    ----------
    model : {"linear", "logistic", "tanh"}
        ``"linear"``: ``pred = w * x + b``, params ``(w, b)``, ``X`` shape (n,).
        ``"logistic"``: ``z = w1 * X[:, 0] + w2 * X[:, 1]``, params ``(w1, w2)``.
        ``"tanh"``: ``pred = v * tanh(w * x)``, params ``(w, v)``.
    X, y : array_like
        Data.
    loss : str or callable
        Registry name or a loss with ``loss(pred, target, reduction="mean")`` and
        ``loss.grad(pred, target, reduction="mean")`` (d/d pred).
    loss_options : dict, optional
        Keyword options of the loss, e.g. ``{"delta": 0.5}`` for ``"huber"``.

    Returns
    -------
    (callable, callable)

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 2.0]); y = 2 * x + 1
    >>> f, g = model_objective("linear", x, y)
    >>> f(np.array([2.0, 1.0])), g(np.array([2.0, 0.0])).tolist()
    (0.0, [-2.0, -2.0])

    """
    fn, _ = resolve_loss(loss)
    opts = dict(loss_options or {})
    if not hasattr(fn, "grad"):
        raise ValueError("loss must have a .grad method for optimisation")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if model == "linear" or model == "tanh":
        if X.ndim != 1 or X.shape != y.shape:
            raise ValueError(
                f"{model} model needs x and y of equal shape (n,), got {X.shape} and {y.shape}"
            )
    elif model == "logistic":
        if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != y.shape[0]:
            raise ValueError(
                f"logistic model needs X (n, 2) and y (n,), got {X.shape} and {y.shape}"
            )
    else:
        raise ValueError(f"model must be 'linear', 'logistic' or 'tanh', got {model!r}")

    def predict(p):
        if model == "linear":
            return p[0] * X + p[1], (X, np.ones_like(X))
        if model == "logistic":
            return X @ p[:2], (X[:, 0], X[:, 1])
        t = np.tanh(p[0] * X)
        return p[1] * t, (p[1] * X * (1 - t * t), t)

    def f(p):
        pred, _ = predict(np.asarray(p, dtype=float))
        return float(fn(pred, y, reduction="mean", **opts))

    def grad(p):
        pred, (d0, d1) = predict(np.asarray(p, dtype=float))
        g = np.asarray(fn.grad(pred, y, reduction="mean", **opts), dtype=float)
        return np.array([g @ d0, g @ d1])

    return f, grad


def surface_objective(surface: Surface) -> tuple[Objective, Gradient]:
    """Return ``(f, grad)`` interpolating a surface's values and gradient field.

    Bilinear interpolation on the grid; outside the grid ``f`` returns ``inf``,
    so an optimiser that leaves the plotted region stops with ``diverged=True``.

    Parameters
    ----------
    surface : Surface
        A surface from :mod:`lossviz.surface`.

    Returns
    -------
    (callable, callable)

    Examples
    --------
    >>> from lossviz.surface import function_surface
    >>> s = function_surface(lambda p: p[0] ** 2 + p[1] ** 2, [-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0])
    >>> f, g = surface_objective(s)
    >>> f(np.array([0.5, 0.0]))
    0.5

    """
    xs, ys = surface.p1, surface.p2

    def locate(p):
        px, py = float(p[0]), float(p[1])
        if not (xs[0] <= px <= xs[-1] and ys[0] <= py <= ys[-1]):
            return None
        j = min(int(np.searchsorted(xs, px, side="right")) - 1, xs.size - 2)
        i = min(int(np.searchsorted(ys, py, side="right")) - 1, ys.size - 2)
        tx = (px - xs[j]) / (xs[j + 1] - xs[j])
        ty = (py - ys[i]) / (ys[i + 1] - ys[i])
        return i, j, tx, ty

    def interp(a, loc):
        i, j, tx, ty = loc
        return float(
            (1 - ty) * ((1 - tx) * a[i, j] + tx * a[i, j + 1])
            + ty * ((1 - tx) * a[i + 1, j] + tx * a[i + 1, j + 1])
        )

    def f(p):
        loc = locate(p)
        return math.inf if loc is None else interp(surface.values, loc)

    def grad(p):
        loc = locate(p)
        if loc is None:
            return np.full(2, math.nan)
        return np.array([interp(surface.grad_x, loc), interp(surface.grad_y, loc)])

    return f, grad


# ----------------------------------------------- chapter 6: proximal steps and AdamW
# These functions reuse the loop of ``_run`` and the validation of ``lossviz._validate``.


def soft_threshold(x: object, threshold: float) -> np.ndarray:
    r"""Soft-thresholding, the proximal operator of :math:`\tau\lVert\cdot\rVert_1`.

    :math:`\operatorname{prox}_{\tau\lVert\cdot\rVert_1}(x)_j
    = \operatorname{sign}(x_j)\max(|x_j| - \tau, 0)`: every entry moves ``threshold``
    towards 0 and entries within ``threshold`` of 0 become exactly 0.

    Parameters
    ----------
    x : float or array_like
        The point.
    threshold : float
        :math:`\tau \ge 0`.

    Returns
    -------
    ndarray
        Same shape as ``x`` (a 0-d array for a scalar).

    Raises
    ------
    ValueError
        If ``threshold`` is negative or not finite, or ``x`` is not finite.

    Examples
    --------
    >>> soft_threshold([3.0, -0.5, 0.2, -2.0], 1.0).tolist()
    [2.0, -0.0, 0.0, -1.0]

    """
    tau = as_real(threshold, "threshold", low=0.0)
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"x must be finite, got {x!r}")
    return np.sign(arr) * np.maximum(np.abs(arr) - tau, 0.0)


def proximal_gradient(
    f: Objective,
    grad: Gradient,
    x0: object,
    *,
    l1: float,
    lr: float = 0.1,
    steps: int = 100,
    tol: float = 1e-8,
    max_value: float = 1e12,
) -> Path:
    r"""Proximal gradient descent (ISTA) on :math:`f(x) + \lambda\lVert x\rVert_1`.

    :math:`x_{t+1} = \operatorname{prox}_{\eta\lambda\lVert\cdot\rVert_1}
    \bigl(x_t - \eta\nabla f(x_t)\bigr)` (:func:`soft_threshold`): a gradient step on
    the smooth part, then the exact minimiser of the L1 part near that point. Unlike
    (sub)gradient descent on the sum, it sets coordinates exactly to 0.

    Parameters
    ----------
    f, grad : callable
        The smooth part :math:`f` and its gradient.
    x0 : float or array_like
        Starting point.
    l1 : float
        :math:`\lambda \ge 0`; 0 gives gradient descent.
    lr : float
        Step size :math:`\eta > 0` (converges for :math:`\eta \le 1/L` when
        :math:`\nabla f` is :math:`L`-Lipschitz).
    steps, tol, max_value
        As in :func:`gradient_descent`; convergence is measured on the gradient
        mapping :math:`(x - x^+)/\eta`, which is 0 exactly at a minimiser.

    Returns
    -------
    Path
        ``method="prox"``; ``losses`` hold the full objective
        :math:`f(x) + \lambda\lVert x\rVert_1`.

    Examples
    --------
    >>> p = proximal_gradient(lambda x: 0.5 * float((x[0] - 1.0) ** 2), lambda x: x - 1.0,
    ...                       0.0, l1=0.25, lr=1.0, steps=1)
    >>> p.final.tolist()  # argmin of (x - 1)^2 / 2 + |x| / 4 is 0.75
    [0.75]

    """
    lam = as_real(l1, "l1", low=0.0)
    eta = as_real(lr, "lr", low=0.0, low_open=True)

    def objective(x):
        return float(f(x)) + lam * float(np.sum(np.abs(x)))

    def mapping(x):
        g = np.asarray(grad(x), dtype=float).reshape(np.shape(x))
        return (x - soft_threshold(x - eta * g, eta * lam)) / eta

    def update(x, g, t):
        return x - eta * g  # = prox(x - eta * grad f(x)), by the definition of the mapping

    return _run(
        objective,
        mapping,
        x0,
        update,
        method="prox",
        lr=eta,
        steps=steps,
        tol=tol,
        max_value=max_value,
    )


def adamw(
    f: Objective,
    grad: Gradient,
    x0: object,
    *,
    lr: float = 0.1,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
    steps: int = 100,
    tol: float = 1e-8,
    max_value: float = 1e12,
) -> Path:
    r"""Adam with decoupled weight decay (AdamW, Loshchilov & Hutter 2019), as PyTorch.

    Each step first shrinks the parameters, :math:`x \leftarrow (1 - \eta\lambda)\,x`,
    then takes the Adam step of :func:`adam` with the gradient of ``f`` alone,
    evaluated at the point before shrinking, as ``torch.optim.AdamW`` does. The decay
    never passes through Adam's moment estimates, so every coordinate decays at the
    same rate :math:`\eta\lambda` whatever the size of its gradients. Adding
    :math:`\tfrac{\lambda}{2}\lVert x\rVert^2` to ``f`` instead (what
    ``torch.optim.Adam(..., weight_decay=lam)`` does) divides the decay by
    :math:`\sqrt{\hat v_t}`.

    Parameters
    ----------
    f, grad, x0, lr, beta1, beta2, eps, steps, tol, max_value
        As in :func:`adam`.
    weight_decay : float
        :math:`\lambda \ge 0` (PyTorch's AdamW default is 0.01); 0 gives :func:`adam`.

    Returns
    -------
    Path
        ``method="adamw"``; ``losses`` hold ``f`` (without a penalty term).

    Examples
    --------
    >>> p = adamw(lambda x: x[0] ** 2, lambda x: 2 * x, [2.0], lr=0.1, weight_decay=0.5, steps=1)
    >>> round(float(p.final[0]), 6)  # decay 2 * (1 - 0.1 * 0.5), then an Adam step of length 0.1
    1.8

    """
    eta = as_real(lr, "lr", low=0.0, low_open=True)
    wd = as_real(weight_decay, "weight_decay", low=0.0)
    update = _adam_update(eta, beta1, beta2, eps, weight_decay=wd)
    return _run(
        f, grad, x0, update, method="adamw", lr=eta, steps=steps, tol=tol, max_value=max_value
    )


__all__ += ["adamw", "proximal_gradient", "soft_threshold"]
