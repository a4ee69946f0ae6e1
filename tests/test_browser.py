"""The built website in a real browser: static sliders move, and the book's scripts log no errors.

Python Playwright drives Debian's Chromium (``/usr/bin/chromium``) against the
book served on a loopback port.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import toc_files

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str):
    """Open ``url`` and collect console errors and uncaught exceptions."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    return page, errors


def test_chapter_one_slider_moves_when_dragged(browser, site_url: str) -> None:
    page, errors = open_page(browser, f"{site_url}/book/01_what_is_a_loss.html")
    slider = page.locator(".lossviz-slider").first
    slider.scroll_into_view_if_needed()
    before = (slider.get_attribute("data-frame"), slider.locator("img").get_attribute("src"))
    box = slider.locator("input[type=range]").first.bounding_box()
    assert box is not None, "the slider's range input is not visible"
    # drag the thumb from the left end to the right end of the track
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()
    after = (slider.get_attribute("data-frame"), slider.locator("img").get_attribute("src"))
    assert after[0] != before[0], "dragging did not change the frame index"
    assert after[1] != before[1], "dragging did not change the image"
    assert errors == [], f"console errors: {errors}"


def test_every_page_loads_without_console_errors(browser, site_url: str) -> None:
    failures = {}
    for doc in toc_files():
        page, errors = open_page(browser, f"{site_url}/{doc}.html")
        page.close()
        if errors:
            failures[doc] = errors
    assert failures == {}
