"""The Chinese edition (``zh/``) in a real browser, as test_browser.py checks the English one.

The page checks of test_browser.py run again on every Chinese page (no request leaves
the local server, no console error, maths typeset, images with alt text, every slider
moves, axe-core finds nothing serious or critical in either theme, figures readable in
the dark theme): the functions are imported here, and this module's ``site_url`` points
them at the Chinese edition. Then what only the Chinese edition has: ``lang="zh-CN"``,
Chinese interface labels, Chinese search, the links between the editions, buttons that
say the notebooks are English, and CJK glyphs that really render.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import PAGE_SIZES, ROOT
from test_browser import (  # noqa: F401 - fixtures and tests run again for the Chinese pages
    PAGES,
    Visit,
    test_every_static_slider_moves_by_mouse_and_keyboard,
    test_figures_stay_readable_in_the_dark_theme,
    test_math_is_typeset_and_images_load,
    test_no_serious_accessibility_violations,
    test_page_is_self_contained_and_error_free,
    test_the_book_has_slider_figures,
)

from lossviz import i18n

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def root_url(request: pytest.FixtureRequest) -> str:
    """The site root (the English edition), from conftest's server."""
    return request.getfixturevalue("served_site")


@pytest.fixture(scope="module")
def site_url(root_url: str) -> str:
    """The Chinese edition: the imported page tests visit ``{site_url}/{doc}.html``."""
    return f"{root_url}/{i18n.SUBDIR}"


class _Sizes(dict):
    """Record the Chinese pages' transfer sizes under ``zh/<doc>``."""

    def __setitem__(self, doc: str, size: int) -> None:
        PAGE_SIZES[f"{i18n.SUBDIR}/{doc}"] = size


@pytest.fixture(scope="module")
def sizes() -> dict:
    return _Sizes()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    folder = os.environ.get("LOSSVIZ_SCREENSHOTS")
    path = Path(folder) / i18n.SUBDIR if folder else tmp_path_factory.mktemp("screenshots-zh")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def zh_visit(browser, site_url: str) -> Iterator:
    visits: list = []

    def visit(doc: str, scheme: str = "light") -> Visit:
        v = Visit(browser, f"{site_url}/{doc}.html", scheme=scheme)
        visits.append(v)
        return v

    yield visit
    for v in visits:
        v.close()


@pytest.mark.parametrize("doc", PAGES)
def test_chinese_page_is_marked_chinese_with_chinese_interface(zh_visit, doc: str) -> None:
    page = zh_visit(doc).page
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    # the theme's own labels come from its zh_CN translation
    placeholder = page.locator("input[name=q]").first.get_attribute("placeholder") or ""
    assert "搜索" in placeholder, f"search box placeholder not Chinese: {placeholder!r}"
    alternates = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('link[rel=alternate][hreflang]')]"
        ".map(l => [l.hreflang, l.href]))"
    )
    assert set(alternates) == {"en", "zh-CN"}, alternates
    assert alternates["zh-CN"] == page.url
    assert alternates["en"] == page.url.replace(f"/{i18n.SUBDIR}/", "/", 1)


@pytest.mark.parametrize("doc", PAGES)
def test_language_links_land_on_the_matching_page_both_ways(
    zh_visit, root_url: str, doc: str
) -> None:
    page = zh_visit(doc).page
    page.locator("a.lossviz-edition-link").click()
    page.wait_for_load_state("load")
    assert page.url == f"{root_url}/{doc}.html"
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.locator("a.lossviz-edition-link").click()
    page.wait_for_load_state("load")
    assert page.url == f"{root_url}/{i18n.SUBDIR}/{doc}.html"
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"


def test_translated_pages_show_chinese(zh_visit) -> None:
    """The pages translated so far read in Chinese, the rest at least in the Chinese frame."""
    intro = zh_visit("book/intro").page
    assert intro.locator("h1").first.inner_text().startswith("深度学习中的损失函数")
    glossary = zh_visit("book/glossary").page
    text = glossary.locator("article").inner_text()
    assert "分类器判对的样本所占的比例" in text
    # glossary terms keep both names
    assert "Accuracy" in text and "准确率" in text
    # the footer names the authors as the Chinese PDF's title page does
    footer = intro.locator(".component-author").first.inner_text()
    assert i18n.AUTHOR_ZH in footer and "The lossviz authors" not in footer, footer


def test_download_and_launch_buttons_say_the_notebooks_are_english(zh_visit) -> None:
    page = zh_visit("book/01_what_is_a_loss").page
    labels = page.evaluate(
        "() => [...document.querySelectorAll('.dropdown-download-buttons a, "
        ".dropdown-launch-buttons a, .dropdown-download-buttons button, "
        ".dropdown-launch-buttons button')].map(e => (e.getAttribute('title') || '') + ' ' "
        "+ (e.getAttribute('aria-label') || '') + ' ' + e.textContent)"
    )
    notebook_buttons = [b for b in labels if ".ipynb" in b or "Binder" in b or "Colab" in b]
    assert notebook_buttons, f"no notebook download or launch button found: {labels}"
    not_saying = [b for b in notebook_buttons if "英文" not in b]
    assert not_saying == [], f"buttons that do not say the notebook is English: {not_saying}"


def test_accessible_names_and_tooltips_are_chinese(site_url: str) -> None:
    """Screen readers read the sidebars' names and the headings' link titles in Chinese."""
    from urllib.request import urlopen

    sys.path.insert(0, str(ROOT / "_ext"))
    import editions

    left = {}
    for doc in PAGES:
        page = urlopen(f"{site_url}/{doc}.html", timeout=30).read().decode("utf-8")  # noqa: S310
        found = [english for english in editions._ZH_LABELS if english in page]
        if found:
            left[doc] = found
    assert left == {}, f"English labels left on Chinese pages: {left}"
    intro = urlopen(f"{site_url}/book/intro.html", timeout=30).read().decode("utf-8")  # noqa: S310
    assert 'aria-label="全书目录"' in intro


def test_chinese_search_finds_chinese_words(zh_visit, site_url: str) -> None:
    """Sphinx indexes Chinese only with jieba (which knows the glossary's terms as words)."""
    page = zh_visit("search").page
    page.goto(
        f"{site_url}/search.html?q=%E6%8D%9F%E5%A4%B1%E5%87%BD%E6%95%B0",  # 损失函数
        wait_until="networkidle",
    )
    # the summary line is written when the search has finished
    page.wait_for_function(
        "() => (document.querySelector('#search-results .search-summary') || {}).innerText",
        timeout=20_000,
    )
    summary = page.locator("#search-results .search-summary").inner_text()
    assert re.search(r"[\u4e00-\u9fff]", summary), f"search summary not Chinese: {summary!r}"
    hits = page.eval_on_selector_all(
        "#search-results ul li a", "links => links.map(a => a.getAttribute('href'))"
    )
    # the glossary entry, the page whose title has the word, and a page whose body has it
    for page_name in ("glossary", "intro", "01_what_is_a_loss"):
        assert any(page_name in h for h in hits), (page_name, hits)


def test_figure_strings_are_translated_on_chinese_pages(served_site: str) -> None:
    """Every finished figure translation replaces its English string on the Chinese page."""
    from urllib.request import urlopen

    checked = 0
    folder = i18n.catalogue_dir(ROOT / "locales") / i18n.FIGURES
    for po in sorted(folder.rglob("*.po")):
        table = i18n.translations(po)
        doc = str(po.relative_to(folder).with_suffix(""))
        url = urljoin(served_site + "/", f"{i18n.SUBDIR}/{doc}.html")
        shown = i18n.figure_strings(urlopen(url).read().decode("utf-8"))  # noqa: S310
        for english, chinese in table.items():
            assert chinese in shown, f"{doc}: {chinese[:60]!r} not shown"
            assert english not in shown or english == chinese, f"{doc}: {english[:60]!r} left"
            checked += 1
    assert checked > 0, "no figure string is translated yet"


def test_cjk_glyphs_render(browser, site_url: str, shots: Path) -> None:  # noqa: F811
    """Distinct CJK characters render as distinct, non-blank glyphs (not missing-glyph boxes)."""
    from PIL import Image, ImageChops

    visit = Visit(browser, f"{site_url}/book/intro.html")
    try:
        page = visit.page
        page.screenshot(path=str(shots / "intro-cjk.png"))
        page.evaluate(
            "() => { const d = document.createElement('div'); d.id = 'cjk-probe';"
            " d.style.cssText = 'position:fixed;top:0;left:0;font-size:48px;background:#fff;"
            "color:#000;z-index:99999;line-height:1.2';"
            " for (const c of '损失函数梯度') { const s = document.createElement('span');"
            " s.textContent = c; d.appendChild(s); } document.body.appendChild(d); }"
        )
        images = []
        for span in page.locator("#cjk-probe span").all():
            img = Image.open(io.BytesIO(span.screenshot())).convert("L")
            assert img.getextrema()[0] < 128, "a CJK character rendered blank"
            images.append(img)
        for i in range(len(images)):
            for j in range(i + 1, len(images)):
                a, b = images[i], images[j].resize(images[i].size)
                assert ImageChops.difference(a, b).getbbox() is not None, (
                    "two different CJK characters render identically: glyphs are missing"
                )
    finally:
        visit.close()
