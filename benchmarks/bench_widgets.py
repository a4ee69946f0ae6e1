"""Slider figures: live update time per step, and the bytes of every static slider in the book.

Run: ``python benchmarks/bench_widgets.py [--book _build/html]``

1. A two-panel figure (data, fitted line and residual segments; loss curve with a moving
   marker), as chapter 1 draws it. Each slider step is timed twice in the same run:
   *live*, what ``SliderFigure`` does (update the artists in place, redraw only those
   over a cached background, encode), and
   *naive*, clearing the figure and re-plotting everything, then encoding the same way.
   Medians over a sweep of the slider are printed, and their ratio.
2. With ``--book``, the size in bytes of every static slider figure on every built page.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lossviz.widgets import LIVE_DPI_SCALE, FloatSlider, SliderFigure, encode_live  # noqa: E402

RNG = np.random.default_rng(0)
X = np.sort(RNG.uniform(0, 10, 40))
Y = 1.8 * X + 2 + RNG.normal(0, 2, X.size)
SLOPES = np.linspace(0.0, 4.0, 81)
RISK = np.array([np.mean((w * X + 2 - Y) ** 2) for w in SLOPES])


def draw(fig, w: float) -> None:
    """The figure from scratch: what a naive slider callback does on every step."""
    fig.clf()
    ax1, ax2 = fig.subplots(1, 2)
    pred = w * X + 2
    ax1.scatter(X, Y, s=12, color="#0072B2")
    ax1.plot(X, pred, color="#D55E00")
    ax1.vlines(X, np.minimum(Y, pred), np.maximum(Y, pred), color="#999999", lw=0.8)
    ax1.set(xlabel="x", ylabel="y", title=f"w = {w:.2f}")
    ax2.plot(SLOPES, RISK, color="#009E73")
    ax2.plot([w], [np.mean((pred - Y) ** 2)], "o", color="#D55E00")
    ax2.set(xlabel="slope w", ylabel="mean squared error")


def live_figure() -> SliderFigure:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7, 3.2))
    ax1.scatter(X, Y, s=12, color="#0072B2")
    (line,) = ax1.plot(X, 2 * X, color="#D55E00")
    segs = ax1.vlines(X, Y, Y, color="#999999", lw=0.8)
    title = ax1.set_title("")
    ax1.set(xlabel="x", ylabel="y")
    ax2.plot(SLOPES, RISK, color="#009E73")
    (dot,) = ax2.plot([0], [0], "o", color="#D55E00")
    ax2.set(xlabel="slope w", ylabel="mean squared error")

    def update(w: float) -> None:
        pred = w * X + 2
        line.set_ydata(pred)
        segs.set_segments([[(x, y), (x, p)] for x, y, p in zip(X, Y, pred, strict=True)])
        title.set_text(f"w = {w:.2f}")
        dot.set_data([w], [np.mean((pred - Y) ** 2)])

    return SliderFigure(fig, update, [FloatSlider("w", 0.0, 4.0, 0.05, 2.0)], alt="fit")


def time_steps() -> None:
    sf = live_figure()
    slider = sf.controls["w"]
    live = []
    for w in SLOPES:
        start = time.perf_counter()
        slider.value = float(w)  # update() + render, through the widget callback
        live.append(time.perf_counter() - start)
    naive_fig = plt.figure(figsize=(7, 3.2), dpi=sf.dpi * LIVE_DPI_SCALE)
    naive = []
    for w in SLOPES:
        start = time.perf_counter()
        draw(naive_fig, float(w))
        naive_fig.canvas.draw()
        encode_live(naive_fig.canvas)  # the same encoding as the live view
        naive.append(time.perf_counter() - start)
    plt.close(naive_fig)
    m_live, m_naive = statistics.median(live), statistics.median(naive)
    print(f"live update per slider step (median of {len(live)}): {m_live * 1e3:6.1f} ms")
    print(f"naive full replot per step   (median of {len(naive)}): {m_naive * 1e3:6.1f} ms")
    print(f"speed-up: {m_naive / m_live:.1f}x")
    start = time.perf_counter()
    html = sf.to_html()
    print(
        f"static face: {len(sf.frame_values)} frames, {len(html.encode()):,} bytes, "
        f"built in {time.perf_counter() - start:.2f} s"
    )


def static_sizes(book: Path) -> None:
    print(f"\nstatic slider figures in {book}:")
    total = 0
    for page in sorted(book.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for n, match in enumerate(
            re.finditer(r'<div class="lossviz-slider".*?</script></div>', text, re.S)
        ):
            size = len(match.group(0).encode())
            total += 1
            print(f"  {size:>9,} bytes  {page.relative_to(book)} #{n + 1}")
    print(f"  {total} slider figures")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, help="a built site (_build/html) to measure")
    args = parser.parse_args()
    time_steps()
    if args.book:
        static_sizes(args.book)
