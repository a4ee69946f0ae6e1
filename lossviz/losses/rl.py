"""Reinforcement-learning loss: the temporal-difference (Bellman) error of DQN."""

from __future__ import annotations

import numpy as np

from ._reduction import reduce, reduce_grad
from ._registry import Loss, register
from ._validate import as_array, as_class_indices, as_option, check_reduction, same_shape


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
    gamma = as_option(gamma, "gamma", low=0.0, high=1.0)
    delta = as_option(delta, "delta", low=0.0, low_open=True)
    if kind not in ("mse", "huber"):
        raise ValueError(f"kind must be 'mse' or 'huber', got {kind!r}")
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
    target = r + gamma * (1.0 - d) * np.max(nq, axis=1)
    td = q[np.arange(n), a] - target
    return q, a, td, kind, delta


def _bellman_td(
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

    Parameters
    ----------
    q_values : array_like
        :math:`Q(s_n, \cdot)` from the online network, shape ``(N, A)``.
    actions : array_like
        Actions taken, integer indices in ``[0, A)``, shape ``(N,)``.
    rewards : array_like
        Rewards :math:`r_n`, shape ``(N,)``.
    next_q : array_like
        :math:`Q(s'_n, \cdot)` from the target network, shape ``(N, A)``.
    dones : array_like
        1 (or True) where :math:`s'_n` is terminal, shape ``(N,)``.
    gamma : float, default 0.99
        Discount :math:`\gamma \in [0, 1]`.
    kind : {"mse", "huber"}, default "mse"
        Penalty on the TD error :math:`\delta`: :math:`\delta^2` or Huber.
    delta : float, default 1.0
        Huber threshold (``kind="huber"``; > 0).
    reduction : {"mean", "sum", "none"}, default "mean"
        How per-sample losses are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-sample losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, complex or object arguments.
    ValueError
        For shapes that do not fit, actions out of range, dones not 0/1,
        ``gamma`` outside [0, 1], an unknown ``kind``, NaN/inf or an unknown reduction.

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
    _, _, td, kind, delta = _td_parts(
        q_values, actions, rewards, next_q, dones, gamma, kind, delta, reduction
    )
    if kind == "mse":
        per = td * td
    else:
        a = np.abs(td)
        per = np.where(a <= delta, 0.5 * td * td, delta * (a - 0.5 * delta))
    return reduce(per, reduction)


def _bellman_td_grad(
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
    q, a, td, kind, delta = _td_parts(
        q_values, actions, rewards, next_q, dones, gamma, kind, delta, reduction
    )
    g_td = 2.0 * td if kind == "mse" else np.clip(td, -delta, delta)
    g = np.zeros_like(q)
    g[np.arange(q.shape[0]), a] = g_td
    return reduce_grad(g, reduction, q.shape[0])


bellman_td = register(
    Loss(
        name="bellman_td",
        display_name="Bellman / TD error (DQN)",
        task="reinforcement learning",
        convex=True,
        formula_latex=r"\big(Q(s, a) - r - \gamma(1 - d)\max_{a'} \bar Q(s', a')\big)^2",
        grad_latex=r"2\delta\,[a = a_n]",
        value_fn=_bellman_td,
        grad_fn=_bellman_td_grad,
        inputs=("q_values",),
    )
)
