"""Slider figures that are live in Jupyter and still move on the static website.

A :class:`SliderFigure` wraps a matplotlib figure and an ``update`` function that
changes the figure's artists in place (``set_data``, ``set_ydata``,
``set_text``, ...). Displayed in a notebook it has one of two faces:

* **live** (the default: Jupyter, VS Code, Colab): an ipywidgets control. Moving a
  slider calls ``update`` and re-renders the same figure, redrawing only what
  changed. The image is shown at the figure's drawn size (``figsize * dpi`` CSS
  pixels) and rendered at twice that resolution for high-density screens, with the
  figure's alt text and caption. An exception in ``update`` is shown under the
  figure (one line, the traceback folded under it) and the sliders go back to the
  values the picture shows. A second, one-line output asks the reader to run the
  cell; JupyterLab and Notebook 7 hide it while the figure is live and show it
  instead of the "model not found" error once the kernel is gone.
* **static** (when the environment variable ``LOSSVIZ_FACE`` is ``static``, which
  the book build sets, see ``_ext/staticfaces.py``): a self-contained HTML slider
  over frames rendered in advance, with a few lines of inline JavaScript and no
  external script. Rendering those frames takes 0.4-2 s a figure, so the live
  face never does it. The static face also carries the initial frame as a PNG
  whose text chunks hold the caption and alt text: the book's PDF prints it as a
  numbered figure (``_ext/pdf_book.py``).

In both faces the plain-text form is the alt text.

Every figure lives in its own scope: a function builds the figure, its artists
and its ``update``, and returns the :class:`SliderFigure`. Nothing ``update``
uses is then a notebook global that a later cell could rebind.

Examples
--------
>>> import numpy as np
>>> import matplotlib.pyplot as plt
>>> def slope_figure(x, w0=1.0):
...     fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
...     (line,) = ax.plot(x, w0 * x)
...     ax.set_ylim(0, 2)
...     def update(w):
...         line.set_ydata(w * x)
...         ax.set_title(f"slope {w:.2f}")
...     update(w0)
...     return SliderFigure(fig, update, [FloatSlider("w", 0.0, 2.0, 0.5, w0)],
...                         alt="A line through the origin whose slope is set by w.")
>>> sf = slope_figure(np.linspace(0, 1, 20))
>>> sf.frame_values[0]
{'w': 0.0}
>>> sf.set(w=1.5)
>>> sf.fig.axes[0].get_title()
'slope 1.50'

In a notebook, the cell ends with ``slope_figure(x)`` so that the figure displays.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import itertools
import json
import math
import os
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from lossviz._validate import as_int, as_real

__all__ = [
    "Choice",
    "FloatSlider",
    "IntSlider",
    "SliderFigure",
    "displayed",
    "encode_live",
    "face",
    "render_png",
]

#: Default bound on the bytes of one static slider figure (HTML, frames included).
PAGE_BUDGET_BYTES = 400_000
#: Default bound on the number of precomputed frames of one figure.
MAX_FRAMES = 41
#: The live image has this many device pixels per CSS pixel (sharp on high-density screens).
LIVE_PIXEL_RATIO = 2
#: Resolution of the initial frame printed in the book's PDF.
PRINT_DPI = 150
#: Palette size of the PDF's printed frame (a full 8-bit palette).
PRINT_COLORS = 256
#: Default resolution of the static frames (the figure shows at ``figsize * dpi`` CSS pixels).
STATIC_DPI = 80
#: Palette size of each static frame: small PNGs, indistinguishable for line plots.
STATIC_COLORS = 64
#: JPEG quality of the live image.
LIVE_JPEG_QUALITY = 90
#: If the static frames are over budget, try again at this fraction of the resolution ...
BUDGET_DPI_FACTOR = 0.8
#: ... at most this many times before giving up.
BUDGET_ATTEMPTS = 6
#: Environment variable that chooses the face: ``static`` for the book build, else live.
FACE_VARIABLE = "LOSSVIZ_FACE"
#: The line shown in place of a live figure whose kernel is gone.
OFFLINE_NOTE = "Run this cell to make the figure live: its sliders need a running Python kernel."


@dataclass(frozen=True)
class FloatSlider:
    """A continuous parameter, sampled at ``step`` on the static page.

    Parameters
    ----------
    name : str
        Keyword passed to ``update``.
    min, max : float
        Range of the slider, ``min < max``.
    step : float
        Resolution of the live slider; the static page uses the same grid
        unless the frame budget forces a coarser one.
    value : float
        Initial value, inside ``[min, max]``.
    label : str, optional
        Text shown beside the slider (defaults to ``name``).
    fmt : str
        Format of the value shown beside the slider.
    """

    name: str
    min: float
    max: float
    step: float
    value: float
    label: str | None = None
    fmt: str = "{:.2f}"

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not (np.isfinite(self.min) and np.isfinite(self.max) and self.min < self.max):
            raise ValueError(
                f"FloatSlider {self.name!r}: expected finite min < max, "
                f"got min={self.min!r}, max={self.max!r}"
            )
        if not (np.isfinite(self.step) and 0 < self.step <= self.max - self.min):
            raise ValueError(
                f"FloatSlider {self.name!r}: expected 0 < step <= max - min = "
                f"{self.max - self.min!r}, got step={self.step!r}"
            )
        if not self.min <= self.value <= self.max:
            raise ValueError(
                f"FloatSlider {self.name!r}: expected min <= value <= max "
                f"({self.min!r} .. {self.max!r}), got value={self.value!r}"
            )

    def grid(self, limit: int) -> list[float]:
        """Return at most ``limit`` evenly spaced values covering the range, ``value`` included."""
        natural = int(round((self.max - self.min) / self.step)) + 1
        limit = max(2, min(natural, limit))
        where = (self.value - self.min) / (self.max - self.min)
        # the largest evenly spaced grid that has the initial value as one of its points
        n = next(
            (
                k
                for k in range(limit, 1, -1)
                if abs(where * (k - 1) - round(where * (k - 1))) < 1e-9
            ),
            limit,
        )
        values = np.linspace(self.min, self.max, n)
        values[np.argmin(np.abs(values - self.value))] = self.value
        decimals = max(0, 12 - int(np.floor(np.log10(self.step))))
        return [float(round(v, decimals)) for v in values]

    def widget(self) -> Any:
        """Return the live ipywidgets control."""
        return _range_widget("FloatSlider", self, readout_format=_readout(self.fmt))


@dataclass(frozen=True)
class IntSlider:
    """An integer parameter from ``min`` to ``max`` in steps of ``step``."""

    name: str
    min: int
    max: int
    step: int = 1
    value: int | None = None
    label: str | None = None
    fmt: str = "{:d}"

    def __post_init__(self) -> None:
        _check_name(self.name)
        for arg in ("min", "max", "step"):
            as_int(getattr(self, arg), f"IntSlider {self.name!r}: {arg}")
        if not (self.min < self.max and 0 < self.step):
            raise ValueError(
                f"IntSlider {self.name!r}: expected min < max and step > 0, "
                f"got min={self.min}, max={self.max}, step={self.step}"
            )
        value = self.min if self.value is None else self.value
        if not (self.min <= value <= self.max and (value - self.min) % self.step == 0):
            raise ValueError(
                f"IntSlider {self.name!r}: expected value on the grid {self.min}:{self.max}:"
                f"{self.step}, got value={self.value!r}"
            )
        object.__setattr__(self, "value", int(value))

    def grid(self, limit: int) -> list[int]:
        """Return the integer values, thinned evenly to at most ``limit`` (``value`` kept)."""
        values = list(range(self.min, self.max + 1, self.step))
        if len(values) > limit:
            idx = np.unique(np.linspace(0, len(values) - 1, max(limit, 2)).round().astype(int))
            thinned = [values[i] for i in idx]
            nearest = int(np.argmin([abs(v - self.value) for v in thinned]))
            thinned[nearest] = self.value
            values = thinned
        return [int(v) for v in values]

    def widget(self) -> Any:
        """Return the live ipywidgets control."""
        return _range_widget("IntSlider", self)


@dataclass(frozen=True)
class Choice:
    """A parameter taking one of a few named options (a dropdown live, a stepped slider static)."""

    name: str
    options: Sequence[Any] = field(default_factory=tuple)
    value: Any = None
    label: str | None = None
    fmt: str = "{}"

    def __post_init__(self) -> None:
        _check_name(self.name)
        options = tuple(self.options)
        if len(options) < 2:
            raise ValueError(
                f"Choice {self.name!r}: expected at least 2 options, got {list(options)!r}"
            )
        object.__setattr__(self, "options", options)
        value = options[0] if self.value is None else self.value
        if value not in options:
            raise ValueError(
                f"Choice {self.name!r}: value {self.value!r} is not one of {list(options)!r}"
            )
        object.__setattr__(self, "value", value)

    def grid(self, limit: int) -> list[Any]:
        """Return every option: choices are never thinned."""
        return list(self.options)

    def widget(self) -> Any:
        """Return the live ipywidgets control."""
        import ipywidgets

        return ipywidgets.Dropdown(
            options=list(self.options),
            value=self.value,
            description=self.label or self.name,
            style={"description_width": "initial"},
        )


Slider = FloatSlider | IntSlider | Choice


def _range_widget(kind: str, slider: FloatSlider | IntSlider, **extra: Any) -> Any:
    """Return the live ``ipywidgets.<kind>`` slider of ``slider`` (float or int)."""
    import ipywidgets

    return getattr(ipywidgets, kind)(
        value=slider.value,
        min=slider.min,
        max=slider.max,
        step=slider.step,
        description=slider.label or slider.name,
        continuous_update=True,
        style={"description_width": "initial"},
        **extra,
    )


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"slider name must be a Python identifier, got {name!r}")


def _readout(fmt: str) -> str:
    """Turn a ``str.format`` spec such as ``{:.2f}`` into an ipywidgets readout format."""
    return fmt.strip("{}").lstrip(":") or ".2f"


def render_png(
    fig: Figure,
    *,
    dpi: float | None = None,
    colors: int | None = None,
    text: dict[str, str] | None = None,
) -> bytes:
    """Render ``fig`` with Agg and return PNG bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw.
    dpi : float, optional
        Resolution; defaults to the figure's own.
    colors : int, optional
        If given, quantise to this many colours (palette PNG, several times
        smaller for line art); if ``None``, a fast full-colour PNG.
    text : dict of str to str, optional
        PNG text chunks to write (keywords such as ``Title``, ``Description``).

    Returns
    -------
    bytes
        The encoded PNG.
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    old_dpi = fig.dpi
    if dpi is not None:
        fig.set_dpi(dpi)
    try:
        fig.canvas.draw()
        width, height = fig.canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba()).convert("RGB")
    finally:
        if dpi is not None:
            fig.set_dpi(old_dpi)
    info = None
    if text:
        info = PngInfo()
        for key, value in text.items():
            info.add_itxt(key, value)
    out = io.BytesIO()
    if colors is None:
        image.save(out, "PNG", compress_level=1, pnginfo=info)
    else:
        image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(
            out, "PNG", optimize=True, pnginfo=info
        )
    return out.getvalue()


def face() -> str:
    """Return which face slider figures show: ``"static"`` or ``"live"``.

    ``"static"`` when the environment variable ``LOSSVIZ_FACE`` is ``static`` (the book
    build sets it before it executes the notebooks), ``"live"`` otherwise.

    Raises
    ------
    ValueError
        If ``LOSSVIZ_FACE`` is set to anything but ``static`` or ``live``.
    """
    value = os.environ.get(FACE_VARIABLE, "live").strip().lower() or "live"
    if value not in ("static", "live"):
        raise ValueError(
            f"{FACE_VARIABLE}: expected 'static' or 'live', got {os.environ[FACE_VARIABLE]!r}"
        )
    return value


#: Every SliderFigure displayed in this Python process, in display order.
_DISPLAYED: list[SliderFigure] = []


def displayed() -> list[SliderFigure]:
    """Return the slider figures displayed so far in this kernel, oldest first.

    The Run-All test drives each of them through its live controls after a notebook
    has run, in the same kernel.
    """
    return list(_DISPLAYED)


class SliderFigure:
    """A figure with sliders: an ipywidgets control live, an HTML slider static.

    Build the figure, its artists and ``update`` inside one function that returns the
    ``SliderFigure`` (see the module's example), so that nothing ``update`` uses is a
    notebook global a later cell can rebind.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, with its artists already drawn for the initial values. It is
        closed in pyplot so that the notebook does not show it a second time.
    update : callable
        ``update(**values)`` changes the figure's artists in place for the given
        slider values (one keyword per slider). It should not create a new figure.
    sliders : sequence of FloatSlider, IntSlider or Choice
        The controls, in display order. Names must be distinct.
    alt : str
        Alternative text describing what the figure shows, for screen readers
        and for readers whose images do not load.
    caption : str, optional
        A caption shown under the figure, live and static.
    max_frames : int
        Bound on the number of precomputed static frames (product over sliders).
    budget_bytes : int
        Bound on the size of the static HTML; the resolution is lowered until
        the frames fit, and a ``ValueError`` says so if they never do.
    dpi : float
        Resolution of the static frames; the figure is shown ``figsize * dpi`` CSS
        pixels wide, live and static, and the live image has ``LIVE_PIXEL_RATIO``
        device pixels per CSS pixel.
    freeze_layout : bool
        If the figure has a layout engine (``layout="constrained"`` or ``"tight"``),
        lay it out once for the initial values and keep that layout for every frame:
        frames then do not jitter as tick labels change width, and each one renders
        about twice as fast.

    Attributes
    ----------
    last_error : str or None
        The one-line message of the last live update that raised, ``None`` once a
        later update succeeds.
    shown : dict or None
        The slider values the live picture shows (``None`` before the first render).

    Raises
    ------
    ValueError
        If the sliders are empty or have duplicate names, ``alt`` is empty, or
        the frames cannot be made to fit ``budget_bytes``.
    """

    def __init__(
        self,
        fig: Figure,
        update: Callable[..., Any],
        sliders: Sequence[Slider],
        *,
        alt: str,
        caption: str | None = None,
        max_frames: int = MAX_FRAMES,
        budget_bytes: int = PAGE_BUDGET_BYTES,
        dpi: float = STATIC_DPI,
        freeze_layout: bool = True,
    ) -> None:
        if not isinstance(fig, Figure):
            raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
        if not callable(update):
            raise TypeError(f"update must be callable, got {type(update).__name__}")
        sliders = list(sliders)
        if not sliders:
            raise ValueError("sliders: expected at least one slider, got none")
        names = [s.name for s in sliders]
        if len(set(names)) != len(names):
            raise ValueError(f"sliders: names must be distinct, got {names}")
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError(f"alt: expected a non-empty description of the figure, got {alt!r}")
        max_frames = as_int(max_frames, "max_frames", low=2)
        budget_bytes = as_int(budget_bytes, "budget_bytes", low=1)
        dpi = as_real(dpi, "dpi", low=0.0, low_open=True)
        self.fig = fig
        self.update = update
        self.sliders = sliders
        self.alt = alt.strip()
        self.caption = caption
        self.max_frames = max_frames
        self.budget_bytes = budget_bytes
        self.dpi = dpi
        self.grids = _frame_grids(sliders, max_frames)
        self.last_error: str | None = None
        self.shown: dict[str, Any] | None = None
        self._html: str | None = None
        self._widget: Any = None
        self._image: Any = None
        self._error_view: Any = None
        self._controls: dict[str, Any] = {}
        self._blitter: _Blitter | None = None
        self._reverting = False
        plt.close(fig)
        FigureCanvasAgg(fig)
        # The layout engine places the axes once, at the first draw, and they stay there
        # (see _settle_layout): not here, since a live figure's first draw does it anyway.
        self._layout_pending = freeze_layout and fig.get_layout_engine() is not None

    def _settle_layout(self) -> None:
        """Fix the axes where the layout engine puts them for the figure as it is now."""
        if self._layout_pending:
            self.fig.draw_without_rendering()
            self._layout_drawn()

    def _layout_drawn(self) -> None:
        """After a full draw laid the figure out: keep that layout for every later draw."""
        if self._layout_pending:
            self.fig.set_layout_engine("none")
            self._layout_pending = False

    # ----------------------------------------------------------------- values
    @property
    def initial(self) -> dict[str, Any]:
        """The initial value of every slider, by name."""
        return {s.name: s.value for s in self.sliders}

    @property
    def frame_values(self) -> list[dict[str, Any]]:
        """Slider values of each static frame, row-major over the sliders."""
        names = [s.name for s in self.sliders]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*self.grids)]

    @property
    def css_size(self) -> tuple[int, int]:
        """Width and height, in CSS pixels, at which the figure is shown (live and static)."""
        width, height = (self.fig.get_size_inches() * self.dpi).round().astype(int)
        return int(width), int(height)

    def set(self, **values: Any) -> None:
        """Update the figure's artists for ``values`` (missing sliders keep their initial value)."""
        unknown = set(values) - {s.name for s in self.sliders}
        if unknown:
            raise ValueError(
                f"unknown slider(s) {sorted(unknown)}; this figure has "
                f"{[s.name for s in self.sliders]}"
            )
        self.update(**{**self.initial, **values})

    # ----------------------------------------------------------------- static
    def frames(self, dpi: float | None = None, colors: int = STATIC_COLORS) -> list[bytes]:
        """Render every static frame as a palette PNG (the figure is left at its initial values)."""
        self._settle_layout()
        out = []
        try:
            for values in self.frame_values:
                self.update(**values)
                out.append(render_png(self.fig, dpi=dpi or self.dpi, colors=colors))
        finally:
            self.update(**self.initial)
        return out

    def to_html(self) -> str:
        """Return the self-contained static slider (frames, controls, inline script).

        Raises
        ------
        ValueError
            If the frames do not fit ``budget_bytes`` even at a low resolution.
        """
        if self._html is None:
            self._html = self._build_html()
        return self._html

    def _build_html(self) -> str:
        dpi = self.dpi
        for _ in range(BUDGET_ATTEMPTS):
            frames = self.frames(dpi=dpi)
            page = _static_html(self, frames)
            if len(page.encode()) <= self.budget_bytes:
                return page
            dpi *= BUDGET_DPI_FACTOR
        raise ValueError(
            f"the {len(frames)} static frames need {len(page.encode())} bytes even at "
            f"dpi={dpi / BUDGET_DPI_FACTOR:.0f}, over budget_bytes={self.budget_bytes}: use "
            "fewer frames (max_frames) or a smaller figure"
        )

    # ------------------------------------------------------------------- live
    def widget(self) -> Any:
        """Return the live ipywidgets view (built once, drawn for the sliders' values)."""
        if self._widget is None:
            import ipywidgets

            width, _ = self.css_size
            # A fixed CSS width (not the output's width) and no more than the output's:
            # the picture keeps its drawn size and its 2x pixels stay sharp.
            self._image = _alt_image_class()(
                format="jpeg",
                tooltip=self.alt,
                layout={"width": f"{width}px", "max_width": "100%", "height": "auto"},
            )
            self._image.add_class("lossviz-live-image")
            self._controls = {s.name: s.widget() for s in self.sliders}
            self._error_view = ipywidgets.HTML(layout={"display": "none"})
            self._error_view.add_class("lossviz-error")
            self._blitter = _Blitter(
                self.fig, dpi=self.dpi * LIVE_PIXEL_RATIO, on_full_draw=self._layout_drawn
            )
            for control in self._controls.values():
                control.observe(self._redraw, names="value")
            children = [self._image]
            if self.caption:
                caption = ipywidgets.HTML(
                    f'<p style="margin:0.3em 0;line-height:1.4">{html.escape(self.caption)}</p>',
                    layout={"max_width": f"{width}px"},
                )
                caption.add_class("lossviz-caption")
                children.append(caption)
            children += [*self._controls.values(), self._error_view]
            self._widget = ipywidgets.VBox(children)
            self._widget.add_class("lossviz-live")
            self._redraw()
        return self._widget

    def _redraw(self, change: Any = None) -> None:
        """Call ``update`` with the controls' values and show the new picture, or the error."""
        if self._reverting:
            return
        values = {name: control.value for name, control in self._controls.items()}
        try:
            self.update(**values)
        except Exception as exc:  # noqa: BLE001 - any error in user code is shown, not lost
            self._show_error(values, exc)
            if self.shown is None:  # nothing drawn yet: show the figure as the code left it
                self._image.value = self._blitter.render()
            return
        self._image.value = self._blitter.render()
        self.shown = values
        if self.last_error is not None:
            self.last_error = None
            self._error_view.value = ""
            self._error_view.layout.display = "none"

    def _describe(self, values: dict[str, Any]) -> str:
        return ", ".join(
            f"{s.label or s.name} = {s.fmt.format(values[s.name])}" for s in self.sliders
        )

    def _show_error(self, values: dict[str, Any], exc: Exception) -> None:
        """Show one line under the figure (the traceback folded) and put the sliders back."""
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        line = f"update failed at {self._describe(values)}: {type(exc).__name__}"
        line += f": {message}" if message else ""
        if self.shown is not None:
            line += f". The figure still shows {self._describe(self.shown)}."
        self.last_error = line
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self._error_view.value = (
            '<details style="color:#b00020"><summary>'
            f'{html.escape(line)}</summary><pre style="white-space:pre-wrap;font-size:85%">'
            f"{html.escape(trace)}</pre></details>"
        )
        self._error_view.layout.display = None
        if self.shown is not None:  # the readout says what the picture shows
            self._reverting = True
            try:
                for name, control in self._controls.items():
                    control.value = self.shown[name]
            finally:
                self._reverting = False

    @property
    def controls(self) -> dict[str, Any]:
        """The live slider widgets by name (set ``.value`` to drive the figure from code)."""
        self.widget()
        return self._controls

    @property
    def image(self) -> Any:
        """The live ``ipywidgets.Image`` that shows the current picture (JPEG)."""
        self.widget()
        return self._image

    # ---------------------------------------------------------------- display
    def print_png(self, dpi: float = PRINT_DPI) -> bytes:
        """Return the initial frame as a PNG for print (the book's PDF).

        The PNG's ``Title`` text chunk holds the caption and ``Description`` the
        alternative text; the book's LaTeX build (``_ext/pdf_book.py``) prints the
        frame as a numbered figure with that caption.
        """
        self._settle_layout()
        self.update(**self.initial)
        text = {"Software": "lossviz", "Description": self.alt}
        if self.caption:
            text["Title"] = self.caption
        return render_png(self.fig, dpi=dpi, colors=PRINT_COLORS, text=text)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Return the face chosen by :func:`face`: the static slider or the live widget view.

        The plain text is the alternative text. The static face (the book build) also
        carries the initial frame as ``image/png``, which the book's PDF prints.
        """
        bundle: dict[str, Any] = {"text/plain": self.alt}
        if face() == "static":
            bundle["text/html"] = self.to_html()
            bundle["image/png"] = base64.b64encode(self.print_png()).decode("ascii")
            return bundle
        bundle.update(self.widget()._repr_mimebundle_(include=include, exclude=exclude))
        bundle["text/plain"] = self.alt  # not the widget's repr, "VBox(children=...)"
        return bundle

    def _ipython_display_(self) -> None:
        """Display the figure's face; live, follow it with the offline note (see the module)."""
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        if not any(shown is self for shown in _DISPLAYED):
            _DISPLAYED.append(self)
        display(bundle, raw=True)
        if face() == "live":
            display({"text/plain": OFFLINE_NOTE, "text/html": _OFFLINE_HTML}, raw=True)


@functools.cache
def _alt_image_class() -> type:
    """Return an ``ipywidgets.Image`` whose ``tooltip`` becomes the picture's accessible name.

    ipywidgets 8's views write ``tooltip`` into the element's ``title`` (which screen
    readers read as the image's name, like ``alt``) only when the model has an empty
    ``description``; ``Image`` has no ``description`` at all, and its view then fails to
    render. This subclass adds the empty one.
    """
    import ipywidgets
    import traitlets

    class AltImage(ipywidgets.Image):
        description = traitlets.Unicode("").tag(sync=True)

    return AltImage


#: The note that follows a live figure. JupyterLab 4 and Notebook 7 render both outputs in
#: sibling ``.jp-OutputArea-child`` elements; the rules hide the note while the figure before
#: it is live, and hide the figure's output when it holds no live view (ipywidgets's
#: "Loading widget..." or "Error displaying widget: model not found" once the kernel is
#: gone). Frontends that drop the ``<style>`` (GitHub, nbviewer) show the note.
_OFFLINE_HTML = (
    "<style>"
    ".jp-OutputArea-child:has(.lossviz-live) + .jp-OutputArea-child:has(.lossviz-offline)"
    "{display:none}"
    ".jp-OutputArea-child:not(:has(.lossviz-live)):has(+ .jp-OutputArea-child "
    ".lossviz-offline){display:none}"
    "</style>"
    f'<p class="lossviz-offline"><em>{html.escape(OFFLINE_NOTE)}</em></p>'
)


def encode_live(canvas: FigureCanvasAgg) -> bytes:
    """Encode what ``canvas`` last drew as the live view's JPEG.

    High quality without chroma subsampling: about four times faster to encode than
    PNG at slider-figure size, and the live view is a moving picture, not an archive.

    Parameters
    ----------
    canvas : matplotlib.backends.backend_agg.FigureCanvasAgg
        A canvas that has drawn (``canvas.draw()``).

    Returns
    -------
    bytes
        The JPEG.
    """
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba()).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=LIVE_JPEG_QUALITY, subsampling=0)
    return out.getvalue()


class _Blitter:
    """Re-render a figure after ``update`` by redrawing only the artists it changed (JPEG out).

    The first call draws everything. Later calls find the artists that ``update``
    marked stale (matplotlib's setters do); if they are exactly the ones changed last
    time and no axes changed its limits, restore a cached background drawn without
    them and draw just those artists on top (blitting). Anything else (new artists,
    changed limits, a different set of changed artists) falls back to a full draw
    and a new background. Changed artists are drawn above the static ones, in
    z-order.
    """

    def __init__(
        self, fig: Figure, dpi: float, on_full_draw: Callable[[], None] | None = None
    ) -> None:
        self.fig = fig
        self.dpi = dpi
        self.on_full_draw = on_full_draw
        self.dynamic: list[Any] = []
        self.background: Any = None
        self.limits: list[bytes] = []
        self.children = 0

    def _candidates(self) -> list[Any]:
        """Artists an ``update`` function can change: every child of the figure's axes.

        The axes background patch is left out: drawn on top it would hide everything.
        """
        found: list[Any] = [*self.fig.texts, *self.fig.legends]
        for ax in self.fig.axes:
            found += [a for a in ax.get_children() if a is not ax.patch]
        return found

    def _limits(self) -> list[bytes]:
        return [ax.viewLim.frozen().get_points().tobytes() for ax in self.fig.axes]

    def render(self) -> bytes:
        """Draw the figure as it is now and return JPEG bytes (see :func:`encode_live`)."""
        fig = self.fig
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        if fig.dpi != self.dpi:
            fig.set_dpi(self.dpi)
            self.background = None
        candidates = self._candidates()
        stale = [a for a in candidates if a.stale]
        limits = self._limits()
        same = len(stale) == len(self.dynamic) and all(
            a is b for a, b in zip(stale, self.dynamic, strict=True)
        )
        reuse = (
            self.background is not None
            and same
            and limits == self.limits
            and len(candidates) == self.children
        )
        canvas = fig.canvas
        if reuse:
            canvas.restore_region(self.background)
            for artist in sorted(self.dynamic, key=lambda a: a.get_zorder()):
                fig.draw_artist(artist)
        else:
            # everything is stale on the first draw: there is no background to keep yet
            self.dynamic = stale if len(stale) < len(candidates) else []
            for artist in self.dynamic:
                artist.set_animated(True)
            canvas.draw()
            if self.on_full_draw is not None:
                self.on_full_draw()  # the first draw ran the layout engine: keep its layout
            self.background = canvas.copy_from_bbox(fig.bbox)
            for artist in sorted(self.dynamic, key=lambda a: a.get_zorder()):
                artist.set_animated(False)
                fig.draw_artist(artist)
            self.limits, self.children = limits, len(candidates)
        for artist in candidates:
            artist.stale = False
        return encode_live(canvas)


def _frame_grids(sliders: Sequence[Slider], max_frames: int) -> list[list[Any]]:
    """Choose each slider's static values so that the product stays within ``max_frames``."""
    fixed = [s for s in sliders if isinstance(s, Choice)]
    fixed_count = math.prod(len(s.options) for s in fixed) if fixed else 1
    if fixed_count > max_frames:
        raise ValueError(
            f"max_frames={max_frames} is smaller than the {fixed_count} combinations of the "
            "choice sliders"
        )
    free = [s for s in sliders if not isinstance(s, Choice)]
    per = max(2, int(math.floor((max_frames / fixed_count) ** (1 / max(len(free), 1)) + 1e-9)))
    grids = [s.grid(per) for s in sliders]
    # spend any frames left over on the first sliders, one step at a time
    while True:
        grown = False
        for i, s in enumerate(sliders):
            if isinstance(s, Choice):
                continue
            bigger = s.grid(len(grids[i]) + 1)
            if len(bigger) > len(grids[i]):
                trial = grids[:i] + [bigger] + grids[i + 1 :]
                if math.prod(len(g) for g in trial) <= max_frames:
                    grids = trial
                    grown = True
        if not grown:
            return grids


_SCRIPT = """(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var data = JSON.parse(root.querySelector("script.lossviz-frames").textContent);
  var img = root.querySelector("img");
  var inputs = root.querySelectorAll("input[type=range]");
  var outputs = root.querySelectorAll("output");
  function show() {
    var index = 0;
    for (var i = 0; i < inputs.length; i++) {
      var k = parseInt(inputs[i].value, 10);
      index = index * data.sizes[i] + k;
      outputs[i].textContent = data.labels[i][k];
      inputs[i].setAttribute("aria-valuetext", data.labels[i][k]);
    }
    img.src = "data:image/png;base64," + data.frames[index];
    root.dataset.frame = String(index);
  }
  for (var i = 0; i < inputs.length; i++) { inputs[i].addEventListener("input", show); }
  show();
})();"""


def _static_html(sf: SliderFigure, frames: list[bytes]) -> str:
    """Assemble the static slider: one ``<img>``, a range input per slider, the frames as JSON."""
    uid = "lossviz-" + uuid.uuid4().hex[:12]
    encoded = [base64.b64encode(f).decode("ascii") for f in frames]
    labels = [[s.fmt.format(v) for v in grid] for s, grid in zip(sf.sliders, sf.grids, strict=True)]
    start = [grid.index(s.value) for s, grid in zip(sf.sliders, sf.grids, strict=True)]
    index = 0
    for size, k in zip([len(g) for g in sf.grids], start, strict=True):
        index = index * size + k
    width, height = sf.css_size
    rows = []
    for i, s in enumerate(sf.sliders):
        input_id = f"{uid}-{s.name}"
        rows.append(
            f'<div class="lossviz-control"><label for="{input_id}">'
            f"{html.escape(s.label or s.name)}</label> "
            f'<input type="range" id="{input_id}" min="0" max="{len(sf.grids[i]) - 1}" '
            f'step="1" value="{start[i]}" aria-valuetext="{html.escape(labels[i][start[i]])}"> '
            f'<output for="{input_id}">{html.escape(labels[i][start[i]])}</output></div>'
        )
    payload = json.dumps(
        {"sizes": [len(g) for g in sf.grids], "labels": labels, "frames": encoded},
        separators=(",", ":"),
    ).replace("</", "<\\/")
    caption = f"<figcaption>{html.escape(sf.caption)}</figcaption>" if sf.caption else ""
    return (
        f'<div class="lossviz-slider" id="{uid}" data-frame="{index}" '
        f'data-frames="{len(frames)}">'
        f'<figure style="margin:0"><img src="data:image/png;base64,{encoded[index]}" '
        f'alt="{html.escape(sf.alt)}" width="{width}" height="{height}" '
        f'style="max-width:100%;height:auto;background:#fff">{caption}</figure>'
        + "".join(rows)
        + f'<script type="application/json" class="lossviz-frames">{payload}</script>'
        + f"<script>{_SCRIPT % {'id': uid}}</script></div>"
    )
