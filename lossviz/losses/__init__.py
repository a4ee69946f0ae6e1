"""Every loss of the book as a callable with an analytic ``.grad``, plus a registry.

Call a loss like ``torch.nn.functional``: ``losses.huber(input, target, delta=1.0)``
returns a float (an array for ``reduction="none"``); ``losses.huber.grad(...)`` with
the same arguments returns d(loss)/d(input), shaped like ``input``.

:data:`REGISTRY` maps every name and alias to its :class:`Loss`;
:func:`catalogue` lists each loss once, in a stable order.
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
    "check_grad",
]
