"""Every loss of the book as a callable with an analytic ``.grad``, plus a registry.

Call a loss like ``torch.nn.functional``: ``losses.huber(input, target, delta=1.0)``
returns a float (an array for ``reduction="none"``); ``losses.huber.grad(...)`` with
the same arguments returns d(loss)/d(input), shaped like ``input`` (for
``reduction="none"``, the gradient of the sum). Losses with several differentiable
inputs (``loss.inputs``) return a tuple of gradients in argument order.

:data:`REGISTRY` maps every name and alias to its :class:`Loss`;
:func:`catalogue` lists each loss once, in a stable order; :func:`check_grad`
compares a gradient with central finite differences.

Modules, one job each: ``_validate`` (argument checks and error messages),
``_reduction`` (reductions and gradient scaling), ``_numerics`` (stable sigmoid,
softplus, log-softmax), ``_registry`` (:class:`Loss`, the registry),
``_gradcheck`` (:func:`check_grad`), and the losses by family: ``regression``,
``probabilistic``, ``classification``, ``margin``, ``segmentation``, ``metric``, ``rl``, ``boxes``,
``penalties``.

Examples
--------
>>> from lossviz import losses
>>> losses.huber([0.5, 3.0], [0.0, 0.0])
1.3125
>>> sorted({loss.task for loss in losses.catalogue()})[:1]
['classification']

"""

from ._gradcheck import check_grad
from ._registry import REGISTRY, TASKS, Loss, catalogue

# isort: off
# Import order is registration order, hence the order of catalogue().
from .regression import huber, l1, log_cosh, mae, mse, pinball, smooth_l1
from .probabilistic import gaussian_nll, kl_div, poisson_nll
from .classification import bce, bce_with_logits, cross_entropy, nll, sigmoid_focal
from .margin import hinge, hinge_embedding, multi_margin, soft_margin, squared_hinge
from .segmentation import dice, tversky
from .metric import cosine_embedding, margin_ranking, triplet_margin
from .rl import bellman_td
from .boxes import ciou, diou, giou, iou
from .penalties import l1_penalty, l2_penalty, uncertainty_weighted
from .sequence import ctc
from .representation import contrastive, distillation, info_nce
from .preference import bpr, bradley_terry, dpo, listnet

# isort: on

__all__ = [
    "REGISTRY",
    "TASKS",
    "Loss",
    "catalogue",
    "bce",
    "bce_with_logits",
    "bellman_td",
    "cosine_embedding",
    "cross_entropy",
    "ctc",
    "dice",
    "gaussian_nll",
    "hinge",
    "hinge_embedding",
    "huber",
    "kl_div",
    "l1",
    "log_cosh",
    "mae",
    "margin_ranking",
    "mse",
    "multi_margin",
    "nll",
    "pinball",
    "poisson_nll",
    "sigmoid_focal",
    "smooth_l1",
    "soft_margin",
    "squared_hinge",
    "triplet_margin",
    "tversky",
    "ciou",
    "diou",
    "giou",
    "iou",
    "l1_penalty",
    "l2_penalty",
    "uncertainty_weighted",
    "check_grad",
    "contrastive",
    "info_nce",
    "distillation",
    "bpr",
    "listnet",
    "bradley_terry",
    "dpo",
]
