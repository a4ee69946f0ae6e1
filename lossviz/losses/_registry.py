"""The :class:`Loss` record, the registry every loss is entered in, and its order.

A loss is written as ONE function, its *core*, and entered with :func:`fused`::

    def _my_loss(want, input, target, *, reduction="mean"):
        '''The numpydoc docstring of the loss (shown by help(losses.my_loss)).'''
        x, y = pair(input, target, reduction)        # validate once
        d = x - y                                    # intermediates shared by both
        value = reduce(d * d, reduction) if want & VALUE else None
        grad = scale_grad(2.0 * d, reduction) if want & GRAD else None
        return value, grad

    my_loss = register(Loss(name="my_loss", ..., **fused(_my_loss)))

``loss(...)``, ``loss.grad(...)`` and ``loss.value_and_grad(...)`` then all run the
core, which computes only what ``want`` asks for, so the three agree to the bit.
A loss may instead give ``value_fn`` and ``grad_fn`` separately (and, optionally,
``value_and_grad_fn``); :meth:`Loss.value_and_grad` then falls back to calling both.
"""

from __future__ import annotations

import functools
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
    "generative modelling",
)

#: The values a loss's ``input_domain`` and ``target_domain`` may take, and their meaning.
DOMAINS = {
    "real": "any real number",
    "probability": "a probability in [0, 1]",
    "nonnegative": "a real number >= 0",
    "log-probability": "a log-probability (<= 0, e.g. a log-softmax)",
    "sign": "a label -1 or +1",
    "class": "an integer class index in [0, C) along the class axis of the input",
}

#: Kinds of one-dimensional slice the catalogue draws (see :class:`Slice`).
SLICE_KINDS = ("residual", "margin", "probability", "class-score", "input", "entry")

#: What a fused core is asked for: bit flags, ``BOTH = VALUE | GRAD``.
VALUE, GRAD = 1, 2
BOTH = VALUE | GRAD


@dataclass(frozen=True)
class Slice:
    r"""The natural one-dimensional slice of a loss, drawn by the appendix catalogue.

    Attributes
    ----------
    kind : str
        One of :data:`SLICE_KINDS`:
        ``"residual"``, the loss against :math:`r = \hat y - y` (regression losses
        depending on input and target only through their difference);
        ``"margin"``, against the margin :math:`yz` with label :math:`y = +1`;
        ``"probability"``, against a predicted probability with target 1;
        ``"class-score"``, against the true-class entry of a row of 3 class scores;
        ``"input"``, against the first input with every target 1;
        ``"entry"``, through ``point`` along one entry of one input (losses of
        several inputs or of a whole tensor).
    point : tuple
        For ``"entry"``: the positional arguments of the loss at the slice's centre.
    options : dict
        For ``"entry"``: keyword options of the call (e.g. ``{"eps": 0.0}``).
    vary : tuple
        For ``"entry"``: ``(argument name, index)`` of the entry that varies.
    span : tuple of float or None
        The range of the horizontal axis (for ``"entry"``, of the varied entry);
        None for the kind's default: (0.01, 0.99) for probabilities, (-4, 4) for
        class scores, (-3, 3) otherwise.

    """

    kind: str = "input"
    point: tuple = ()
    options: dict = field(default_factory=dict)
    vary: tuple = ()
    span: tuple | None = None

    def __post_init__(self):
        if self.kind not in SLICE_KINDS:
            raise ValueError(f"slice kind must be one of {SLICE_KINDS}, got {self.kind!r}")
        if self.kind == "entry" and (not self.point or len(self.vary) != 2 or not self.span):
            raise ValueError("an 'entry' slice needs point, vary=(name, index) and span")


@dataclass(frozen=True, eq=False)
class Loss:
    """A loss function: metadata plus a value function and a gradient function.

    Calling the object computes the loss; ``.grad`` with the same arguments
    computes its gradient with respect to the differentiable inputs;
    ``.value_and_grad`` computes both in one pass.

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
        The functions behind ``__call__`` and ``.grad`` (:func:`fused` makes both,
        and ``value_and_grad_fn``, from one core function).
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
    input_domain, target_domain : str or None
        Where the first input and the target live, keys of :data:`DOMAINS` (as
        scikit-learn's losses declare ``interval_y_pred``); None if not declared.
    slice : Slice or None
        The one-dimensional slice the catalogue draws. None (the default) lets the
        catalogue derive it from the domains: ``"class-score"`` for class targets,
        ``"margin"`` for sign targets of a classification loss, ``"probability"``
        for a probability input, else ``"input"``.

    Notes
    -----
    Only the first eight fields are required. A new loss declares its domains and,
    if the derived slice does not suit it, its slice, e.g.::

        Loss(..., input_domain="real", target_domain="real", slice=Slice("residual"))
        Loss(..., slice=Slice("entry", point=([0.2, 0.9], [0.0, 1.0]),
                              vary=("input", (1,)), span=(0.0, 1.0)))

    A loss that declares nothing still appears in the catalogue, sliced along its
    input with every target 1 (or without a figure if it rejects that).

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
    input_domain: str | None = None
    target_domain: str | None = None
    slice: Slice | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        for attr in ("input_domain", "target_domain"):
            value = getattr(self, attr)
            if value is not None and value not in DOMAINS:
                raise ValueError(f"{attr} must be None or one of {tuple(DOMAINS)}, got {value!r}")
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

        Examples
        --------
        >>> from lossviz import losses
        >>> losses.mse.value_and_grad([1.0, 2.0], [1.0, 4.0])
        (2.0, array([ 0., -2.]))

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


def fused(core: Callable) -> dict:
    """Return ``value_fn``, ``grad_fn`` and ``value_and_grad_fn`` computed by one ``core``.

    ``core(want, *args, **options)`` validates its arguments once and returns
    ``(value, grad)``, computing the value only if ``want & VALUE`` and the
    gradient only if ``want & GRAD`` (None in place of what was not asked for). Its
    docstring is the loss's docstring and its signature after ``want`` the loss's.
    """
    signature = inspect.signature(core)
    public = signature.replace(parameters=list(signature.parameters.values())[1:])

    def bind(want: int, pick: Callable) -> Callable:
        @functools.wraps(core)
        def fn(*args, **kwargs):
            return pick(core(want, *args, **kwargs))

        fn.__signature__ = public
        return fn

    return {
        "value_fn": bind(VALUE, lambda out: out[0]),
        "grad_fn": bind(GRAD, lambda out: out[1]),
        "value_and_grad_fn": bind(BOTH, lambda out: out),
    }


REGISTRY: dict[str, Loss] = {}

#: The order of :func:`catalogue` (the book's appendix): by family, as the chapters
#: meet them. A registered loss not listed here follows, in registration order.
ORDER = (
    # regression
    "mse", "l1", "huber", "smooth_l1", "log_cosh", "pinball",
    # likelihoods
    "poisson_nll", "gaussian_nll", "kl_div",
    # classification
    "bce", "bce_with_logits", "cross_entropy", "nll", "sigmoid_focal",
    # margins
    "hinge", "squared_hinge", "soft_margin", "multi_margin", "hinge_embedding",
    # segmentation
    "dice", "tversky",
    # ranking and metric learning
    "margin_ranking", "cosine_embedding", "triplet_margin",
    # reinforcement learning
    "bellman_td",
    # Part II, chapter 6: penalties, multi-task sums and boxes
    "l1_penalty", "l2_penalty", "uncertainty_weighted", "iou", "giou", "diou", "ciou",
    # chapter 7: sequences
    "ctc",
    # chapter 8: representations, rankings and preferences
    "contrastive", "info_nce", "distillation", "bpr", "listnet", "bradley_terry", "dpo",
    # chapter 9: generative models
    "gaussian_kl", "neg_elbo", "gan_minimax", "gan_non_saturating", "wasserstein_critic",
    "gan_hinge",
)  # fmt: skip


def register(loss: Loss) -> Loss:
    """Enter ``loss`` (and its aliases) in :data:`REGISTRY` and return it."""
    for key in (loss.name, *loss.aliases):
        if key in REGISTRY:
            raise ValueError(f"loss name {key!r} is already registered")
        REGISTRY[key] = loss
    return loss


def catalogue() -> list[Loss]:
    """Return every registered loss once (aliases folded), in the order of :data:`ORDER`.

    Losses not named in :data:`ORDER` follow in registration order.

    Examples
    --------
    >>> from lossviz import losses
    >>> [loss.name for loss in losses.catalogue()][:3]
    ['mse', 'l1', 'huber']

    """
    seen: dict[int, Loss] = {}
    for loss in REGISTRY.values():
        seen.setdefault(id(loss), loss)
    rank = {name: i for i, name in enumerate(ORDER)}
    entries = list(seen.values())
    return sorted(entries, key=lambda loss: rank.get(loss.name, len(ORDER)))
