"""The whole book builds with warnings as errors, and every table-of-contents entry is a page."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, toc_files

pytestmark = pytest.mark.slow


def test_book_builds_without_warnings(built_book: dict) -> None:
    log = built_book["log"]
    # Sphinx's own warnings and errors ("WARNING: ...", "ERROR: ..."); the kernel's
    # "[IPKernelApp] WARNING | ..." notice on stderr is not one of them.
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR):", line)]
    assert warnings == [], "the build printed warnings:\n" + "\n".join(warnings)
    assert built_book["returncode"] == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    assert "build succeeded" in log


def test_every_toc_entry_became_a_page(built_book: dict) -> None:
    html = built_book["html"]
    missing = [f for f in toc_files() if not (html / f"{f}.html").is_file()]
    assert missing == [], f"toc entries without a page: {missing}"


def test_every_notebook_in_book_is_in_the_toc() -> None:
    listed = set(toc_files())
    notebooks = {
        str(p.relative_to(ROOT).with_suffix(""))
        for p in (ROOT / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    }
    assert notebooks - listed == set(), "notebooks missing from _toc.yml"


def test_slider_figures_are_static_html_on_the_site(built_book: dict) -> None:
    """Pages carry the kernel-free slider, not a widget view that needs a kernel."""
    pages = [built_book["html"] / f"{f}.html" for f in toc_files()]
    with_sliders = [p for p in pages if 'class="lossviz-slider"' in p.read_text(encoding="utf-8")]
    assert with_sliders, "no page contains a static slider figure"
    for page in with_sliders:
        text = page.read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-view+json" not in text, page.name
