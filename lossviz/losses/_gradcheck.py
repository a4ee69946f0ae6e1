"""Check an analytic gradient against central finite differences."""

from __future__ import annotations

import numpy as np


def check_grad(loss, *args, h: float = 1e-6, **kwargs) -> float:
    r"""Return the largest absolute gap between ``loss.grad`` and finite differences.

    Each entry of every differentiable argument (``loss.inputs``) is moved by
    :math:`\pm h` and the central difference :math:`(f(x + h) - f(x - h)) / 2h` of
    the loss (summed, for ``reduction="none"``) is compared with the analytic
    gradient. Use it away from kinks, where the two must agree.

    Parameters
    ----------
    loss : Loss
        A loss from :mod:`lossviz.losses`.
    *args
        Positional arguments of the loss.
    h : float, default 1e-6
        Finite-difference step.
    **kwargs
        Keyword arguments of the loss (options, ``reduction``).

    Returns
    -------
    float
        :math:`\max |g_\text{analytic} - g_\text{numeric}|` over all differentiable entries.

    Examples
    --------
    >>> from lossviz.losses import check_grad, huber
    >>> check_grad(huber, [0.3, -2.0, 1.5], [0.0, 0.0, 1.0]) < 1e-8
    True

    """
    names = list(loss.__signature__.parameters)
    args = list(args)
    kwargs = dict(kwargs)
    slots = []
    for name in loss.inputs:
        pos = names.index(name)
        if pos < len(args):
            args[pos] = np.array(args[pos], dtype=np.float64)
            slots.append((args, pos))
        else:
            kwargs[name] = np.array(kwargs[name], dtype=np.float64)
            slots.append((kwargs, name))
    analytic = loss.grad(*args, **kwargs)
    if len(loss.inputs) == 1:
        analytic = (analytic,)

    def total() -> float:
        return float(np.sum(loss(*args, **kwargs)))

    worst = 0.0
    for (holder, key), g in zip(slots, analytic, strict=True):
        x = holder[key]
        for i in range(x.size):
            old = x.flat[i]
            x.flat[i] = old + h
            up = total()
            x.flat[i] = old - h
            down = total()
            x.flat[i] = old
            worst = max(worst, abs((up - down) / (2 * h) - np.asarray(g).flat[i]))
    return float(worst)
