"""The built website in a real browser, page by page.

Python Playwright drives Debian's Chromium (``/usr/bin/chromium``) against the book
served on a loopback port. For every page of the table of contents: no request leaves
the local server, no console error or uncaught exception, math is typeset, every image
loads, every static slider moves when dragged and when its arrow keys are pressed, the
page's total transfer stays within 3 MB, and axe-core finds no serious or critical
accessibility violation, in the light and the dark theme. Screenshots of both themes
are written for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

import pytest
from conftest import PAGE_SIZES, toc_files

pytestmark = pytest.mark.slow

PAGE_BUDGET = 3_000_000
PAGES = toc_files()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the theme screenshots go (``LOSSVIZ_SCREENSHOTS`` to keep them)."""
    folder = os.environ.get("LOSSVIZ_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Visit:
    """One page in a fresh browser context: its requests, bytes, console errors."""

    def __init__(self, browser, url: str, scheme: str = "light") -> None:
        self.context = browser.new_context(
            color_scheme=scheme, viewport={"width": 1200, "height": 900}
        )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.bytes = 0
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        # count every resource, however many the page loads
        self.page.add_init_script("performance.setResourceTimingBufferSize(10000)")
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url, wait_until="networkidle")
        # MathJax typesets after load; wait until it says it is done
        self.page.wait_for_function(
            "() => !window.MathJax || !MathJax.startup || MathJax.startup.promise"
            " .then(() => true)",
            timeout=20_000,
        )
        self.page.wait_for_timeout(300)
        # bytes over the wire (headers included) for the page and everything it loaded,
        # from the browser's own resource timing; a fresh context has an empty cache
        self.bytes = self.page.evaluate(
            "() => performance.getEntriesByType('navigation')"
            ".concat(performance.getEntriesByType('resource'))"
            ".reduce((total, e) => total + e.transferSize, 0)"
        )

    def close(self) -> None:
        self.context.close()


def sliders(page) -> list:
    return page.locator(".lossviz-slider").all()


@pytest.fixture(scope="module")
def sizes() -> dict:
    """Per-page transfer in bytes; conftest prints it in pytest's closing summary."""
    return PAGE_SIZES


@pytest.mark.parametrize("doc", PAGES)
def test_page_is_self_contained_and_error_free(
    browser, site_url: str, sizes: dict, doc: str
) -> None:
    visit = Visit(browser, f"{site_url}/{doc}.html")
    try:
        host = urlparse(site_url).netloc
        outside = [
            u
            for u in visit.requests
            if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != host
        ]
        assert outside == [], f"requests that leave the local server: {outside}"
        assert visit.failed == [], f"failed requests: {visit.failed}"
        assert visit.errors == [], f"console errors: {visit.errors}"
        sizes[doc] = visit.bytes
        assert visit.bytes <= PAGE_BUDGET, f"{doc}: {visit.bytes:,} bytes > {PAGE_BUDGET:,}"
    finally:
        visit.close()


@pytest.mark.parametrize("doc", PAGES)
def test_math_is_typeset_and_images_load(browser, site_url: str, doc: str) -> None:
    visit = Visit(browser, f"{site_url}/{doc}.html")
    page = visit.page
    try:
        text = page.locator("article").inner_text()
        assert "$$" not in text and "\\[" not in text and "\\(" not in text, (
            "raw TeX left on the page"
        )
        pending = page.evaluate(
            "() => [...document.querySelectorAll('.math')]"
            ".filter(e => !e.querySelector('mjx-container')).length"
        )
        assert pending == 0, f"{pending} math elements were not typeset"
        broken = page.evaluate(
            "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.src.slice(0, 80))"
        )
        assert broken == [], f"images that did not load: {broken}"
        no_alt = page.evaluate(
            "() => [...document.querySelectorAll('article img')]"
            ".filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src.slice(0, 80))"
        )
        assert no_alt == [], f"images without alt text: {no_alt}"
    finally:
        visit.close()


@pytest.mark.parametrize("doc", PAGES)
def test_every_static_slider_moves_by_mouse_and_keyboard(browser, site_url: str, doc: str) -> None:
    visit = Visit(browser, f"{site_url}/{doc}.html")
    page = visit.page
    try:
        for n, slider in enumerate(sliders(page)):
            slider.scroll_into_view_if_needed()
            img = slider.locator("img")
            for k, control in enumerate(slider.locator("input[type=range]").all()):
                label = slider.locator(f"label[for='{control.get_attribute('id')}']")
                assert label.count() == 1 and label.inner_text().strip(), (
                    f"slider {n} control {k} has no label"
                )
                # keyboard: arrow keys step the frame and back
                control.focus()
                start = (slider.get_attribute("data-frame"), img.get_attribute("src"))
                key = (
                    "ArrowLeft"
                    if control.input_value() == control.get_attribute("max")
                    else "ArrowRight"
                )
                page.keyboard.press(key)
                moved = (slider.get_attribute("data-frame"), img.get_attribute("src"))
                assert moved[0] != start[0] and moved[1] != start[1], (
                    f"slider {n} control {k} ignores {key}"
                )
                # mouse: drag the thumb across the track
                box = control.bounding_box()
                assert box is not None, f"slider {n} control {k} is not visible"
                y = box["y"] + box["height"] / 2
                page.mouse.click(box["x"] + 3, y)
                before = slider.get_attribute("data-frame")
                page.mouse.move(box["x"] + 3, y)
                page.mouse.down()
                page.mouse.move(box["x"] + box["width"] - 3, y, steps=10)
                page.mouse.up()
                assert slider.get_attribute("data-frame") != before, (
                    f"slider {n} control {k} did not move when dragged"
                )
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()


def test_the_book_has_slider_figures(site_url: str) -> None:
    # The per-page slider test passes vacuously on a page without sliders: the book as a
    # whole must have some. Counted in the served HTML (every page is also opened in the
    # browser by the tests above and below, which find the same elements).
    total = 0
    for doc in PAGES:
        with urlopen(f"{site_url}/{doc}.html", timeout=30) as response:
            page = response.read().decode("utf-8")
        total += len(re.findall(r'class="(?:[^"]* )?lossviz-slider(?: [^"]*)?"', page))
    assert total >= 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("doc", PAGES)
def test_no_serious_accessibility_violations(
    browser, site_url: str, shots: Path, doc: str, scheme: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    visit = Visit(browser, f"{site_url}/{doc}.html", scheme=scheme)
    try:
        theme = visit.page.evaluate("() => document.documentElement.dataset.theme")
        assert theme == scheme, f"the page did not follow the {scheme} system theme"
        visit.page.screenshot(path=str(shots / f"{doc.replace('/', '_')}-{scheme}.png"))
        results = Axe().run(visit.page)
        bad = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "nodes": [n["html"][:120] for n in v["nodes"][:3]],
            }
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], json.dumps(bad, indent=1)
    finally:
        visit.close()


@pytest.mark.parametrize("doc", PAGES)
def test_figures_stay_readable_in_the_dark_theme(browser, site_url: str, doc: str) -> None:
    """Figures keep an opaque light background in the dark theme, so their ink stays visible."""
    visit = Visit(browser, f"{site_url}/{doc}.html", scheme="dark")
    try:
        backgrounds = visit.page.evaluate(
            "() => [...document.querySelectorAll('.lossviz-slider img, .cell_output img')]"
            ".map(i => getComputedStyle(i).backgroundColor)"
        )
        assert all(b in ("rgb(255, 255, 255)",) for b in backgrounds), backgrounds
    finally:
        visit.close()
