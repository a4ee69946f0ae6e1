"""The standard sections of a loss's docstring, written once: :func:`loss_doc`.

Every loss documents its arguments, its return value and its errors in the same
numpydoc form. A core function states only what is its own (the parameters'
descriptions, what its ``ValueError`` is raised for) and keeps its summary, Notes and
Examples in its docstring::

    @loss_doc(RESIDUAL_PARAMS, value_errors="shape mismatch, NaN/inf, empty input or ...")
    def _mse(want, input, target, *, reduction="mean"):
        r'''Mean squared error (squared L2 loss).

        (the Notes and Examples sections)
        '''

:func:`loss_doc` inserts the Parameters, Returns and Raises sections after the
summary paragraph; ``help(losses.mse)`` shows the whole docstring.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable

_WIDTH = 88  # text width of the generated sections (the summary starts 4 spaces in)

#: The two arguments of every loss of a residual (regression losses).
RESIDUAL_PARAMS = {
    "input": ("array_like", r"Predictions :math:`\hat y`."),
    "target": ("array_like", r"Targets :math:`y`, same shape as ``input``."),
}

#: What ``ValueError`` is raised for, as most losses of one or two arrays say it.
ERRORS = "shape mismatch, NaN/inf, empty input or an unknown reduction"
OPTION_ERRORS = "shape mismatch, NaN/inf, empty input, an invalid option or an unknown reduction"
SIGNED_ERRORS = (
    "shape mismatch, targets other than -1/+1, NaN/inf, empty input or an unknown reduction"
)

#: The type of ``reduction`` for losses with one value per element (or sample, pair...).
REDUCTION = '{"mean", "sum", "none"}, default "mean"'


def _entry(head: str, text: str) -> list[str]:
    """Return the lines of a numpydoc entry: ``head``, then ``text`` wrapped and indented."""
    # no line break inside ``literal`` or :math:`...` (spaces there held as NUL)
    text = re.sub(r"``.*?``|`[^`]*`", lambda m: m.group().replace(" ", "\0"), text)
    body = textwrap.wrap(text, _WIDTH - 8, break_on_hyphens=False, break_long_words=False)
    return [head, *("    " + line.replace("\0", " ") for line in body)]


def sections(
    params: dict,
    *,
    value_errors: str,
    per: str = "element",
    reduction: str | tuple[str, str] | None = None,
    returns: tuple[str, str] | None = None,
    type_errors: str = "non-numeric, boolean or complex arguments",
) -> str:
    """Return the Parameters, Returns and Raises sections, unindented.

    Parameters
    ----------
    params : dict
        ``{name: (type, description)}`` of the arguments before ``reduction``, in
        order (``"input1, input2"`` documents two at once).
    value_errors : str
        What ``ValueError`` is raised for (``"For ...."`` is made of it).
    per : str, default "element"
        What ``reduction="none"`` returns one loss for ("sample", "pair", ...).
    reduction : str or (str, str), optional
        The description of ``reduction``, if not "How per-element losses are
        combined.", or its type and description (for other reductions).
    returns : (str, str), optional
        The type and description of the return value, if not the reduced loss or
        the per-element losses.
    type_errors : str
        What ``TypeError`` is raised for.

    """
    lines = ["Parameters", "----------"]
    for name, (kind, text) in params.items():
        lines += _entry(f"{name} : {kind}", text)
    kind, text = REDUCTION, f"How per-{per} losses are combined."
    if isinstance(reduction, tuple):
        kind, text = reduction
    elif reduction is not None:
        text = reduction
    lines += _entry(f"reduction : {kind}", text)
    kind, text = returns or (
        "float or numpy.ndarray",
        f'The reduced loss, or per-{per} losses for ``reduction="none"``.',
    )
    lines += ["", "Returns", "-------", *_entry(kind, text)]
    lines += ["", "Raises", "------", *_entry("TypeError", f"For {type_errors}.")]
    lines += _entry("ValueError", f"For {value_errors}.")
    return "\n".join(lines)


def loss_doc(params: dict, **options) -> Callable:
    """Return a decorator inserting :func:`sections` ``(params, **options)`` in a docstring.

    The sections follow the docstring's first paragraph (its summary), indented like
    the rest of the docstring.
    """

    def decorate(core: Callable) -> Callable:
        doc = inspect.cleandoc(core.__doc__)
        summary, sep, rest = doc.partition("\n\n")
        body = f"{sections(params, **options)}\n\n{rest}" if sep else sections(params, **options)
        core.__doc__ = f"{summary}\n\n{textwrap.indent(body, '    ', str.strip)}\n\n    "
        return core

    return decorate
