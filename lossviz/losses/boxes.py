r"""Bounding-box losses of object detection: IoU, GIoU, DIoU and CIoU.

Boxes are in torchvision's format ``(x1, y1, x2, y2)``: the last axis holds the
left, top, right and bottom edges, with ``x1 < x2`` and ``y1 < y2``. ``input`` and
``target`` have the same shape ``(..., 4)`` (one box per row); the losses are
computed per box pair and then reduced over the boxes.

The formulas follow torchvision's ``generalized_box_iou_loss``,
``distance_box_iou_loss`` and ``complete_box_iou_loss`` (including where ``eps``
enters and that CIoU's trade-off weight :math:`\alpha` is a constant for the
gradient), except that the default ``reduction`` here is ``"mean"`` as for every
lossviz loss, where torchvision's default is ``"none"``.

Gradients are written out by hand (reverse mode through the intersection, the
union, the enclosing box, the centres and the aspect ratios). At a tie in a
``max``/``min`` (e.g. equal left edges), the gradient is split in half between
the two arguments, as PyTorch's ``torch.maximum``/``torch.minimum`` do; where the
boxes touch without overlapping, the intersection contributes no gradient.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import _describe, as_bool, as_real, check_reduction, pair
from ._reduction import reduce, scale_grad
from ._registry import GRAD, VALUE, Loss, Slice, fused, register

_FOUR_OVER_PI2 = 4.0 / math.pi**2

#: Boxes per pass: each pass's two dozen temporaries stay small (and in the cache)
#: instead of each being as large as the batch.
_CHUNK = 1 << 14

#: What the appendix's slice of each box loss shows.
_SLICE_ABOUT = (
    "The target is the unit box (0, 0, 1, 1) and the predicted box, the same box "
    "shifted sideways by t, slides across it along the horizontal axis: the boxes "
    "overlap for |t| < 1 and are disjoint beyond."
)
_SLICE_ABOUT_CIOU = (
    "The target is the unit box (0, 0, 1, 1); the predicted box, 1.5 wide and 1 high "
    "(another aspect ratio) and centred on the target at t = 0, slides sideways by t "
    "along the horizontal axis (the boxes are disjoint for |t| > 1.25)."
)


def _boxes(input, target, reduction):
    check_reduction(reduction)
    p, g = pair(input, target, reduction)
    if p.shape[-1] != 4:
        raise ValueError(
            f"input must hold boxes (x1, y1, x2, y2) along its last axis, of shape (..., 4); "
            f"got shape {p.shape}"
        )
    for arr, name in ((p, "input"), (g, "target")):
        bad = (arr[..., 2] <= arr[..., 0]) | (arr[..., 3] <= arr[..., 1])
        if bad.any():
            raise ValueError(
                f"{name} boxes must satisfy x1 < x2 and y1 < y2 (format (x1, y1, x2, y2)), "
                f"got {int(bad.sum())} box(es) that do not, e.g. {_describe(arr[bad][0])}"
            )
    return p, g


def _tie_weight(a, b, larger: bool):
    """Return the derivative of max(a, b) (``larger``) or min(a, b) in a: 1, 0 or 1/2 at ties."""
    wins = a > b if larger else a < b
    return np.where(a == b, 0.5, wins.astype(float))


def _box_terms(p, g, eps, kind):
    """Per-box loss and the pieces the gradient needs (a dict)."""
    x1, y1, x2, y2 = np.moveaxis(p, -1, 0)
    a1, b1, a2, b2 = np.moveaxis(g, -1, 0)
    iw = np.minimum(x2, a2) - np.maximum(x1, a1)
    ih = np.minimum(y2, b2) - np.maximum(y1, b1)
    overlap = (iw > 0) & (ih > 0)
    inter = np.where(overlap, iw * ih, 0.0)
    wp, hp = x2 - x1, y2 - y1
    union = wp * hp + (a2 - a1) * (b2 - b1) - inter
    den = union + eps
    iou = inter / den
    cw = np.maximum(x2, a2) - np.minimum(x1, a1)
    ch = np.maximum(y2, b2) - np.minimum(y1, b1)
    t = {
        "iou": iou,
        "inter": inter,
        "union": union,
        "den": den,
        "iw": iw,
        "ih": ih,
        "overlap": overlap,
        "wp": wp,
        "hp": hp,
        "cw": cw,
        "ch": ch,
    }
    loss = 1.0 - iou
    if kind == "giou":
        area_c = cw * ch
        t["area_c"] = area_c
        loss = loss + (area_c - union) / (area_c + eps)
    elif kind in ("diou", "ciou"):
        diag = cw**2 + ch**2 + eps
        dx = 0.5 * (x1 + x2 - a1 - a2)
        dy = 0.5 * (y1 + y2 - b1 - b2)
        rho = dx**2 + dy**2
        t.update(diag=diag, dx=dx, dy=dy, rho=rho)
        loss = loss + rho / diag
        if kind == "ciou":
            dtheta = np.arctan((a2 - a1) / (b2 - b1)) - np.arctan(wp / hp)
            v = _FOUR_OVER_PI2 * dtheta**2
            # alpha*v -> 0 as v -> 0; v = 0 (equal aspect ratios) gives alpha = 0, no 0/0
            d = 1.0 - iou + v + eps
            alpha = np.where(v > 0, v / np.where(v > 0, d, 1.0), 0.0)
            t["alpha_den"] = np.where(v > 0, d, 1.0)
            t.update(dtheta=dtheta, v=v, alpha=alpha)
            loss = loss + alpha * v
    return loss, t


def _box_grad(p, g, t, eps, kind, detach_alpha=False):
    """d(per-box loss)/d(input box), shape ``p.shape``, by reverse mode through ``t``."""
    x1, y1, x2, y2 = np.moveaxis(p, -1, 0)
    a1, b1, a2, b2 = np.moveaxis(g, -1, 0)
    inter, den = t["inter"], t["den"]
    g_iou = -np.ones_like(inter)  # from 1 - iou
    g_v = None
    if kind == "ciou":
        g_v = t["alpha"].copy()
        if not detach_alpha:  # alpha = v / (q + v + eps), q = 1 - iou, is differentiated too
            q_eps = 1.0 - t["iou"] + eps
            d2 = t["alpha_den"] ** 2
            g_v = g_v + t["v"] * q_eps / d2
            g_iou = g_iou + t["v"] ** 2 / d2
    # iou = inter / (area_p + area_g - inter + eps)
    g_inter = g_iou * (den + inter) / den**2
    g_area = -g_iou * inter / den**2
    g_cw = np.zeros_like(inter)
    g_ch = np.zeros_like(inter)
    gx1, gy1, gx2, gy2 = (np.zeros_like(inter) for _ in range(4))
    if kind == "giou":
        e = t["area_c"] + eps
        g_union = -1.0 / e
        g_inter = g_inter - g_union  # union = area_p + area_g - inter
        g_area = g_area + g_union
        g_c = (t["union"] + eps) / e**2
        g_cw = g_c * t["ch"]
        g_ch = g_c * t["cw"]
    elif kind in ("diou", "ciou"):
        diag = t["diag"]
        g_rho = 1.0 / diag
        g_diag = -t["rho"] / diag**2
        g_cw = 2.0 * t["cw"] * g_diag
        g_ch = 2.0 * t["ch"] * g_diag
        gx1 = gx1 + g_rho * t["dx"]
        gx2 = gx2 + g_rho * t["dx"]
        gy1 = gy1 + g_rho * t["dy"]
        gy2 = gy2 + g_rho * t["dy"]
    wp, hp = t["wp"], t["hp"]
    g_wp = g_area * hp
    g_hp = g_area * wp
    if kind == "ciou":  # v = 4/pi^2 (theta_g - theta_p)^2, theta_p = arctan(w / h)
        g_theta_p = -2.0 * _FOUR_OVER_PI2 * t["dtheta"] * g_v
        r2 = wp**2 + hp**2
        g_wp = g_wp + g_theta_p * hp / r2
        g_hp = g_hp - g_theta_p * wp / r2
    gx2 = gx2 + g_wp
    gx1 = gx1 - g_wp
    gy2 = gy2 + g_hp
    gy1 = gy1 - g_hp
    # intersection = iw * ih where both are positive
    g_iw = np.where(t["overlap"], g_inter * t["ih"], 0.0)
    g_ih = np.where(t["overlap"], g_inter * t["iw"], 0.0)
    gx2 = gx2 + g_iw * _tie_weight(x2, a2, larger=False)
    gx1 = gx1 - g_iw * _tie_weight(x1, a1, larger=True)
    gy2 = gy2 + g_ih * _tie_weight(y2, b2, larger=False)
    gy1 = gy1 - g_ih * _tie_weight(y1, b1, larger=True)
    # enclosing box: cw = max(x2, a2) - min(x1, a1)
    gx2 = gx2 + g_cw * _tie_weight(x2, a2, larger=True)
    gx1 = gx1 - g_cw * _tie_weight(x1, a1, larger=False)
    gy2 = gy2 + g_ch * _tie_weight(y2, b2, larger=True)
    gy1 = gy1 - g_ch * _tie_weight(y1, b1, larger=False)
    return np.stack([gx1, gy1, gx2, gy2], axis=-1)


def _box_loss(want, input, target, eps, reduction, kind, detach_alpha=False):
    """Validate, then the per-box losses and their gradients, :data:`_CHUNK` boxes at a time."""
    eps = as_real(eps, "eps", low=0.0)
    detach_alpha = as_bool(detach_alpha, "detach_alpha")
    p, g = _boxes(input, target, reduction)
    flat_p, flat_g = p.reshape(-1, 4), g.reshape(-1, 4)
    n = flat_p.shape[0]
    loss = np.empty(n)
    grad = np.empty((n, 4)) if want & GRAD else None
    for start in range(0, n, _CHUNK):
        rows = slice(start, start + _CHUNK)
        loss[rows], t = _box_terms(flat_p[rows], flat_g[rows], eps, kind)
        if grad is not None:
            grad[rows] = _box_grad(flat_p[rows], flat_g[rows], t, eps, kind, detach_alpha)
    loss = loss.reshape(p.shape[:-1])
    value = reduce(loss, reduction) if want & VALUE else None
    if grad is None:
        return value, None
    return value, scale_grad(grad.reshape(p.shape), reduction, count=loss.size)


def _box_doc(summary: str, notes: str, extra: str = "") -> str:
    """Return a box loss's docstring: its summary, the shared parameters, its notes."""
    head = summary + "\n" + _PARAMS.replace("%(extra)s", extra)
    return head + "\n    Notes\n    -----\n    " + _COMMON + notes


#: What the four box losses share in their Loss records.
_BOX = {
    "task": "object detection",
    "input_domain": "real",
    "target_domain": "real",
    "convex": False,
}

#: The slice of the IoU, GIoU and DIoU losses: a unit box sliding across the target.
_SHIFT = Slice(
    "entry",
    point=([[0.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]]),
    vary=("input", None),
    direction=((1.0, 0.0, 1.0, 0.0),),
    span=(-2.5, 2.5),
    label=r"horizontal offset $t$ of the predicted box",
    about=_SLICE_ABOUT,
)


_PARAMS = r"""
    Parameters
    ----------
    input : array_like, shape (..., 4)
        Predicted boxes :math:`(x_1, y_1, x_2, y_2)` with :math:`x_1 < x_2`, :math:`y_1 < y_2`.
    target : array_like, shape (..., 4)
        Target boxes, same shape and format.
    eps : float, default 1e-7
        Added to denominators (>= 0), where torchvision adds it.%(extra)s
    reduction : {"mean", "sum", "none"}, default "mean"
        How the per-box losses are combined (torchvision's default is "none").

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or one loss per box (shape ``input.shape[:-1]``) for
        ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shapes that differ or do not end in 4, boxes with ``x2 <= x1`` or
        ``y2 <= y1``, NaN/inf, empty input, a negative ``eps`` or an unknown reduction.
"""

_CIOU_EXTRA = r"""
    detach_alpha : bool, default False
        For ``.grad``: if True, hold :math:`\alpha` constant as torchvision does."""

_COMMON = r"""Write :math:`I` and :math:`U` for the areas of the intersection and the union of
    the two boxes, :math:`\mathrm{IoU} = I/(U + \varepsilon)`, :math:`C` for the smallest
    box enclosing both (width :math:`c_w`, height :math:`c_h`)."""


# --------------------------------------------------------------------- iou
def _iou(want, input, target, *, eps=1e-7, reduction="mean"):
    return _box_loss(want, input, target, eps, reduction, "iou")


_iou.__doc__ = _box_doc(
    r"IoU loss :math:`1 - \mathrm{IoU}` of axis-aligned boxes "
    "(flat when boxes do not overlap).",
    r"""

    .. math:: \ell = 1 - \frac{I}{U + \varepsilon}.

    For boxes that do not overlap, :math:`I = 0` and the loss is 1 with a zero
    gradient, however far apart the boxes are: the loss cannot say which way to move.
    torchvision has ``box_iou`` (a pairwise IoU matrix) but no IoU loss function.

    Examples
    --------
    >>> from lossviz.losses import iou
    >>> iou([[0.0, 0.0, 2.0, 2.0]], [[1.0, 0.0, 3.0, 2.0]], eps=0.0)  # 1 - 2/6
    0.6666666666666667

    """,
)

iou = register(
    Loss(
        name="iou",
        display_name="IoU loss (boxes)",
        **_BOX,
        slice=_SHIFT,
        formula_latex=r"1 - \frac{I}{U + \varepsilon}",
        grad_latex=r"-\frac{\partial}{\partial b}\frac{I}{U + \varepsilon}\ "
        r"\text{(0 when the boxes do not overlap)}",
        **fused(_iou),
    )
)


# -------------------------------------------------------------------- giou
def _giou(want, input, target, *, eps=1e-7, reduction="mean"):
    return _box_loss(want, input, target, eps, reduction, "giou")


_giou.__doc__ = _box_doc(
    r"""Generalised IoU loss (Rezatofighi et al. 2019) of axis-aligned boxes.""",
    r""" With :math:`A_C = c_w c_h`,

    .. math:: \ell = 1 - \frac{I}{U + \varepsilon} + \frac{A_C - U}{A_C + \varepsilon}.

    The loss lies in [0, 2); the second term grows as disjoint boxes move apart, so
    the gradient is not zero there. Same formula as
    ``torchvision.ops.generalized_box_iou_loss(boxes1, boxes2, reduction="none",
    eps=1e-7)``, whose default reduction is "none".

    Examples
    --------
    >>> from lossviz.losses import giou
    >>> giou([[0.0, 0.0, 1.0, 1.0]], [[2.0, 0.0, 3.0, 1.0]], eps=0.0)  # 1 - 0 + (3 - 2)/3
    1.3333333333333333

    """,
)

giou = register(
    Loss(
        name="giou",
        display_name="Generalised IoU loss (GIoU)",
        **_BOX,
        slice=_SHIFT,
        formula_latex=r"1 - \frac{I}{U + \varepsilon} + \frac{A_C - U}{A_C + \varepsilon}",
        grad_latex=r"\text{reverse mode through } I,\ U,\ A_C"
        r"\ \text{(ties in max/min split in half)}",
        **fused(_giou),
        torch_name="torchvision.ops.generalized_box_iou_loss",
    )
)


# -------------------------------------------------------------------- diou
def _diou(want, input, target, *, eps=1e-7, reduction="mean"):
    return _box_loss(want, input, target, eps, reduction, "diou")


_diou.__doc__ = _box_doc(
    r"""Distance IoU loss (Zheng et al. 2020) of axis-aligned boxes.""",
    r""" With :math:`\rho^2` the squared distance between the box centres,

    .. math:: \ell = 1 - \frac{I}{U + \varepsilon} + \frac{\rho^2}{c_w^2 + c_h^2 + \varepsilon}.

    The penalty pulls the centres together at a rate that does not depend on the
    size of the enclosing box. Same formula as
    ``torchvision.ops.distance_box_iou_loss(boxes1, boxes2, reduction="none",
    eps=1e-7)``.

    Examples
    --------
    >>> from lossviz.losses import diou
    >>> diou([[0.0, 0.0, 1.0, 1.0]], [[2.0, 0.0, 3.0, 1.0]], eps=0.0)  # 1 - 0 + 4/(9 + 1)
    1.4

    """,
)

diou = register(
    Loss(
        name="diou",
        display_name="Distance IoU loss (DIoU)",
        **_BOX,
        slice=_SHIFT,
        formula_latex=r"1 - \frac{I}{U + \varepsilon} + \frac{\rho^2}{c_w^2 + c_h^2 + \varepsilon}",
        grad_latex=r"\text{reverse mode through } I,\ U,\ \rho^2,\ c_w,\ c_h",
        **fused(_diou),
        torch_name="torchvision.ops.distance_box_iou_loss",
    )
)


# -------------------------------------------------------------------- ciou
def _ciou(want, input, target, *, eps=1e-7, detach_alpha=False, reduction="mean"):
    return _box_loss(want, input, target, eps, reduction, "ciou", detach_alpha)


_ciou.__doc__ = _box_doc(
    r"""Complete IoU loss (Zheng et al. 2020): DIoU plus an aspect-ratio term.""",
    r""" With :math:`w, h` the width and height of the predicted box and
    :math:`w^g, h^g` those of the target,

    .. math:: v = \frac{4}{\pi^2}\Bigl(\arctan\frac{w^g}{h^g} - \arctan\frac{w}{h}\Bigr)^2,
              \quad \alpha = \frac{v}{1 - \mathrm{IoU} + v + \varepsilon},
              \quad \ell = \ell_\mathrm{DIoU} + \alpha v.

    The value is that of ``torchvision.ops.complete_box_iou_loss(boxes1, boxes2,
    reduction="none", eps=1e-7)``. torchvision computes :math:`\alpha` under
    ``torch.no_grad()``, so its autograd gradient treats :math:`\alpha` as a constant,
    as the paper does. ``.grad`` returns the exact derivative of the value by default
    (so that it agrees with finite differences) and torchvision's gradient with
    ``detach_alpha=True``; the two differ by :math:`v\,\nabla\alpha`. Where
    :math:`v = 0` (equal aspect ratios) :math:`\alpha` is set to 0, which avoids 0/0
    for identical boxes with ``eps=0``.

    Examples
    --------
    >>> from lossviz.losses import ciou
    >>> round(ciou([[0.0, 0.0, 2.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]], eps=0.0), 6)
    0.553248

    """,
    _CIOU_EXTRA,
)

ciou = register(
    Loss(
        name="ciou",
        display_name="Complete IoU loss (CIoU)",
        **_BOX,
        slice=Slice(
            "entry",
            point=([[-0.25, 0.0, 1.25, 1.0]], [[0.0, 0.0, 1.0, 1.0]]),
            vary=("input", None),
            direction=((1.0, 0.0, 1.0, 0.0),),
            span=(-2.5, 2.5),
            label=r"horizontal offset $t$ of the predicted box",
            about=_SLICE_ABOUT_CIOU,
        ),
        formula_latex=r"\ell_\mathrm{DIoU} + \alpha v,\ "
        r"v = \tfrac{4}{\pi^2}\left(\arctan\tfrac{w^g}{h^g} - \arctan\tfrac{w}{h}\right)^2",
        grad_latex=r"\nabla \ell_\mathrm{DIoU} + \alpha \nabla v + v \nabla \alpha\ "
        r"(\text{torchvision drops } v \nabla \alpha)",
        **fused(_ciou),
        torch_name="torchvision.ops.complete_box_iou_loss",
    )
)
