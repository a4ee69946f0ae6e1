"""The box losses (IoU, GIoU, DIoU, CIoU): hand values, laws, gradients, torch formulas."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossviz import losses
from lossviz.losses import check_grad

BOX_LOSSES = [losses.iou, losses.giou, losses.diou, losses.ciou]
IDS = [loss.name for loss in BOX_LOSSES]


def random_boxes(rng, n, spread=4.0):
    """n boxes (x1, y1, x2, y2) with positive width and height."""
    xy = rng.uniform(-spread, spread, size=(n, 2))
    wh = rng.uniform(0.3, 3.0, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


# ------------------------------------------------------------ hand-computed values
def test_iou_of_two_half_overlapping_squares():
    # intersection 2, union 4 + 4 - 2 = 6
    assert losses.iou([0.0, 0.0, 2.0, 2.0], [1.0, 0.0, 3.0, 2.0], eps=0.0) == pytest.approx(2 / 3)


def test_giou_of_disjoint_unit_squares_counts_the_empty_part_of_the_hull():
    # I = 0, U = 2, hull 3 x 1: 1 - 0 + (3 - 2) / 3
    v = losses.giou([[0.0, 0.0, 1.0, 1.0]], [[2.0, 0.0, 3.0, 1.0]], eps=0.0)
    assert v == pytest.approx(4 / 3, rel=1e-15)


def test_diou_adds_squared_centre_distance_over_squared_hull_diagonal():
    # centres 2 apart, hull diagonal^2 = 3^2 + 1^2
    v = losses.diou([[0.0, 0.0, 1.0, 1.0]], [[2.0, 0.0, 3.0, 1.0]], eps=0.0)
    assert v == pytest.approx(1 + 4 / 10, rel=1e-15)


def test_ciou_adds_the_aspect_ratio_term():
    # I = 1, U = 2; centres 0.5 apart; hull 2 x 1; v = 4/pi^2 (atan 1 - atan 2)^2
    v = 4 / math.pi**2 * (math.atan(1.0) - math.atan(2.0)) ** 2
    alpha = v / (1 - 0.5 + v)
    want = 1 - 0.5 + 0.25 / 5 + alpha * v
    got = losses.ciou([[0.0, 0.0, 2.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]], eps=0.0)
    assert got == pytest.approx(want, rel=1e-14)


@pytest.mark.parametrize("loss", BOX_LOSSES, ids=IDS)
def test_identical_boxes_have_zero_loss_up_to_eps(loss):
    b = np.array([[1.0, 2.0, 4.0, 3.5], [-1.0, -1.0, 0.5, 2.0]])
    assert loss(b, b, eps=0.0) == 0.0
    assert loss(b, b) == pytest.approx(0.0, abs=1e-6)


def test_iou_loss_is_flat_when_boxes_do_not_overlap_but_giou_and_diou_are_not():
    target = np.array([0.0, 0.0, 1.0, 1.0])
    for dx in (2.0, 3.0, 5.0):
        box = target + [dx, 0.0, dx, 0.0]
        assert losses.iou(box, target) == 1.0
        np.testing.assert_array_equal(losses.iou.grad(box, target), np.zeros(4))
        for loss in (losses.giou, losses.diou):
            g = loss.grad(box, target)
            assert g[0] + g[2] > 0  # translating the box right (away) increases the loss


def test_giou_stays_below_two_and_diou_below_two_far_apart():
    target = np.array([[0.0, 0.0, 1.0, 1.0]])
    far = target + [1e3, 1e3, 1e3, 1e3]
    assert 1.99 < losses.giou(far, target) < 2.0
    assert 1.99 < losses.diou(far, target) < 2.0


@pytest.mark.parametrize("loss", BOX_LOSSES, ids=IDS)
def test_single_box_gives_a_zero_dimensional_per_box_loss(loss):
    per = loss([0.0, 0.0, 2.0, 2.0], [1.0, 0.0, 3.0, 2.0], reduction="none")
    assert isinstance(per, np.ndarray) and per.shape == ()


# ------------------------------------------------------------------------ laws
@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(IDS), st.sampled_from([0.0, 1e-7]))
def test_losses_are_translation_and_scale_invariant_and_iou_giou_diou_symmetric(seed, name, eps):
    rng = np.random.default_rng(seed)
    loss = losses.REGISTRY[name]
    p, g = random_boxes(rng, 5), random_boxes(rng, 5)
    v = loss(p, g, eps=0.0, reduction="none")
    shift = np.tile(rng.uniform(-3, 3, size=2), 2)
    np.testing.assert_allclose(
        loss(p + shift, g + shift, eps=0.0, reduction="none"), v, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(
        loss(2.5 * p, 2.5 * g, eps=0.0, reduction="none"), v, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(
        loss(g, p, eps=0.0, reduction="none") if name != "ciou" else v, v, rtol=1e-12, atol=1e-12
    )
    assert np.all(v >= 0)
    assert np.all(
        losses.giou(p, g, eps=eps, reduction="none")
        >= losses.iou(p, g, eps=eps, reduction="none") - 1e-12
    )
    assert np.all(
        losses.ciou(p, g, eps=eps, reduction="none")
        >= losses.diou(p, g, eps=eps, reduction="none") - 1e-12
    )
    assert np.all(losses.giou(p, g, eps=eps, reduction="none") < 2.0)


# ------------------------------------------------------------------- gradients
@pytest.mark.parametrize("loss", BOX_LOSSES, ids=IDS)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_gradient_matches_finite_differences(loss, reduction):
    rng = np.random.default_rng(3)
    p, g = random_boxes(rng, 40, spread=1.5), random_boxes(rng, 40, spread=1.5)
    assert check_grad(loss, p, g, reduction=reduction) < 1e-6


def test_ciou_detached_gradient_differs_from_the_exact_one_by_v_grad_alpha():
    p = np.array([[0.0, 0.0, 2.0, 1.0]])
    g = np.array([[0.2, 0.1, 1.0, 1.3]])
    exact = losses.ciou.grad(p, g)
    detached = losses.ciou.grad(p, g, detach_alpha=True)
    assert not np.allclose(exact, detached)
    assert check_grad(losses.ciou, p, g) < 1e-7
    value, grad = losses.ciou.value_and_grad(p, g, detach_alpha=True)
    assert value == losses.ciou(p, g)
    np.testing.assert_array_equal(grad, detached)


@pytest.mark.parametrize("loss", BOX_LOSSES, ids=IDS)
def test_value_and_grad_equals_value_then_grad(loss):
    rng = np.random.default_rng(4)
    p, g = random_boxes(rng, 6), random_boxes(rng, 6)
    value, grad = loss.value_and_grad(p, g, reduction="sum")
    assert value == loss(p, g, reduction="sum")
    np.testing.assert_array_equal(grad, loss.grad(p, g, reduction="sum"))


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("loss", BOX_LOSSES, ids=IDS)
def test_boxes_must_have_four_coordinates_and_positive_size(loss):
    with pytest.raises(ValueError, match=r"last axis, of shape \(\.\.\., 4\); got shape \(2, 3\)"):
        loss(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"input boxes must satisfy x1 < x2 and y1 < y2.*\[2\.0"):
        loss([[2.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=r"target boxes must satisfy x1 < x2 and y1 < y2"):
        loss([[0.0, 0.0, 1.0, 1.0]], [[0.0, 1.0, 1.0, 1.0]])
    with pytest.raises(
        ValueError, match=r"^eps must be a finite real number in \[0, inf\), got -1.0$"
    ):
        loss([[0.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]], eps=-1.0)
    with pytest.raises(ValueError, match="target must have the same shape as input"):
        loss([[0.0, 0.0, 1.0, 1.0]], [0.0, 0.0, 1.0, 1.0])


def test_detach_alpha_must_be_a_bool():
    with pytest.raises(TypeError, match=r"^detach_alpha must be True or False, got 1 \(int\)$"):
        losses.ciou([0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], detach_alpha=1)


# ------------------------------------------------- torchvision's formulas in torch
torch = pytest.importorskip("torch")


def torch_box_loss(kind, b, t, eps, reduction, detach_alpha=True):
    """The published GIoU / DIoU / CIoU losses (torchvision's definitions) in torch ops."""
    x1, y1, x2, y2 = b.unbind(-1)
    a1, b1, a2, b2 = t.unbind(-1)
    iw = torch.minimum(x2, a2) - torch.maximum(x1, a1)
    ih = torch.minimum(y2, b2) - torch.maximum(y1, b1)
    inter = torch.where((iw > 0) & (ih > 0), iw * ih, torch.zeros_like(iw))
    union = (x2 - x1) * (y2 - y1) + (a2 - a1) * (b2 - b1) - inter
    iou = inter / (union + eps)
    cw = torch.maximum(x2, a2) - torch.minimum(x1, a1)
    ch = torch.maximum(y2, b2) - torch.minimum(y1, b1)
    if kind == "iou":
        loss = 1 - iou
    elif kind == "giou":
        area_c = cw * ch
        loss = 1 - iou + (area_c - union) / (area_c + eps)
    else:
        rho2 = ((x1 + x2 - a1 - a2) / 2) ** 2 + ((y1 + y2 - b1 - b2) / 2) ** 2
        loss = 1 - iou + rho2 / (cw**2 + ch**2 + eps)
        if kind == "ciou":
            v = (
                4
                / torch.pi**2
                * (torch.atan((a2 - a1) / (b2 - b1)) - torch.atan((x2 - x1) / (y2 - y1))) ** 2
            )
            if detach_alpha:
                with torch.no_grad():
                    alpha = v / (1 - iou + v + eps)
            else:
                alpha = v / (1 - iou + v + eps)
            loss = loss + alpha * v
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


@pytest.mark.parametrize(
    ("loss", "detach"),
    [(loss, False) for loss in BOX_LOSSES] + [(losses.ciou, True)],
    ids=[*IDS, "ciou-detached"],
)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("eps", [1e-7, 0.0, 0.5])
def test_matches_torch_autograd_of_the_published_formula(loss, detach, reduction, eps):
    rng = np.random.default_rng(7)
    p, g = random_boxes(rng, 30, spread=2.0), random_boxes(rng, 30, spread=2.0)
    p[0], g[0] = [0.0, 0.0, 1.0, 1.0], [3.0, 0.0, 4.0, 1.0]  # disjoint
    p[1], g[1] = [0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 2.0, 1.0]  # identical: ties everywhere
    p[2], g[2] = [0.0, 0.0, 2.0, 2.0], [0.0, 0.5, 3.0, 2.0]  # shared left and bottom... edges
    if eps == 0.0 and loss is losses.ciou:
        # torchvision's alpha is 0/0 = nan for identical boxes with eps = 0; lossviz sets
        # alpha = 0 where v = 0 (tested in test_identical_boxes_have_zero_loss_up_to_eps)
        p, g = np.delete(p, 1, axis=0), np.delete(g, 1, axis=0)
    pt = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    gt = torch.tensor(g, dtype=torch.float64)
    out = torch_box_loss(loss.name, pt, gt, eps, reduction, detach_alpha=detach)
    out.sum().backward()
    kw = {"detach_alpha": True} if detach else {}
    np.testing.assert_allclose(
        loss(p, g, eps=eps, reduction=reduction), out.detach().numpy(), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        loss.grad(p, g, eps=eps, reduction=reduction, **kw), pt.grad.numpy(), rtol=1e-10, atol=1e-13
    )


def test_torchvision_names_and_defaults_are_recorded():
    assert losses.giou.torch_name == "torchvision.ops.generalized_box_iou_loss"
    assert losses.diou.torch_name == "torchvision.ops.distance_box_iou_loss"
    assert losses.ciou.torch_name == "torchvision.ops.complete_box_iou_loss"
    for loss in (losses.giou, losses.diou, losses.ciou):
        assert loss.options["eps"] == 1e-7  # torchvision's default
        assert loss.options["reduction"] == "mean"  # torchvision's default is "none"
