r"""Softplus and sigmoid of :math:`\pm z` from one exponential, with few temporaries.

The same arithmetic as :func:`._numerics.softplus_pair` and :func:`._numerics.sigmoid_pair`
(so the results agree to the bit), for losses that need only one side of each pair,
e.g. :math:`-\log\sigma(d) = \operatorname{softplus}(-d)` and its derivative
:math:`-\sigma(-d)`: every result is written into an array allocated once, and the
caller's own temporary ``z`` may be overwritten. Zero-dimensional arrays stay arrays.
"""

from __future__ import annotations

import numpy as np


def logistic(z: np.ndarray, sign: int, *, value: bool = True, grad: bool = True, own=False):
    r"""Return ``(softplus(sign * z), sigmoid(sign * z))``, each None if not asked for.

    Parameters
    ----------
    z : numpy.ndarray
        Float64 array.
    sign : {1, -1}
        The side: :math:`\operatorname{softplus}(\pm z)` and :math:`\sigma(\pm z)`, where
        :math:`\frac{d}{dz}\operatorname{softplus}(\pm z) = \pm\sigma(\pm z)`.
    value, grad : bool
        Whether to compute the softplus and the sigmoid.
    own : bool
        True if ``z`` is the caller's temporary: the softplus is written into it.

    Returns
    -------
    softplus, sigmoid : numpy.ndarray or None

    Notes
    -----
    With :math:`e = e^{-|z|}`: :math:`\operatorname{softplus}(\pm z) = \max(\pm z, 0) +
    \log(1 + e)` and :math:`\sigma(\pm z) = \max(e, [\pm z \ge 0]) / (1 + e)` (the
    numerator is 1 or :math:`e`; at :math:`z = 0` the minus side takes :math:`e = 1`).

    Examples
    --------
    >>> import numpy as np
    >>> sp, s = logistic(np.array([0.0, 2.0]), -1)
    >>> sp.round(6), s.round(6)
    (array([0.693147, 0.126928]), array([0.5     , 0.119203]))

    """
    e = np.abs(z, out=np.empty_like(z))
    np.negative(e, out=e)
    np.exp(e, out=e)
    sig = None
    if grad:
        sig = np.maximum(e, z >= 0 if sign > 0 else z < 0, out=np.empty_like(z))
        inv = np.add(e, 1.0, out=np.empty_like(z))
        np.divide(1.0, inv, out=inv)
        sig *= inv
        del inv
    if not value:
        return None, sig
    out = z if own else np.empty_like(z)
    if sign > 0:
        sp = np.maximum(z, 0.0, out=out)
    else:
        sp = np.minimum(z, 0.0, out=out)
        np.negative(sp, out=sp)  # max(-z, 0) without the temporary -z
    sp += np.log1p(e, out=e)
    return sp, sig
