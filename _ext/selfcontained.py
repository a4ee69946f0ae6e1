"""Keep the website self-contained: no page asks a third-party origin for anything.

Three things in a stock Jupyter Book 1 site reach outside it, and this extension
mends each:

* **MathJax** normally comes from a CDN. Here it comes from the
  ``django-static-mathjax`` wheel (pinned in requirements.txt; static files only, no
  Django needed): on every HTML build the parts the book uses (TeX input, CommonHTML
  output with its fonts, the menu and accessibility components) are copied into
  ``_static/mathjax`` and Sphinx's ``mathjax_path`` points at them.
* **sphinx-thebe** (loaded by Jupyter Book whether or not live code is enabled) adds
  an inline script naming unpkg.com, twice per page in this version set, which throws
  "Identifier 'THEBE_JS_URL' has already been declared". The book has no Thebe cells,
  so its scripts are dropped from every page.
* **pydata-sphinx-theme** logs "Got invalid theme mode" when no default colour mode
  is set; the book defaults to ``auto`` (follow the reader's system setting).
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

#: Parts of the MathJax ``es5`` folder left out: speech rules and SVG output the book never loads.
SKIP = ("sre", "svg", "-svg", "-full", "node-main", "latest.js")


def mathjax_source() -> Path:
    """Return the ``es5`` folder of the installed MathJax distribution."""
    return Path(str(files("mathjax"))) / "static" / "mathjax" / "es5"


def _configure(app: Sphinx, config: Any) -> None:
    config.mathjax_path = "mathjax/tex-mml-chtml.js"  # relative: served from _static
    # pydata-sphinx-theme reads the colour mode from the template context, not a theme option
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    context["script_files"] = [
        js
        for js in scripts
        if "sphinx-thebe" not in str(js)
        and "THEBE_JS_URL" not in str(getattr(js, "attributes", {}))
    ]


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    shutil.copytree(
        mathjax_source(),
        Path(app.outdir) / "_static" / "mathjax",
        dirs_exist_ok=True,
        ignore=lambda folder, names: [n for n in names if any(s in n for s in SKIP)],
    )


def setup(app: Sphinx) -> dict[str, object]:
    """Register the three fixes."""
    if not (mathjax_source() / "tex-mml-chtml.js").is_file():
        raise RuntimeError(
            f"MathJax not found at {mathjax_source()}: install the pinned "
            "django-static-mathjax (pip install -r requirements.txt)"
        )
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
