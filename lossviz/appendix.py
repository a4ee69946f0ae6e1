r"""The book's appendix: one section per registered loss, generated from the registry.

The appendix page ``book/appendix_catalogue.ipynb`` loops over
:func:`lossviz.losses.catalogue` and, for every loss, shows :func:`section_markdown`
(name, formula, gradient, task, convexity, domains, counterpart names) and the
figure of :func:`plot_slice` (the loss and its gradient along a 1-D slice,
:func:`slice_for`). Nothing here names a particular loss: a loss added to the
registry appears on the page with no other edit.

How the slice is chosen
-----------------------
Each :class:`~lossviz.losses.Loss` may declare its slice
(:class:`~lossviz.losses.Slice`); otherwise :func:`natural_slice` derives it from
the declared domains:

``"class-score"``
    Class-index targets (``target_domain="class"``): a row of 3 class scores whose
    true-class entry varies, the other two held at 0.
``"margin"``
    A classification loss with labels in {-1, +1} (``target_domain="sign"``):
    plotted against the margin :math:`y z` with label :math:`y = +1`.
``"probability"``
    A probability as input (``input_domain="probability"``): plotted against the
    predicted probability of the positive class, target 1.
``"residual"`` (declared)
    A regression loss that depends on input and target only through their
    difference: plotted against the residual :math:`r = \hat y - y`.
``"input"``
    Anything else: plotted against the input, every target equal to 1.
``"entry"`` (declared)
    Losses of several inputs or of a whole tensor: through the point the loss
    declares, along one entry of one input.

Further differentiable inputs (e.g. a variance) are held at 1. A loss that declares
nothing gets the ``"input"`` slice, or no figure if it rejects that.

Examples
--------
>>> from lossviz import losses
>>> slice_for(losses.hinge).kind
'margin'
>>> slice_for(losses.mse).kind
'residual'

"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field

import numpy as np

from lossviz.losses import DOMAINS, Loss, Slice
from lossviz.style import OKABE_ITO

__all__ = [
    "LossSlice",
    "REQUIRED_FIELDS",
    "alt_text",
    "anchor",
    "missing_metadata",
    "natural_slice",
    "plot_slice",
    "section_markdown",
    "slice_for",
    "summary_table",
]

#: Metadata the catalogue page needs from every registry entry (non-empty strings).
REQUIRED_FIELDS = ("name", "display_name", "task", "formula_latex", "grad_latex")

_N_CLASSES = 3

#: Default horizontal range of each kind of slice.
_SPANS = {"probability": (0.01, 0.99), "class-score": (-4.0, 4.0)}


@dataclass(frozen=True, eq=False)
class LossSlice:
    """The loss and its gradient along one line through its input space.

    Attributes
    ----------
    kind : str
        How the slice was chosen (see the module docstring).
    x : numpy.ndarray
        The horizontal coordinate.
    value : numpy.ndarray
        The per-element loss at each ``x``.
    grad : numpy.ndarray
        Its derivative with respect to the varied input at each ``x``.
    xlabel : str
        Axis label for ``x`` (matplotlib mathtext).
    description : str
        One sentence saying what is varied and what is held fixed.

    """

    kind: str
    x: np.ndarray = field(repr=False)
    value: np.ndarray = field(repr=False)
    grad: np.ndarray = field(repr=False)
    xlabel: str
    description: str

    @property
    def xlabel_plain(self) -> str:
        """The axis label without mathtext markup, for alt text."""
        text = self.xlabel.replace(r"\hat y", "ŷ").replace("$", "")
        return text.replace("{", "").replace("}", "").replace("\\", "")


def missing_metadata(loss: Loss) -> list[str]:
    """Return the names of the catalogue fields ``loss`` lacks (empty when complete).

    A field is missing if it is not a non-empty string; ``convex`` must be a bool and
    ``inputs`` a non-empty tuple of names.

    Examples
    --------
    >>> from lossviz import losses
    >>> missing_metadata(losses.mse)
    []

    """
    missing = [
        f
        for f in REQUIRED_FIELDS
        if not isinstance(getattr(loss, f, None), str) or not getattr(loss, f).strip()
    ]
    if not isinstance(getattr(loss, "convex", None), bool):
        missing.append("convex")
    inputs = getattr(loss, "inputs", ())
    if not isinstance(inputs, tuple) or not inputs:
        missing.append("inputs")
    return missing


def natural_slice(loss: Loss) -> Slice:
    """Return the slice ``loss`` declares, or the one its domains suggest.

    Examples
    --------
    >>> from lossviz import losses
    >>> natural_slice(losses.cross_entropy).kind
    'class-score'

    """
    if loss.slice is not None:
        return loss.slice
    if loss.target_domain == "class":
        return Slice("class-score")
    if loss.target_domain == "sign" and loss.task == "classification":
        return Slice("margin")
    if loss.input_domain == "probability":
        return Slice("probability")
    return Slice("input")


def _declares(loss: Loss) -> bool:
    return loss.slice is not None or loss.input_domain is not None


def _first_grad(grad) -> np.ndarray:
    return np.asarray(grad[0] if isinstance(grad, tuple) else grad, dtype=float)


def _per_element(loss: Loss, z: np.ndarray, t: np.ndarray):
    """Per-element loss and d/d(first input); further differentiable inputs held at 1."""
    extra = [np.ones(len(t)) for _ in loss.inputs[1:]]
    value, grad = loss.value_and_grad(z, t, *extra, reduction="none")
    return np.asarray(value, dtype=float), _first_grad(grad)


def _entry(loss: Loss, spec: Slice, n: int):
    """Return the reduced loss and its derivative along one entry of a declared point."""
    name, index = spec.vary
    names = list(inspect.signature(loss).parameters)
    k, j = names.index(name), loss.inputs.index(name)
    point = [np.array(a, dtype=float) for a in spec.point]
    direction = np.array(spec.direction, dtype=float) if spec.direction else None
    x = np.linspace(*spec.span, n)
    value, grad = np.empty(n), np.empty(n)
    for i, xi in enumerate(x):
        args = list(point)
        if direction is None:
            args[k] = point[k].copy()
            args[k][index] = xi
        else:
            args[k] = point[k] + xi * direction
        v, g = loss.value_and_grad(*args, **spec.options)
        g = np.asarray((g if isinstance(g, tuple) else (g,))[j])
        value[i] = v
        grad[i] = g[index] if direction is None else np.sum(g * direction)
    return x, value, grad


def _extra_note(loss: Loss) -> str:
    if len(loss.inputs) == 1:
        return ""
    return " " + ", ".join(f"`{name}`" for name in loss.inputs[1:]) + " held at 1."


def slice_for(loss: Loss, n: int = 201) -> LossSlice | None:
    """Evaluate ``loss`` and its gradient along its natural 1-D slice.

    Parameters
    ----------
    loss : Loss
        A registry entry.
    n : int
        Number of points on the slice.

    Returns
    -------
    LossSlice or None
        None when a loss that declares neither domains nor slice rejects the
        default ``"input"`` slice (the page then says there is no plot).

    """
    spec = natural_slice(loss)
    lo, hi = spec.span or _SPANS.get(spec.kind, (-3.0, 3.0))
    x = np.linspace(lo, hi, n)
    note = _extra_note(loss)
    if spec.kind == "entry":
        x, value, grad = _entry(loss, spec, n)
        name, index = spec.vary
        if index is None:
            label = f"`{name}` along a direction"
        else:
            label = f"the entry `{name}[{', '.join(str(int(i)) for i in index)}]`"
        options = ", ".join(f"`{k}={v!r}`" for k, v in spec.options.items()) or "the defaults"
        about = spec.about or (
            f"Every argument is held at the point the registry declares for this loss and "
            f"{label} varies along the horizontal axis."
        )
        return LossSlice(
            "entry",
            x,
            value,
            grad,
            spec.label or label.replace("`", "").replace("the entry ", "entry "),
            about + f" The loss is the reduced value at {options}.",
        )
    if spec.kind == "class-score":
        z = np.zeros((n, _N_CLASSES))
        z[:, 0] = x
        value, grad = _per_element(loss, z, np.zeros(n, dtype=np.int64))
        return LossSlice(
            "class-score",
            x,
            value,
            grad[:, 0],
            r"true-class entry of the input $z_y$",
            f"The input is a row of {_N_CLASSES} class scores with target class 0; its "
            "entry for the true class varies along the axis and the other entries are "
            "held at 0." + note,
        )
    if spec.kind == "residual":
        return LossSlice(
            "residual",
            x,
            *_per_element(loss, x, np.zeros(n)),
            r"residual $r = \hat y - y$",
            "The loss depends on prediction and target only through the residual "
            r"$r = \hat y - y$, shown on the horizontal axis." + note,
        )
    if spec.kind == "margin":
        return LossSlice(
            "margin",
            x,
            *_per_element(loss, x, np.ones(n)),
            r"margin $yz$ (label $y = +1$)",
            "The label is $y = +1$, so the horizontal axis is the margin $yz$; a label "
            "of $-1$ mirrors the curves." + note,
        )
    if spec.kind == "probability":
        return LossSlice(
            "probability",
            x,
            *_per_element(loss, x, np.ones(n)),
            r"predicted probability $p$ (target $y = 1$)",
            "The input is the predicted probability of the positive class and the "
            "target is 1." + note,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, grad = _per_element(loss, x, np.ones(n))
    except (ValueError, TypeError, ArithmeticError, RuntimeWarning):
        if _declares(loss):
            raise
        return None  # an undeclared loss that rejects the default slice: no figure
    return LossSlice(
        "input",
        x,
        value,
        grad,
        r"input $z$ (target $y = 1$)",
        "The target is held at 1 and the first input varies along the horizontal axis." + note,
    )


def _names(loss: Loss) -> str:
    rows = []
    for library, attr in (
        ("PyTorch", "torch_name"),
        ("Keras", "keras_name"),
        ("scikit-learn", "sklearn_name"),
    ):
        value = getattr(loss, attr, None)
        rows.append(f"{library}: `{value}`" if value else f"{library}: none")
    return "; ".join(rows)


def anchor(loss: Loss) -> str:
    """Return the label of ``loss``'s section, e.g. ``"catalogue-smooth-l1"``."""
    return "catalogue-" + loss.name.replace("_", "-")


def summary_table(entries: list[Loss]) -> str:
    """Return a Markdown table of ``entries``: linked name, call, task, convexity, PyTorch.

    PyTorch names are shortened with ``F = torch.nn.functional``.

    Examples
    --------
    >>> from lossviz import losses
    >>> summary_table([losses.mse]).splitlines()[2].split(" | ")[1]
    '`mse`'

    """
    rows = [
        "| Loss | `lossviz.losses.` | Task | Convex | PyTorch (`F = torch.nn.functional`) |",
        "|---|---|---|---|---|",
    ]
    for loss in entries:
        name = loss.torch_name or ""
        torch = f"`{name.replace('torch.nn.functional.', 'F.')}`" if name else "none"
        rows.append(
            f"| [{loss.display_name}](#{anchor(loss)}) | `{loss.name}` | {loss.task} | "
            f"{'yes' if loss.convex else 'no'} | {torch} |"
        )
    return "\n".join(rows)


def section_markdown(loss: Loss, level: int = 2) -> str:
    """Return the Markdown (MyST) section describing ``loss``.

    Parameters
    ----------
    loss : Loss
        A registry entry.
    level : int
        Heading level of the section.

    Returns
    -------
    str
        A heading with a ``(catalogue-<name>)=`` label, the formula and gradient as
        display maths, and a short list of task, convexity, inputs, options, the
        subgradient used at kinks and counterpart names.

    """
    options = ", ".join(f"`{k}={v!r}`" for k, v in loss.options.items()) or "none"
    aliases = ", ".join(f"`{a}`" for a in loss.aliases)
    call = f"`lossviz.losses.{loss.name}`" + (f" (alias {aliases})" if aliases else "")
    inputs = ", ".join(f"`{name}`" for name in loss.inputs)
    lines = [
        f"({anchor(loss)})=",
        f"{'#' * level} {loss.display_name}",
        "",
        call,
        "",
        "$$",
        r"\ell = " + loss.formula_latex,
        "$$",
        "",
        "$$",
        # \mathtt with an escaped underscore: LaTeX rejects "_" inside \text{...}
        r"\frac{\partial \ell}{\partial \mathtt{"
        + loss.inputs[0].replace("_", r"\_")
        + "}} = "
        + loss.grad_latex,
        "$$",
        "",
        f"- **Task:** {loss.task}; **convex** in its input: "
        f"{'yes' if loss.convex else 'no'} (at the default options)",
        f"- **Differentiable inputs:** {inputs}; **options:** {options}",
    ]
    domains = [
        f"**{what}:** {DOMAINS[d]}"
        for what, d in (("Input", loss.input_domain), ("target", loss.target_domain))
        if d
    ]
    if domains:
        lines.append("- " + "; ".join(domains))
    if loss.subgradient:
        lines.append(f"- **At a kink:** {loss.subgradient}")
    lines += [f"- **Counterparts:** {_names(loss)}", ""]
    return "\n".join(lines)


def plot_slice(loss: Loss, sl: LossSlice | None = None, *, figsize=(5.6, 2.3)):
    """Draw the loss and its gradient along a slice, side by side.

    Parameters
    ----------
    loss : Loss
        A registry entry (used for the title).
    sl : LossSlice, optional
        The slice; by default :func:`slice_for` ``(loss)``.
    figsize : tuple of float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure or None
        None if the loss has no 1-D slice.

    """
    import matplotlib.pyplot as plt

    sl = slice_for(loss) if sl is None else sl
    if sl is None:
        return None
    fig, (ax_v, ax_g) = plt.subplots(1, 2, figsize=figsize)
    # fixed margins: a constrained layout would triple the time of a catalogue page
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.24, top=0.96, wspace=0.38)
    ax_v.plot(sl.x, sl.value, color=OKABE_ITO["blue"], lw=2)
    ax_v.set(xlabel=sl.xlabel, ylabel=r"loss $\ell$")
    ax_g.plot(sl.x, sl.grad, color=OKABE_ITO["vermillion"], lw=2)
    ax_g.axhline(0.0, color="0.6", lw=0.8)
    ax_g.set(xlabel=sl.xlabel, ylabel="gradient")
    for ax in (ax_v, ax_g):
        ax.xaxis.label.set_size(8)
        ax.yaxis.label.set_size(8)
        ax.tick_params(labelsize=7)
    return fig


def alt_text(loss: Loss, sl: LossSlice) -> str:
    """Describe the slice figure in words, from its numbers, for screen readers."""
    lo, hi = float(sl.x[0]), float(sl.x[-1])
    i = int(np.argmin(sl.value))
    return (
        f"Two small panels for the {loss.display_name}, with {sl.xlabel_plain} from "
        f"{lo:g} to {hi:g} on the horizontal axis. Left: the loss, ranging from "
        f"{float(sl.value.min()):.3g} to {float(sl.value.max()):.3g}, lowest at "
        f"{float(sl.x[i]):.3g}. Right: its gradient, ranging from "
        f"{float(sl.grad.min()):.3g} to {float(sl.grad.max()):.3g}."
    )
