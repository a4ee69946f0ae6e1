"""references.bib parses entry by entry: a lost closing brace stops the whole book's build.

Merges of entries appended by several chapters dropped a closing ``}`` three times; the
build then fails in sphinxcontrib-bibtex with a bare pybtex syntax error.
"""

from __future__ import annotations

import re

from conftest import ROOT


def test_every_entry_of_references_bib_parses_on_its_own() -> None:
    from pybtex.database import parse_string

    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^@\w+\{", text, flags=re.M)]
    assert starts, "references.bib holds no entry"
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        entry = text[begin:end]
        key = entry[: entry.index(",")]
        assert entry.count("{") == entry.count("}"), f"{key}: unbalanced braces"
        assert len(parse_string(entry, "bibtex").entries) == 1, key
