"""Shared fixtures: the repository root, the table of contents and one built copy of the book."""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest

from lossviz.i18n import toc_docnames

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
#: Debian's Chromium, which the browser tests drive (``playwright install`` cannot run here).
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Bytes each page transferred in the browser tests, for the closing summary.
PAGE_SIZES: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the per-page transfer sizes measured by the browser tests."""
    if PAGE_SIZES:
        terminalreporter.section("per-page transfer (bytes, budget 3,000,000)")
        for doc, size in sorted(PAGE_SIZES.items()):
            terminalreporter.write_line(f"{size:>12,}  {doc}")


def toc_files(root: Path = ROOT) -> list[str]:
    """Every document named in ``_toc.yml`` (root first), without suffix."""
    return toc_docnames(root)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium through Playwright, for the website and JupyterLab tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build both editions once, warnings as errors, into a temporary folder.

    The English edition is at the root of ``html``, the Chinese one in ``html/zh``; every
    notebook runs once (``python -m lossviz.i18n build``). Returns the HTML folder, the
    build log, the return code and the seconds each edition took; the tests that use it
    decide what counts as failure.
    """
    from lossviz import i18n

    out = tmp_path_factory.mktemp("book")
    return i18n.build(out, strict=True)


_GZIP_CACHE: dict[str, bytes] = {}
_COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".inv")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """A static server that gzips text files, as any real static host does.

    Python's own ``http.server`` sends everything uncompressed, which would make the
    browser tests' transfer sizes about three times what a reader downloads.
    """

    def log_message(self, *args: object) -> None:  # keep the test output readable
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        path = self.translate_path(self.path)
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.endswith(_COMPRESSIBLE) and os.path.isfile(path)):
            super().do_GET()
            return
        body = _GZIP_CACHE.get(path)
        if body is None:
            with open(path, "rb") as f:
                body = _GZIP_CACHE[path] = gzip.compress(f.read(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def served_site(built_book: dict) -> Iterator[str]:
    """Serve the built HTML (both editions) over a local HTTP server on a free loopback port."""
    if built_book["returncode"] != 0:
        pytest.fail("the book did not build; see test_book_builds_without_warnings")
    handler = functools.partial(_Handler, directory=str(built_book["html"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(served_site: str) -> str:
    """The English edition, at the root of the site."""
    return served_site
