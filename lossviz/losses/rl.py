"""Reinforcement-learning loss: the temporal-difference (Bellman) error of DQN."""

from __future__ import annotations

import functools

import numpy as np

from .._validate import (
    as_array,
    as_choice,
    as_class_indices,
    as_real,
    check_reduction,
    same_shape,
)
from ._docs import loss_doc
from ._reduction import reduce_dot, reduce_huber, scale_grad
from ._registry import GRAD, VALUE, Loss, Slice, fused, register

_FEW_ACTIONS = 16  # up to this many actions, _row_max takes maxima of columns


def _row_max(a: np.ndarray) -> np.ndarray:
    """Maximum of each row of ``a`` (N, A).

    For a few actions, ``A - 1`` element-wise maxima of columns: NumPy's reduction
    along a short contiguous axis is several times slower.
    """
    if a.shape[1] <= _FEW_ACTIONS:
        return functools.reduce(np.maximum, a.T)
    return np.max(a, axis=1)


def _as_dones(dones, n):
    """Episode-end flags as floats 0/1: booleans or the numbers 0 and 1."""
    raw = np.asarray(dones)
    d = raw.astype(np.float64) if raw.dtype.kind == "b" else as_array(dones, "dones")
    if d.shape != (n,):
        raise ValueError(f"dones must have shape ({n},), one flag per sample; got {d.shape}")
    bad = (d != 0) & (d != 1)
    if bad.any():
        raise ValueError(
            f"dones must hold 0/1 or booleans, got {int(bad.sum())} other value(s), "
            f"e.g. {d[bad][0]!r}"
        )
    return d


def _td_parts(q_values, actions, rewards, next_q, dones, gamma, kind, delta, reduction):
    check_reduction(reduction)
    gamma = as_real(gamma, "gamma", low=0.0, high=1.0)
    delta = as_real(delta, "delta", low=0.0, low_open=True)
    kind = as_choice(kind, "kind", ("mse", "huber"))
    q = as_array(q_values, "q_values")
    if q.ndim != 2:
        raise ValueError(f"q_values must have shape (N, A) (samples, actions), got {q.shape}")
    n, n_actions = q.shape
    if np.shape(actions) != (n,):
        raise ValueError(f"actions must have shape ({n},), got {np.shape(actions)}")
    a = as_class_indices(actions, "actions", n_actions)
    r = as_array(rewards, "rewards")
    if r.shape != (n,):
        raise ValueError(f"rewards must have shape ({n},), one per sample; got {r.shape}")
    nq = as_array(next_q, "next_q")
    same_shape(q, "q_values", nq, "next_q")
    d = _as_dones(dones, n)
    target = r + gamma * (1.0 - d) * _row_max(nq)
    td = q[np.arange(n), a] - target
    return q, a, td, kind, delta


@loss_doc(
    {
        "q_values": (
            "array_like",
            r":math:`Q(s_n, \cdot)` from the online network, shape ``(N, A)``.",
        ),
        "actions": ("array_like", "Actions taken, integer indices in ``[0, A)``, shape ``(N,)``."),
        "rewards": ("array_like", "Rewards :math:`r_n`, shape ``(N,)``."),
        "next_q": (
            "array_like",
            r":math:`Q(s'_n, \cdot)` from the target network, shape ``(N, A)``.",
        ),
        "dones": ("array_like", "1 (or True) where :math:`s'_n` is terminal, shape ``(N,)``."),
        "gamma": ("float, default 0.99", r"Discount :math:`\gamma \in [0, 1]`."),
        "kind": (
            '{"mse", "huber"}, default "mse"',
            r"Penalty on the TD error :math:`\delta`: :math:`\delta^2` or Huber.",
        ),
        "delta": ("float, default 1.0", 'Huber threshold (``kind="huber"``; > 0).'),
    },
    value_errors="shapes that do not fit, actions out of range, dones not 0/1, ``gamma`` "
    "outside [0, 1], an unknown ``kind``, NaN/inf or an unknown reduction",
    per="sample",
    type_errors="non-numeric, complex or object arguments",
)
def _bellman_td(
    want,
    q_values,
    actions,
    rewards,
    next_q,
    dones,
    *,
    gamma=0.99,
    kind="mse",
    delta=1.0,
    reduction="mean",
):
    r"""Temporal-difference (Bellman) error of deep Q-learning, target held fixed.

    Notes
    -----
    The target :math:`t_n = r_n + \gamma (1 - d_n)\max_{a'} \bar Q(s'_n, a')`, with
    :math:`\bar Q` the target network, is a constant (no gradient flows into ``next_q``),
    and :math:`\delta_n = Q(s_n, a_n) - t_n`:

    .. math:: \ell_n = \delta_n^2 \;\text{(mse)} \quad\text{or}\quad
              \operatorname{huber}_\delta(\delta_n), \qquad
              \frac{\partial\ell_n}{\partial Q(s_n, a)} = [a = a_n]\,
              \begin{cases} 2\delta_n \\ \operatorname{clip}(\delta_n, -\delta, \delta)
              \end{cases}.

    ``.grad`` returns the gradient with respect to ``q_values`` only (shape ``(N, A)``,
    zero except at the actions taken). Equals ``F.mse_loss`` / ``F.huber_loss`` of
    ``q_values.gather(1, actions)`` against the detached target.

    Examples
    --------
    >>> from lossviz.losses import bellman_td
    >>> # target = 1 + 0.5 * max(2, 4) = 3, Q(s, a) = 1, so the TD error is -2
    >>> bellman_td([[1.0, 0.0]], [0], [1.0], [[2.0, 4.0]], [0], gamma=0.5)
    4.0
    >>> bellman_td.grad([[1.0, 0.0]], [0], [1.0], [[2.0, 4.0]], [0], gamma=0.5)
    array([[-4.,  0.]])

    """
    q, a, td, kind, delta = _td_parts(
        q_values, actions, rewards, next_q, dones, gamma, kind, delta, reduction
    )
    g_td = 2.0 * td if kind == "mse" else np.clip(td, -delta, delta)
    value = None
    if want & VALUE:
        if kind == "mse":
            value = reduce_dot(td, td, reduction)
        else:  # Huber, from g = clip(td, -delta, delta)
            value = reduce_huber(g_td, td, reduction)
    if not want & GRAD:
        return value, None
    g = np.zeros_like(q)
    g[np.arange(q.shape[0]), a] = g_td
    return value, scale_grad(g, reduction, q.shape[0])


bellman_td = register(
    Loss(
        name="bellman_td",
        display_name="Bellman / TD error (DQN)",
        task="reinforcement learning",
        input_domain="real",
        slice=Slice(
            "entry",
            point=([[1.0, 0.0]], [0], [1.0], [[2.0, 4.0]], [0]),
            options={"gamma": 0.5},
            vary=("q_values", (0, 0)),
            span=(-1.0, 3.0),
        ),
        convex=True,
        formula_latex=r"\big(Q(s, a) - r - \gamma(1 - d)\max_{a'} \bar Q(s', a')\big)^2",
        grad_latex=r"2\delta\,[a = a_n]",
        **fused(_bellman_td),
        inputs=("q_values",),
    )
)
