"""Every loss of the book as a callable with an analytic ``.grad``, plus a registry.

Call a loss like ``torch.nn.functional``: ``losses.huber(input, target, delta=1.0)``
returns a float (an array for ``reduction="none"``); ``losses.huber.grad(...)`` with
the same arguments returns d(loss)/d(input), shaped like ``input`` (for
``reduction="none"``, the gradient of the sum). Losses with several differentiable
inputs (``loss.inputs``) return a tuple of gradients in argument order.

:data:`REGISTRY` maps every name and alias to its :class:`Loss`;
:func:`catalogue` lists each loss once, in a stable order; :func:`check_grad`
compares a gradient with central finite differences.

Modules, one job each: ``lossviz._validate`` (argument checks and error messages,
shared with the rest of lossviz), ``_reduction`` (reductions and gradient scaling),
``_numerics`` (stable sigmoid, softplus, log-softmax), ``_registry`` (:class:`Loss`,
the registry and its order, :func:`~lossviz.losses._registry.fused` to build a loss
from one function computing its value and gradient),
``_gradcheck`` (:func:`check_grad`), and the losses by family: ``regression``,
``probabilistic``, ``classification``, ``margin``, ``segmentation``, ``metric``, ``rl``, ``boxes``,
``penalties``.

Examples
--------
>>> from lossviz import losses
>>> losses.huber([0.5, 3.0], [0.0, 0.0])
1.3125
>>> sorted({loss.task for loss in losses.catalogue()})[:2]
['classification', 'generative modelling']

"""

# The order of catalogue() is _registry.ORDER, not the order of these imports.
from ._gradcheck import check_grad
from ._registry import DOMAINS, REGISTRY, TASKS, Loss, Slice, catalogue
from .boxes import ciou, diou, giou, iou
from .classification import bce, bce_with_logits, cross_entropy, nll, sigmoid_focal
from .generative import (
    gan_hinge,
    gan_minimax,
    gan_non_saturating,
    gaussian_kl,
    neg_elbo,
    wasserstein_critic,
)
from .margin import hinge, hinge_embedding, multi_margin, soft_margin, squared_hinge
from .metric import cosine_embedding, margin_ranking, triplet_margin
from .penalties import l1_penalty, l2_penalty, uncertainty_weighted
from .preference import bpr, bradley_terry, dpo, listnet
from .probabilistic import gaussian_nll, kl_div, poisson_nll
from .regression import huber, l1, log_cosh, mae, mse, pinball, smooth_l1
from .representation import contrastive, distillation, info_nce
from .rl import bellman_td
from .segmentation import dice, tversky
from .sequence import ctc

__all__ = [
    "DOMAINS",
    "REGISTRY",
    "Slice",
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
    "gan_hinge",
    "gan_minimax",
    "gan_non_saturating",
    "gaussian_kl",
    "neg_elbo",
    "wasserstein_critic",
]
