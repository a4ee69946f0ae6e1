"""Slider figures: frames, static HTML, live callbacks and errors."""

from __future__ import annotations

import base64
import io
import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from lossviz.widgets import (
    LIVE_PIXEL_RATIO,
    Choice,
    FloatSlider,
    IntSlider,
    SliderFigure,
    displayed,
    encode_live,
    face,
    render_png,
)

X = np.linspace(0.0, 1.0, 25)


def line_figure(w0: float = 1.0, b0: float = 0.0):
    """A figure whose line has slope w and intercept b, and its update function."""
    fig, ax = plt.subplots(figsize=(4, 3))
    (line,) = ax.plot(X, w0 * X + b0)
    ax.set_ylim(-3, 5)
    title = ax.set_title(f"w = {w0:.2f}")

    def update(w: float, b: float = 0.0) -> None:
        line.set_ydata(w * X + b)
        title.set_text(f"w = {w:.2f}")

    return fig, update


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def static_payload(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" class="lossviz-frames">(.*?)</script>', html, re.S
    )
    assert match, "no frame payload in the static HTML"
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_float_slider_grid_is_even_and_contains_the_initial_value():
    s = FloatSlider("w", -1.0, 3.0, 0.1, 1.0)
    grid = s.grid(9)
    assert len(grid) <= 9 and grid[0] == -1.0 and grid[-1] == 3.0
    assert 1.0 in grid
    np.testing.assert_allclose(np.diff(grid), np.diff(grid)[0])


def test_float_slider_grid_never_exceeds_the_natural_resolution():
    assert len(FloatSlider("w", 0.0, 1.0, 0.25, 0.5).grid(100)) == 5


def test_int_slider_thins_to_the_limit_and_keeps_the_value():
    s = IntSlider("k", 0, 100, 1, 37)
    grid = s.grid(11)
    assert len(grid) == 11 and 37 in grid and grid[0] == 0 and grid[-1] == 100


def test_two_sliders_share_the_frame_budget():
    fig, update = line_figure()
    sf = SliderFigure(
        fig,
        update,
        [FloatSlider("w", 0, 2, 0.1, 1.0), FloatSlider("b", -1, 1, 0.1, 0.0)],
        alt="a line",
        max_frames=30,
    )
    sizes = [len(g) for g in sf.grids]
    assert np.prod(sizes) <= 30 and min(sizes) >= 3
    assert len(sf.frame_values) == np.prod(sizes)
    assert sf.frame_values[0] == {"w": 0.0, "b": -1.0}


def test_static_html_has_one_frame_per_combination_and_opens_on_the_initial_value():
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")
    html = sf.to_html()
    data = static_payload(html)
    assert len(data["frames"]) == len(sf.grids[0]) == 5
    start = sf.grids[0].index(1.0)
    assert f'data-frame="{start}"' in html
    shown = re.search(r'<img src="data:image/png;base64,([^"]+)"', html).group(1)
    assert shown == data["frames"][start]
    assert 'alt="a line"' in html
    assert data["labels"] == [["0.00", "0.50", "1.00", "1.50", "2.00"]]


def test_static_frames_match_figures_drawn_directly():
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 1.0, 1.0)], alt="a line")
    frames = sf.frames()
    for values, frame in zip(sf.frame_values, frames, strict=True):
        direct, _ = line_figure(w0=values["w"])
        expected = render_png(direct, dpi=sf.dpi, colors=64)
        plt.close(direct)
        np.testing.assert_array_equal(pixels(frame), pixels(expected))
    assert len({f for f in frames}) == len(frames), "frames for different values are identical"


def test_frames_leave_the_figure_at_its_initial_values():
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")
    sf.frames()
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), 1.0 * X)


def direct_live_image(w: float, dpi: float) -> np.ndarray:
    """The live view's picture of the line figure at slope ``w``, drawn from scratch."""
    direct, _ = line_figure(w0=w)
    direct.set_dpi(dpi)
    direct.canvas.draw()
    picture = pixels(encode_live(direct.canvas)).astype(float)
    plt.close(direct)
    return picture


def test_live_slider_redraws_the_same_figure_as_a_direct_draw():
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.1, 1.0)], alt="a line")
    before = sf.image.value
    dpi = sf.dpi * LIVE_PIXEL_RATIO
    for w in (1.7, 0.3, 1.2):  # the first step draws in full, the next ones blit
        sf.controls["w"].value = w
        live = pixels(sf.image.value).astype(float)
        same = np.abs(live - direct_live_image(w, dpi)).mean()
        other = np.abs(live - direct_live_image(w + 0.5, dpi)).mean()
        assert same < 0.5, f"w={w}: live picture differs from a direct draw by {same:.2f}"
        assert other > 4 * same + 0.05, f"w={w}: the picture barely depends on w"
    assert sf.image.value != before
    # the live update changed the existing artist, not a new figure
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), 1.2 * X)
    assert len(fig.axes[0].lines) == 1


def test_live_updates_redraw_only_the_changed_artists():
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.1, 1.0)], alt="a line")
    sf.controls["w"].value = 1.5
    sf.controls["w"].value = 1.6
    changed = sf._blitter.dynamic
    assert fig.axes[0].lines[0] in changed and fig.axes[0].title in changed
    assert len(changed) == 2


def test_live_view_redraws_everything_when_the_limits_change():
    fig, ax = plt.subplots(figsize=(4, 3))
    (line,) = ax.plot(X, X)

    def update(top: float) -> None:
        line.set_ydata(top * X)
        ax.set_ylim(0, top)

    sf = SliderFigure(fig, update, [FloatSlider("top", 1, 3, 0.5, 1.0)], alt="a line")
    sf.controls["top"].value = 2.5
    direct, dax = plt.subplots(figsize=(4, 3))
    dax.plot(X, 2.5 * X)
    dax.set_ylim(0, 2.5)
    direct.set_dpi(sf.dpi * LIVE_PIXEL_RATIO)
    direct.canvas.draw()
    expected = pixels(encode_live(direct.canvas)).astype(float)
    plt.close(direct)
    assert np.abs(pixels(sf.image.value).astype(float) - expected).mean() < 0.5


def test_live_choice_slider_passes_the_option():
    seen = []
    fig, ax = plt.subplots()
    sf = SliderFigure(
        fig, lambda kind: seen.append(kind), [Choice("kind", ["mse", "mae"])], alt="x"
    )
    sf.controls["kind"].value = "mae"
    assert seen[-1] == "mae"
    assert [v["kind"] for v in sf.frame_values] == ["mse", "mae"]


def test_live_mimebundle_is_the_widget_view(monkeypatch):
    monkeypatch.delenv("LOSSVIZ_FACE", raising=False)
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")
    bundle = sf._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "text/html" not in bundle, "the live face renders no static frames"
    assert sf._html is None
    assert bundle["text/plain"] == "a line", "the plain text is the alt text, not a repr"


def test_static_mimebundle_is_the_html_slider_without_a_widget(monkeypatch):
    monkeypatch.setenv("LOSSVIZ_FACE", "static")
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")
    bundle = sf._repr_mimebundle_()
    # image/png: the initial frame, which the book's PDF prints (tests/test_pdf.py)
    assert set(bundle) == {"text/plain", "text/html", "image/png"}
    assert bundle["text/plain"] == "a line"
    assert bundle["text/html"].startswith('<div class="lossviz-slider"')
    assert "<script src" not in bundle["text/html"], "the static face loads no external script"
    assert sf._widget is None, "the static face builds no widget"


def test_face_rejects_unknown_values(monkeypatch):
    monkeypatch.setenv("LOSSVIZ_FACE", "html")
    with pytest.raises(ValueError, match="LOSSVIZ_FACE: expected 'static' or 'live', got 'html'"):
        face()
    monkeypatch.setenv("LOSSVIZ_FACE", "Static")
    assert face() == "static"


def test_ipython_display_live_shows_the_view_then_the_offline_note(monkeypatch):
    import IPython.display

    monkeypatch.delenv("LOSSVIZ_FACE", raising=False)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")
    sf._ipython_display_()
    assert len(shown) == 2
    assert "application/vnd.jupyter.widget-view+json" in shown[0]
    assert "Run this cell to make the figure live" in shown[1]["text/plain"]
    note = shown[1]["text/html"]
    assert 'class="lossviz-offline"' in note and ":has(.lossviz-live)" in note
    assert displayed()[-1] is sf
    sf._ipython_display_()  # shown again: still one entry
    assert sum(f is sf for f in displayed()) == 1


def test_ipython_display_static_shows_only_the_html_slider(monkeypatch):
    import IPython.display

    monkeypatch.setenv("LOSSVIZ_FACE", "static")
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    fig, update = line_figure()
    SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")._ipython_display_()
    assert len(shown) == 1 and 'class="lossviz-slider"' in shown[0]["text/html"]


def test_live_image_has_the_drawn_css_size_twice_the_pixels_and_the_alt_text():
    fig, update = line_figure()  # 4 x 3 inches
    sf = SliderFigure(
        fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line", caption="the caption", dpi=70
    )
    assert sf.css_size == (280, 210)
    assert sf.image.layout.width == "280px" and sf.image.layout.max_width == "100%"
    assert Image.open(io.BytesIO(sf.image.value)).size == (
        280 * LIVE_PIXEL_RATIO,
        210 * LIVE_PIXEL_RATIO,
    )
    assert sf.image.tooltip == "a line", "the live image's accessible name is the alt text"
    captions = [c for c in sf.widget().children if "lossviz-caption" in c._dom_classes]
    assert len(captions) == 1 and "the caption" in captions[0].value
    assert 'width="280" height="210"' in sf.to_html(), "static and live sizes differ"


def test_an_error_in_update_is_shown_and_the_sliders_go_back():
    fig, ax = plt.subplots(figsize=(4, 3))
    (line,) = ax.plot(X, X)

    def update(w: float) -> None:
        if w > 1.5:
            raise KeyError("no such curve")
        line.set_ydata(w * X)

    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0, label="slope")], alt="a line")
    sf.controls["w"].value = 0.5
    picture = sf.image.value
    sf.controls["w"].value = 2.0
    assert sf.last_error == (
        "update failed at slope = 2.00: KeyError: 'no such curve'. "
        "The figure still shows slope = 0.50."
    )
    assert sf.image.value == picture, "the picture changed although update failed"
    assert sf.controls["w"].value == 0.5, "the readout pretends the figure moved"
    view = sf._error_view
    assert view.layout.display != "none"
    assert "Traceback" in view.value and "raise KeyError" in view.value
    sf.controls["w"].value = 1.5  # a good value clears the error
    assert sf.last_error is None and view.layout.display == "none"
    assert sf.shown == {"w": 1.5} and sf.image.value != picture


def test_an_error_at_the_initial_values_is_shown_with_the_figure_as_drawn():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(X, X)

    def update(w: float) -> None:
        raise NameError("name 'line' is not defined")

    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")
    sf.widget()
    assert sf.last_error == ("update failed at w = 1.00: NameError: name 'line' is not defined")
    assert len(sf.image.value) > 0 and sf.shown is None


def test_static_html_fits_the_budget_by_lowering_the_resolution():
    fig, update = line_figure()
    sf = SliderFigure(
        fig,
        update,
        [FloatSlider("w", 0, 2, 0.05, 1.0)],
        alt="a line",
        budget_bytes=120_000,
        dpi=150,
    )
    assert len(sf.to_html().encode()) <= 120_000


def test_static_html_over_budget_says_so():
    fig, update = line_figure()
    sf = SliderFigure(
        fig, update, [FloatSlider("w", 0, 2, 0.05, 1.0)], alt="a line", budget_bytes=2_000
    )
    with pytest.raises(ValueError, match="budget_bytes=2000"):
        sf.to_html()


def test_set_rejects_unknown_slider_names():
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="a line")
    with pytest.raises(ValueError, match=r"unknown slider\(s\) \['slope'\]"):
        sf.set(slope=1.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: FloatSlider("w", 2.0, 1.0, 0.1, 1.5), "min < max"),
        (lambda: FloatSlider("w", 0.0, 1.0, 0.0, 0.5), "step"),
        (lambda: FloatSlider("w", 0.0, 1.0, 0.1, 3.0), "value=3.0"),
        (lambda: FloatSlider("not a name", 0.0, 1.0, 0.1, 0.5), "identifier"),
        (lambda: IntSlider("k", 0, 10, 3, 4), "value on the grid"),
        (lambda: Choice("c", ["a"]), "at least 2 options"),
        (lambda: Choice("c", ["a", "b"], value="z"), "'z' is not one of"),
    ],
)
def test_bad_slider_arguments_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_int_slider_rejects_float_bounds():
    with pytest.raises(TypeError, match="min must be an int"):
        IntSlider("k", 0.5, 10)


def test_slider_figure_options_follow_the_validation_policy():
    # a wrong type is a TypeError, a wrong value a ValueError, each naming the argument
    fig, update = line_figure()
    slider = [FloatSlider("w", 0, 2, 0.5, 1.0)]
    with pytest.raises(TypeError, match="max_frames must be an integer, got '3'"):
        SliderFigure(fig, update, slider, alt="a line", max_frames="3")
    with pytest.raises(ValueError, match="max_frames must be an integer >= 2, got 1"):
        SliderFigure(fig, update, slider, alt="a line", max_frames=1)
    with pytest.raises(ValueError, match=r"dpi must be a finite real number in \(0, inf\)"):
        SliderFigure(fig, update, slider, alt="a line", dpi=0)
    with pytest.raises(TypeError, match="budget_bytes must be an integer"):
        SliderFigure(fig, update, slider, alt="a line", budget_bytes=1e5)


def test_slider_figure_requires_alt_text_and_distinct_names():
    fig, update = line_figure()
    with pytest.raises(ValueError, match="alt"):
        SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)], alt="  ")
    with pytest.raises(ValueError, match="distinct"):
        SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.5, 1.0)] * 2, alt="a line")
    with pytest.raises(ValueError, match="at least one slider"):
        SliderFigure(fig, update, [], alt="a line")


def test_frames_are_palette_pngs():
    fig, update = line_figure()
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 1.0, 1.0)], alt="a line")
    frame = sf.frames()[0]
    assert Image.open(io.BytesIO(frame)).mode == "P"
    assert base64.b64encode(frame).decode() in sf.to_html()


def _relabelled_figure():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    (line,) = ax.plot(X, X)
    label = ax.set_ylabel("")

    def update(w: float) -> None:
        line.set_ydata(w * X)
        label.set_text("a much longer label " * int(w))  # would move the axes if re-laid out

    return SliderFigure(fig, update, [FloatSlider("w", 0, 3, 1.0, 0.0)], alt="a line"), ax


def test_layout_is_computed_once_and_then_kept():
    # static frames: laid out once, for the initial values, before the first frame
    sf, ax = _relabelled_figure()
    sf.frames()
    placed = ax.get_position().bounds
    assert placed != (0.125, 0.11, 0.775, 0.77)  # the constrained engine did run
    sf.set(w=3.0)
    sf.frames()
    assert ax.get_position().bounds == placed
    # live view: laid out by its first draw (no separate layout pass), then kept
    sf, ax = _relabelled_figure()
    sf.widget()
    live = ax.get_position().bounds
    assert live == pytest.approx(placed, abs=2e-3)  # the same layout, at the live 2x dpi
    sf.controls["w"].value = 3.0
    assert sf.last_error is None
    assert ax.get_position().bounds == live


def test_live_view_redraws_a_changed_left_title():
    def left_title_figure(w0: float):
        fig, ax = plt.subplots(figsize=(4, 3))
        (line,) = ax.plot(X, w0 * X)
        ax.set_ylim(0, 2)
        title = ax.set_title(f"w = {w0:.2f}", loc="left")

        def update(w: float) -> None:
            line.set_ydata(w * X)
            title.set_text(f"w = {w:.2f}")

        return fig, update

    fig, update = left_title_figure(1.0)
    sf = SliderFigure(fig, update, [FloatSlider("w", 0, 2, 0.1, 1.0)], alt="a line")
    for w in (1.7, 0.3):  # the second step blits
        sf.controls["w"].value = w
    direct, _ = left_title_figure(0.3)
    direct.set_dpi(sf.dpi * LIVE_PIXEL_RATIO)
    direct.canvas.draw()
    expected = pixels(encode_live(direct.canvas)).astype(float)
    plt.close(direct)
    assert np.abs(pixels(sf.image.value).astype(float) - expected).mean() < 0.5
