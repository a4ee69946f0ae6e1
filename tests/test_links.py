"""No broken internal link or cross-reference anywhere on the built site."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

pytestmark = pytest.mark.slow


class _Links(HTMLParser):
    """Collects the page's link targets and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"])
        if tag == "a" and found.get("name"):
            self.ids.add(found["name"])
        for key in ("href", "src"):
            value = found.get(key)
            if value and tag in ("a", "img", "link", "script", "source"):
                self.targets.append(value)


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def test_no_broken_internal_links(built_book: dict) -> None:
    html = built_book["html"]
    pages = {p: parse(p) for p in html.rglob("*.html") if "_static" not in p.parts}
    assert pages, "no pages were built"
    broken = []
    for page, links in pages.items():
        for target in links.targets:
            parts = urlparse(target)
            if parts.scheme or target.startswith(("//", "mailto:", "javascript:", "data:")):
                continue
            path, fragment = urldefrag(target)
            path = path.split("?")[0]
            file = (page.parent / unquote(path)).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(html)} -> {target} (no such file)")
                continue
            if fragment and file.suffix == ".html":
                ids = pages[file].ids if file in pages else parse(file).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{page.relative_to(html)} -> {target} (no such anchor)")
    assert broken == [], "\n".join(broken)
