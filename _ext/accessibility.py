"""Small accessibility repairs to the HTML that Sphinx and docutils write.

* docutils 0.21 marks a bibliography as ``<div role="list">`` whose entries carry
  ``role="doc-biblioentry"``, a role that may not sit inside a list (axe-core:
  ``aria-required-children``, critical; ``doc-biblioentry`` is also deprecated).
  The entries become ``role="listitem"``, which is what the list requires.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _repair(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app: Sphinx) -> dict[str, object]:
    """Register the repairs."""
    app.connect("html-page-context", _repair)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
