r"""The loss catalogue: one section per registered loss, generated from the registry.

The appendix page ``book/appendix_catalogue.ipynb`` loops over
:func:`lossviz.losses.catalogue` and, for every loss, shows :func:`section_markdown`
(name, formula, gradient, task, convexity, counterpart names) and the figure of
:func:`plot_slice` (the loss and its gradient along a 1-D slice chosen by
:func:`slice_for`). Nothing here names a particular loss: a loss added to the
registry appears on the page with no other edit.

How the slice is chosen
-----------------------
:func:`slice_for` probes what the loss accepts, in this order, and takes the
first kind that works:

``"class-score"``
    The loss takes a ``(N, C)`` score matrix and class-index targets (multi-class
    losses): vary the true-class entry of the input, the other two held at 0.
``"margin"``
    A classification loss whose targets are labels in {-1, +1} (0 is rejected):
    plot against the margin :math:`y z` with label :math:`y = +1`.
``"probability"``
    The input must lie in [0, 1]: plot against the predicted probability of the
    positive class, target 1.
``"residual"``
    A regression loss that depends on input and target only through their
    difference: plot against the residual :math:`r = \hat y - y`.
``"input"``
    A loss with per-element values: plot against the input, every target equal to 1.
``"example"``
    Anything else (whole-tensor losses such as Dice, losses of several inputs):
    start from a call in the loss's own docstring ``Examples`` and vary the
    entry of its first input with the largest gradient, all else as in the example.

Further differentiable inputs (e.g. a variance) are held at 1.

Examples
--------
>>> from lossviz import losses
>>> slice_for(losses.hinge).kind
'margin'
>>> slice_for(losses.mse).kind
'residual'

"""

from __future__ import annotations

import ast
import doctest
import inspect
import warnings
from dataclasses import dataclass, field

import numpy as np

from lossviz.losses import Loss

__all__ = ["LossSlice", "REQUIRED_FIELDS", "alt_text", "anchor", "missing_metadata",
           "plot_slice", "section_markdown", "slice_for", "summary_table"]

#: Metadata the catalogue page needs from every registry entry (non-empty strings).
REQUIRED_FIELDS = ("name", "display_name", "task", "formula_latex", "grad_latex")

#: Okabe-Ito colours (colour-blind safe), as in the chapters.
_BLUE, _VERMILLION = "#0072B2", "#D55E00"

_N_CLASSES = 3


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
    missing = [f for f in REQUIRED_FIELDS
               if not isinstance(getattr(loss, f, None), str) or not getattr(loss, f).strip()]
    if not isinstance(getattr(loss, "convex", None), bool):
        missing.append("convex")
    inputs = getattr(loss, "inputs", ())
    if not isinstance(inputs, tuple) or not inputs:
        missing.append("inputs")
    return missing


def _extra(loss: Loss, n: int) -> list[np.ndarray]:
    """Values of the differentiable inputs after the first (held at 1)."""
    return [np.ones(n) for _ in loss.inputs[1:]]


def _evaluate(loss: Loss, z: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-element loss and d/d(first input), or None if the loss rejects the arguments."""
    extra = _extra(loss, len(t))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value = np.asarray(loss(z, t, *extra, reduction="none"), dtype=float)
            grad = loss.grad(z, t, *extra, reduction="none")
    except (ValueError, TypeError, ArithmeticError, RuntimeWarning):
        return None
    if isinstance(grad, tuple):
        grad = grad[0]
    grad = np.asarray(grad, dtype=float)
    if not (np.all(np.isfinite(value)) and np.all(np.isfinite(grad))):
        return None
    return value, grad


def _accepts(loss: Loss, z, t) -> bool:
    return _evaluate(loss, np.asarray(z, dtype=float), np.asarray(t)) is not None


def _extra_note(loss: Loss) -> str:
    if len(loss.inputs) == 1:
        return ""
    return " " + ", ".join(f"`{name}`" for name in loss.inputs[1:]) + " held at 1."


def slice_for(loss: Loss, n: int = 201) -> LossSlice | None:
    """Choose a 1-D slice of ``loss`` from what it accepts, and evaluate it.

    Parameters
    ----------
    loss : Loss
        A registry entry.
    n : int
        Number of points on the slice.

    Returns
    -------
    LossSlice or None
        None when no probe succeeds (the page then says why there is no plot).

    """
    # Multi-class scores: (N, C) input with class-index targets.
    if _accepts(loss, [[0.5, 0.0, 0.0]], np.array([0])):
        x = np.linspace(-4.0, 4.0, n)
        z = np.zeros((n, _N_CLASSES))
        z[:, 0] = x
        out = _evaluate(loss, z, np.zeros(n, dtype=np.int64))
        if out is not None:
            value, grad = out
            return LossSlice(
                "class-score", x, value, np.asarray(grad)[:, 0],
                r"true-class entry of the input $z_y$",
                f"The input is a row of {_N_CLASSES} class scores with target class 0; its "
                "entry for the true class varies along the axis and the other entries are "
                "held at 0." + _extra_note(loss),
            )
    one = np.array([0.5])
    # Classification with labels in {-1, +1}: 0 rejected, -1 accepted.
    if (loss.task == "classification" and not _accepts(loss, one, [0.0])
            and _accepts(loss, one, [-1.0])):
        x = np.linspace(-3.0, 3.0, n)
        out = _evaluate(loss, x, np.ones(n))
        if out is not None:
            return LossSlice(
                "margin", x, *out, r"margin $yz$ (label $y = +1$)",
                "The label is $y = +1$, so the horizontal axis is the margin $yz$; a label "
                "of $-1$ mirrors the curves." + _extra_note(loss),
            )
    # Probabilities as input: 2.0 rejected, 0.5 accepted.
    if not _accepts(loss, [2.0], [1.0]) and _accepts(loss, one, [1.0]):
        x = np.linspace(0.01, 0.99, n)
        out = _evaluate(loss, x, np.ones(n))
        if out is not None:
            return LossSlice(
                "probability", x, *out, r"predicted probability $p$ (target $y = 1$)",
                "The input is the predicted probability of the positive class and the "
                "target is 1." + _extra_note(loss),
            )
    # Residual: the loss depends only on input - target.
    r = np.linspace(-3.0, 3.0, n)
    at0 = _evaluate(loss, r, np.zeros(n))
    at1 = _evaluate(loss, r + 1.0, np.ones(n))
    if loss.task == "regression" and at0 is not None and at1 is not None and np.allclose(
        at0[0], at1[0], rtol=1e-9, atol=1e-12
    ):
        return LossSlice(
            "residual", r, *at0, r"residual $r = \hat y - y$",
            "The loss depends on prediction and target only through the residual "
            r"$r = \hat y - y$, shown on the horizontal axis." + _extra_note(loss),
        )
    # Anything else: the input, with target 1.
    x = np.linspace(-3.0, 3.0, n)
    out = _evaluate(loss, x, np.ones(n))
    if out is not None:
        return LossSlice(
            "input", x, *out, r"input $z$ (target $y = 1$)",
            "The target is held at 1 and the first input varies along the horizontal "
            "axis." + _extra_note(loss),
        )
    return _example_slice(loss, n)


def example_calls(loss: Loss) -> list[tuple[tuple, dict]]:
    """Return the arguments of every call of ``loss`` in its docstring's examples.

    The examples are run in a fresh namespace (with ``np``) and each call
    ``<name>(...)`` is re-evaluated argument by argument; ``.grad(...)`` calls and
    examples that fail are skipped.

    Examples
    --------
    >>> from lossviz import losses
    >>> example_calls(losses.mse)[0][0]
    ([1.0, 2.0], [1.0, 4.0])

    """
    namespace: dict = {"np": np}
    calls: list[tuple[tuple, dict]] = []
    for example in doctest.DocTestParser().get_examples(loss.value_fn.__doc__ or ""):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(example.source, "<example>", "exec"), namespace)  # noqa: S102
                tree = ast.parse(example.source)
                for node in ast.walk(tree):
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                            and node.func.id == loss.name):
                        args = tuple(_literal(a, namespace) for a in node.args)
                        kwargs = {k.arg: _literal(k.value, namespace) for k in node.keywords
                                  if k.arg is not None}
                        calls.append((args, kwargs))
        except Exception:  # noqa: BLE001 - an example we cannot replay is skipped
            continue
    return calls


def _literal(node: ast.AST, namespace: dict):
    return eval(compile(ast.Expression(node), "<example>", "eval"), namespace)  # noqa: S307


def _example_slice(loss: Loss, n: int) -> LossSlice | None:
    """Vary one entry of a differentiable input of a docstring example call.

    The entry with the largest gradient at the example point is chosen, so that the
    slice does not run along a direction in which the loss is flat.
    """
    names = list(inspect.signature(loss.value_fn).parameters)
    for args, kwargs in example_calls(loss):
        kwargs = {k: v for k, v in kwargs.items() if k != "reduction"}
        args = tuple(np.array(a, dtype=float) if names[i] in loss.inputs else a
                     for i, a in enumerate(args))

        def at(point, k, index, args=args, kwargs=kwargs):
            moved = list(args)
            moved[k] = args[k].copy()
            moved[k].flat[index] = point
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    v = float(loss(*moved, **kwargs))
                    g = loss.grad(*moved, **kwargs)
            except (ValueError, TypeError, ArithmeticError, RuntimeWarning):
                return None
            g = g if isinstance(g, tuple) else (g,)
            return v, [np.asarray(gi, dtype=float) for gi in g]

        start = at(float(args[0].flat[0]), 0, 0)
        if start is None:
            continue
        # (gradient size, input name, flat index) of the steepest entry at the example
        steepest = max(((abs(float(g.flat[i])), name, i)
                        for name, g in zip(loss.inputs, start[1], strict=False)
                        for i in range(g.size)), default=(0.0, "", 0))
        size, name, index = steepest
        if size == 0.0 or name not in names:
            continue  # a flat spot (e.g. an inactive hinge): try the next example
        k = names.index(name)
        j = loss.inputs.index(name)
        centre = float(args[k].flat[index])
        kept = []
        for x in centre + np.linspace(-2.0, 2.0, n):
            out = at(x, k, index)
            if out is not None and np.isfinite(out[0]) and np.isfinite(out[1][j].flat[index]):
                kept.append((x, out[0], float(out[1][j].flat[index])))
        if len(kept) < n // 10:
            continue
        x, value, grad = (np.array(col) for col in zip(*kept, strict=True))
        where = np.unravel_index(index, args[k].shape)
        label = f"{name}[{', '.join(str(int(i)) for i in where)}]"
        return LossSlice(
            "example", x, value, grad, f"entry {label}",
            f"Starting from the example call in the loss's docstring, the entry `{label}` "
            "(the one with the steepest gradient there) varies along the horizontal axis "
            "and every other argument keeps its example value; the loss is the reduced "
            "(default) value.",
        )
    return None


def _names(loss: Loss) -> str:
    rows = []
    for library, attr in (("PyTorch", "torch_name"), ("Keras", "keras_name"),
                          ("scikit-learn", "sklearn_name")):
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
    rows = ["| Loss | `lossviz.losses.` | Task | Convex | PyTorch (`F = torch.nn.functional`) |",
            "|---|---|---|---|---|"]
    for loss in entries:
        name = loss.torch_name or ""
        torch = f"`{name.replace('torch.nn.functional.', 'F.')}`" if name else "none"
        rows.append(f"| [{loss.display_name}](#{anchor(loss)}) | `{loss.name}` | {loss.task} | "
                    f"{'yes' if loss.convex else 'no'} | {torch} |")
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
        r"\frac{\partial \ell}{\partial \mathtt{" + loss.inputs[0].replace("_", r"\_") + "}} = "
        + loss.grad_latex,
        "$$",
        "",
        f"- **Task:** {loss.task}; **convex** in its input: "
        f"{'yes' if loss.convex else 'no'} (at the default options)",
        f"- **Differentiable inputs:** {inputs}; **options:** {options}",
    ]
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
    ax_v.plot(sl.x, sl.value, color=_BLUE, lw=2)
    ax_v.set(xlabel=sl.xlabel, ylabel=r"loss $\ell$")
    ax_g.plot(sl.x, sl.grad, color=_VERMILLION, lw=2)
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
