"""Slider figures that are live in Jupyter and still move on the static website.

A :class:`SliderFigure` wraps a matplotlib figure and an ``update`` function that
changes the figure's artists in place (``set_data``, ``set_ydata``,
``set_text``, ...). Displayed in a notebook it has two faces:

* with a kernel (Jupyter, VS Code, Colab) it is an ipywidgets control: moving a
  slider calls ``update`` and re-renders the same figure, so only what changed
  is recomputed;
* without a kernel (the built Jupyter Book site, nbconvert) it is a
  self-contained HTML slider over frames rendered in advance, with a few lines
  of inline JavaScript and no external script.

Both faces come from one ``_repr_mimebundle_``; the book's ``_config.yml`` tells
myst-nb to prefer ``text/html`` for the HTML build.

Examples
--------
>>> import numpy as np
>>> import matplotlib.pyplot as plt
>>> x = np.linspace(0, 1, 20)
>>> fig, ax = plt.subplots()
>>> (line,) = ax.plot(x, x)
>>> def update(w):
...     line.set_ydata(w * x)
>>> sf = SliderFigure(fig, update, [FloatSlider("w", 0.0, 2.0, 0.5, 1.0)],
...                   alt="A line through the origin whose slope is set by w.")
>>> sf.frame_values[0]
{'w': 0.0}
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
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

__all__ = [
    "Choice",
    "FloatSlider",
    "IntSlider",
    "SliderFigure",
    "render_png",
]

#: Default bound on the bytes of one static slider figure (HTML, frames included).
PAGE_BUDGET_BYTES = 400_000
#: Default bound on the number of precomputed frames of one figure.
MAX_FRAMES = 41
#: Resolution of the initial frame printed in the book's PDF.
PRINT_DPI = 150
#: The live image is drawn this much sharper than the static frames.
LIVE_DPI_SCALE = 1.25
#: JPEG quality of the live image.
LIVE_JPEG_QUALITY = 90


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
            (k for k in range(limit, 1, -1)
             if abs(where * (k - 1) - round(where * (k - 1))) < 1e-9),
            limit,
        )
        values = np.linspace(self.min, self.max, n)
        values[np.argmin(np.abs(values - self.value))] = self.value
        decimals = max(0, 12 - int(np.floor(np.log10(self.step))))
        return [float(round(v, decimals)) for v in values]

    def widget(self) -> Any:
        """Return the live ipywidgets control."""
        import ipywidgets

        return ipywidgets.FloatSlider(
            value=self.value, min=self.min, max=self.max, step=self.step,
            description=self.label or self.name, continuous_update=True,
            readout_format=_readout(self.fmt),
            style={"description_width": "initial"},
        )


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
            v = getattr(self, arg)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"IntSlider {self.name!r}: {arg} must be an int, got {v!r}")
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
        import ipywidgets

        return ipywidgets.IntSlider(
            value=self.value, min=self.min, max=self.max, step=self.step,
            description=self.label or self.name, continuous_update=True,
            style={"description_width": "initial"},
        )


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
            options=list(self.options), value=self.value,
            description=self.label or self.name, style={"description_width": "initial"},
        )


Slider = FloatSlider | IntSlider | Choice


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


class SliderFigure:
    """A figure with sliders: an ipywidgets control live, an HTML slider static.

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
        A caption shown under the static figure.
    max_frames : int
        Bound on the number of precomputed static frames (product over sliders).
    budget_bytes : int
        Bound on the size of the static HTML; the resolution is lowered until
        the frames fit, and a ``ValueError`` says so if they never do.
    dpi : float
        Resolution of the static frames and of the live image.
    freeze_layout : bool
        If the figure has a layout engine (``layout="constrained"`` or ``"tight"``),
        lay it out once for the initial values and keep that layout for every frame:
        frames then do not jitter as tick labels change width, and each one renders
        about twice as fast.

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
        dpi: float = 80,
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
            raise ValueError("alt: expected a non-empty description of the figure, got "
                             f"{alt!r}")
        if max_frames < 2:
            raise ValueError(f"max_frames: expected at least 2, got {max_frames}")
        self.fig = fig
        self.update = update
        self.sliders = sliders
        self.alt = alt.strip()
        self.caption = caption
        self.max_frames = max_frames
        self.budget_bytes = budget_bytes
        self.dpi = dpi
        self.grids = _frame_grids(sliders, max_frames)
        self._widget: Any = None
        self._html: str | None = None
        plt.close(fig)
        FigureCanvasAgg(fig)
        if freeze_layout and fig.get_layout_engine() is not None:
            fig.canvas.draw()  # the engine places the axes once ...
            fig.set_layout_engine("none")  # ... and they stay there

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
    def frames(self, dpi: float | None = None, colors: int = 64) -> list[bytes]:
        """Render every static frame as a palette PNG (the figure is left at its initial values)."""
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
        for _ in range(6):
            frames = self.frames(dpi=dpi)
            page = _static_html(self, frames)
            if len(page.encode()) <= self.budget_bytes:
                return page
            dpi *= 0.8
        raise ValueError(
            f"the {len(frames)} static frames need {len(page.encode())} bytes even at "
            f"dpi={dpi / 0.8:.0f}, over budget_bytes={self.budget_bytes}: use fewer "
            "frames (max_frames) or a smaller figure"
        )

    # ------------------------------------------------------------------- live
    def widget(self) -> Any:
        """Return the live ipywidgets view (built once)."""
        if self._widget is None:
            import ipywidgets

            image = ipywidgets.Image(format="jpeg", layout={"max_width": "100%"})
            controls = [s.widget() for s in self.sliders]

            blitter = _Blitter(self.fig, dpi=self.dpi * LIVE_DPI_SCALE)

            def redraw(change: Any = None) -> None:
                values = {s.name: c.value for s, c in zip(self.sliders, controls, strict=True)}
                self.update(**values)
                image.value = blitter.render()

            for control in controls:
                control.observe(redraw, names="value")
            redraw()
            self._widget = ipywidgets.VBox([image, *controls])
            self._widget.add_class("lossviz-live")
            self._blitter = blitter
            self._image = image
            self._controls = dict(zip([s.name for s in self.sliders], controls, strict=True))
        return self._widget

    @property
    def controls(self) -> dict[str, Any]:
        """The live slider widgets by name (set ``.value`` to drive the figure from code)."""
        self.widget()
        return self._controls

    @property
    def image(self) -> Any:
        """The live ``ipywidgets.Image`` that shows the current frame."""
        self.widget()
        return self._image

    # ---------------------------------------------------------------- display
    def print_png(self, dpi: float = PRINT_DPI) -> bytes:
        """Return the initial frame as a PNG for print (the book's PDF).

        The PNG's ``Title`` text chunk holds the caption and ``Description`` the
        alternative text; the book's LaTeX build (``_ext/pdf_book.py``) prints the
        frame as a numbered figure with that caption.
        """
        self.update(**self.initial)
        text = {"Software": "lossviz", "Description": self.alt}
        if self.caption:
            text["Title"] = self.caption
        return render_png(self.fig, dpi=dpi, colors=256, text=text)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # text/html: the website's static slider; image/png: the initial frame, which
        # the PDF prints; text/plain: the alternative text, for a plain-text reader.
        bundle: dict[str, Any] = {
            "text/plain": self.alt,
            "text/html": self.to_html(),
            "image/png": base64.b64encode(self.print_png()).decode("ascii"),
        }
        try:
            live = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
            # the widget's own text/plain is its repr ("VBox(children=...)"): keep the alt text
            bundle.update({k: v for k, v in live.items() if k != "text/plain"})
        except Exception:  # noqa: BLE001 - no widget frontend: the static face still shows
            pass
        return bundle


def encode_live(canvas: FigureCanvasAgg) -> bytes:
    """Encode what ``canvas`` last drew as the live view's JPEG.

    High quality without chroma subsampling: about four times faster to encode than
    PNG at slider-figure size, and the live view is a moving picture, not an archive.
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
    and a new background. Changed artists are drawn above the static ones.
    """

    def __init__(self, fig: Figure, dpi: float) -> None:
        self.fig = fig
        self.dpi = dpi
        self.dynamic: list[Any] = []
        self.background: Any = None
        self.limits: list[Any] = []
        self.children = 0

    def _candidates(self) -> list[Any]:
        """Artists an ``update`` function changes: the data-bearing children of each axes."""
        found: list[Any] = list(self.fig.texts)
        for ax in self.fig.axes:
            found += [*ax.lines, *ax.collections, *ax.texts, *ax.patches, *ax.images,
                      *ax.artists, ax.title, ax._left_title, ax._right_title]
        return found

    def _state(self, candidates: list[Any]) -> tuple[list[Any], int]:
        limits = [ax.viewLim.frozen().get_points().tobytes() for ax in self.fig.axes]
        return limits, len(candidates)

    def render(self) -> bytes:
        """Draw the figure as it is now and return PNG bytes."""
        fig = self.fig
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        if fig.dpi != self.dpi:
            fig.set_dpi(self.dpi)
            self.background = None
        candidates = self._candidates()
        stale = [a for a in candidates if a.stale]
        limits, children = self._state(candidates)
        same = len(stale) == len(self.dynamic) and all(
            a is b for a, b in zip(stale, self.dynamic, strict=True))
        reuse = (self.background is not None and same and limits == self.limits
                 and children == self.children)
        canvas = fig.canvas
        if reuse:
            canvas.restore_region(self.background)
            for artist in self.dynamic:
                fig.draw_artist(artist)
        else:
            # everything is stale on the first draw: there is no background to keep yet
            self.dynamic = stale if len(stale) < len(candidates) else []
            for artist in self.dynamic:
                artist.set_animated(True)
            canvas.draw()
            self.background = canvas.copy_from_bbox(fig.bbox)
            for artist in self.dynamic:
                artist.set_animated(False)
                fig.draw_artist(artist)
            self.limits, self.children = limits, children
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
                trial = grids[:i] + [bigger] + grids[i + 1:]
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
    width, height = (sf.fig.get_size_inches() * sf.dpi).round().astype(int)
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
    caption = (
        f"<figcaption>{html.escape(sf.caption)}</figcaption>" if sf.caption else ""
    )
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
