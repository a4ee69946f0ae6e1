"""The :class:`Loss` record and the registry every loss is entered in."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

TASKS = (
    "regression",
    "classification",
    "segmentation",
    "ranking/metric learning",
    "reinforcement learning",
    "object detection",
    "regularisation",
    "multi-task learning",
    "sequence modelling",
    "representation learning",
    "reward/preference learning",
)


@dataclass(frozen=True, eq=False)
class Loss:
    """A loss function: metadata plus a value function and a gradient function.

    Calling the object computes the loss; ``.grad`` with the same arguments
    computes its gradient with respect to the differentiable inputs.

    Attributes
    ----------
    name : str
        Registry key, also the attribute name in :mod:`lossviz.losses`.
    display_name : str
        Human-readable name for tables and figures.
    task : str
        One of :data:`TASKS`.
    convex : bool
        Whether the loss is convex in its first input at the default options.
    formula_latex : str
        Per-element (or whole-tensor) formula in LaTeX.
    grad_latex : str
        Its gradient with respect to the first input, in LaTeX.
    value_fn, grad_fn : callable
        The functions behind ``__call__`` and ``.grad``.
    inputs : tuple of str
        Names of the differentiable arguments; ``.grad`` returns one array per
        name (a single array when there is one).
    torch_name, keras_name, sklearn_name : str or None
        Names of the closest counterparts in PyTorch, Keras and scikit-learn.
    aliases : tuple of str
        Other registry keys for the same loss (e.g. ``"mae"`` for ``"l1"``).
    subgradient : str
        Which subgradient ``.grad`` returns at a kink ("" if the loss is smooth).
    value_and_grad_fn : callable or None
        A fused function returning ``(value, grad)`` in one pass that shares
        intermediates; None falls back to calling ``value_fn`` then ``grad_fn``.

    """

    name: str
    display_name: str
    task: str
    convex: bool
    formula_latex: str
    grad_latex: str
    value_fn: Callable = field(repr=False)
    grad_fn: Callable = field(repr=False)
    inputs: tuple = ("input",)
    torch_name: str | None = None
    keras_name: str | None = None
    sklearn_name: str | None = None
    aliases: tuple = ()
    subgradient: str = ""
    value_and_grad_fn: Callable | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        # Let help(), inspect.signature() and doctest see the value function.
        object.__setattr__(self, "__doc__", self.value_fn.__doc__)
        object.__setattr__(self, "__signature__", inspect.signature(self.value_fn))
        object.__setattr__(self, "__name__", self.name)

    def __call__(self, *args, **kwargs):
        """Compute the loss."""
        return self.value_fn(*args, **kwargs)

    def grad(self, *args, **kwargs):
        """Gradient of the loss with respect to ``self.inputs`` (same arguments)."""
        return self.grad_fn(*args, **kwargs)

    def value_and_grad(self, *args, **kwargs):
        """Return ``(value, grad)`` for the same arguments as the loss, in one call.

        Equal to ``(self(*args, **kwargs), self.grad(*args, **kwargs))``.
        """
        if self.value_and_grad_fn is not None:
            return self.value_and_grad_fn(*args, **kwargs)
        return self.value_fn(*args, **kwargs), self.grad_fn(*args, **kwargs)

    @property
    def options(self) -> dict:
        """Keyword options and their defaults, read from the signature."""
        params = inspect.signature(self.value_fn).parameters.values()
        return {p.name: p.default for p in params if p.kind is p.KEYWORD_ONLY}

    def __repr__(self) -> str:
        return f"<Loss {self.name}: {self.display_name}>"


REGISTRY: dict[str, Loss] = {}


def register(loss: Loss) -> Loss:
    """Enter ``loss`` (and its aliases) in :data:`REGISTRY` and return it."""
    for key in (loss.name, *loss.aliases):
        if key in REGISTRY:
            raise ValueError(f"loss name {key!r} is already registered")
        REGISTRY[key] = loss
    return loss


def catalogue() -> list[Loss]:
    """Return every registered loss once (aliases folded), in registration order.

    Examples
    --------
    >>> from lossviz import losses
    >>> [loss.name for loss in losses.catalogue()][:3]
    ['mse', 'l1', 'huber']

    """
    seen: dict[int, Loss] = {}
    for loss in REGISTRY.values():
        seen.setdefault(id(loss), loss)
    return list(seen.values())
