"""The house style: colour-blind-safe colours and a background that reads in both themes.

Choices
-------
* **Colours.** Lines use the Okabe–Ito palette (distinguishable under the common
  colour-vision deficiencies); surfaces use ``viridis`` and gradient magnitudes
  ``cividis`` (perceptually uniform, readable in grey-scale).
* **Background.** Figures and axes are explicitly **white** with dark text, rather
  than transparent. A transparent PNG with black labels disappears on the
  website's dark theme, and one with light labels on the light theme; a white
  card reads in both, and the static slider frames (:mod:`lossviz.widgets`) are
  shown on a white background too, so every figure of the book looks the same.
  Yellow (``#F0E442``) is left out of the line cycle: too faint on white.

Use :func:`apply` once in a notebook (or :func:`context` in a ``with`` block);
:mod:`lossviz.plot` draws with these colours whether or not the style is applied.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import matplotlib as mpl
from cycler import cycler

__all__ = [
    "CYCLE",
    "GRADIENT_CMAP",
    "OKABE_ITO",
    "RC",
    "SURFACE_CMAP",
    "apply",
    "color",
    "context",
]

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
"""The eight Okabe–Ito colours by name."""

CYCLE: tuple[str, ...] = tuple(
    OKABE_ITO[k]
    for k in ("blue", "orange", "bluish green", "vermillion", "reddish purple", "sky blue", "black")
)
"""Line colours, in order (no yellow: too faint on white)."""

SURFACE_CMAP = "viridis"
"""Colormap for loss values."""

GRADIENT_CMAP = "cividis"
"""Colormap for gradient magnitudes (distinct from the surface's)."""

RC: dict[str, object] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#444444",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "axes.prop_cycle": cycler(color=list(CYCLE)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.alpha": 0.3,
    "image.cmap": SURFACE_CMAP,
    "font.size": 10,
    "axes.titlesize": 11,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
}
"""The rcParams of the house style."""


def color(i: int) -> str:
    """Return the ``i``-th colour of the line cycle (wrapping around).

    Examples
    --------
    >>> color(0), color(len(CYCLE))
    ('#0072B2', '#0072B2')

    """
    return CYCLE[i % len(CYCLE)]


def apply() -> None:
    """Set the house style globally (``matplotlib.rcParams``).

    Examples
    --------
    >>> apply()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["axes.facecolor"]
    'white'

    """
    mpl.rcParams.update(RC)


def context() -> AbstractContextManager:
    """Return a context manager applying the house style temporarily.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with context():
    ...     fig, ax = plt.subplots()
    >>> fig.get_facecolor()
    (1.0, 1.0, 1.0, 1.0)
    >>> plt.close(fig)

    """
    return mpl.rc_context(RC)
