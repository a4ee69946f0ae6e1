"""Serve ``/favicon.ico`` at the root of the website.

Sphinx links every page to the favicon set in ``_config.yml`` (``html.favicon``, an SVG
copied into ``_static``), but the redirect page Jupyter Book writes at the site root,
``index.html``, links none, so a browser opening it asks for ``/favicon.ico`` and gets a
404: the only console error a reader would see. This extension draws the same icon, a
blue rounded square with a white loss curve and an orange minimum (the shapes of
``book/images/favicon.svg``, drawn again here because nothing in the pinned tools reads
SVG), with matplotlib at 16, 32 and 48 pixels and writes it as ``favicon.ico`` (PNG images
inside an ICO container, which every current browser reads) into the output root.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from sphinx.application import Sphinx

#: Pixel sizes in the ICO file: the tab icon, its high-density version, the desktop size.
SIZES = (16, 32, 48)


def icon_png(size: int) -> bytes:
    """Return the icon as a ``size`` x ``size`` RGBA PNG (the drawing of favicon.svg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyBboxPatch, PathPatch
    from matplotlib.path import Path as MplPath

    fig = Figure(figsize=(1, 1), dpi=size)
    FigureCanvasAgg(fig)
    fig.patch.set_alpha(0.0)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, 32), ylim=(32, 0))  # SVG coordinates: y points down
    ax.axis("off")
    ax.add_patch(
        FancyBboxPatch(
            (0, 0),
            32,
            32,
            boxstyle="round,pad=0,rounding_size=6",
            facecolor="#0072B2",
            edgecolor="none",
        )
    )
    curve = MplPath([(5, 9), (16, 34), (27, 9)], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])
    ax.add_patch(
        PathPatch(
            curve, facecolor="none", edgecolor="white", capstyle="round", linewidth=3 * 72 / 32
        )
    )  # 3 SVG units of a 1-inch, 32-unit figure
    ax.add_patch(Circle((16, 21), 3, facecolor="#E69F00", edgecolor="none"))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=size, transparent=True)
    return buffer.getvalue()


def ico_bytes(sizes: tuple[int, ...] = SIZES) -> bytes:
    """Pack one PNG per size into an ICO container (header, directory, images)."""
    images = [icon_png(s) for s in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(images)
    directory = b""
    for s, png in zip(sizes, images, strict=True):
        # width, height (0 means 256), colours, reserved, planes, bits, size, offset
        directory += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return header + directory + b"".join(images)


def _write_favicon(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    (Path(app.outdir) / "favicon.ico").write_bytes(ico_bytes())


def setup(app: Sphinx) -> dict[str, object]:
    """Write favicon.ico into the output root after every HTML build."""
    app.connect("build-finished", _write_favicon)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
