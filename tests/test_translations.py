"""The Chinese edition keeps in step with the English source, page by page.

Every page of the table of contents has a catalogue,
``locales/zh_CN/LC_MESSAGES/<docname>.po``, that must hold every message a fresh
extraction from the English source finds, each translated and none fuzzy; the figure
strings of the built English pages (captions, alt text, slider labels) must be in
``locales/zh_CN/LC_MESSAGES/figures/<docname>.po``, translated too. After editing English
prose run ``python -m lossviz.i18n update`` (see TRANSLATING.md).

Translation is done page by page. A page still to translate is listed in
``PENDING_TRANSLATION``: its test is expected to fail (strict xfail), so a translator who
finishes a page removes it from the list, and the page's test then has to pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, toc_files

from lossviz import i18n

#: Catalogues not yet complete, by name: ``book/<page>`` for a page's prose and
#: ``figures/book/<page>`` for its figure strings. Shrink this list as pages are translated.
PENDING_TRANSLATION = []

PAGES = toc_files()
CATALOGUES = i18n.catalogue_dir(ROOT / "locales")
#: The pages that have a catalogue of figure strings (those whose outputs have any).
FIGURE_PAGES = sorted(
    str(p.relative_to(CATALOGUES / i18n.FIGURES).with_suffix(""))
    for p in (CATALOGUES / i18n.FIGURES).rglob("*.po")
)


def _params(names: list[str], prefix: str = "") -> list:
    return [
        pytest.param(
            doc, marks=pytest.mark.xfail(strict=True, reason=f"translation pending: {prefix}{doc}")
        )
        if prefix + doc in PENDING_TRANSLATION
        else doc
        for doc in names
    ]


def _problems(source_ids: list[str], po: Path) -> list[str]:
    """What is wrong with catalogue ``po`` for the English messages ``source_ids``."""
    if not po.is_file():
        return [f"no catalogue {po.relative_to(ROOT)}: run `python -m lossviz.i18n update`"]
    by_id = {m.id: m for m in i18n.read_catalogue(po) if m.id}
    problems = [
        f"missing (run `python -m lossviz.i18n update`): {s[:80]!r}"
        for s in source_ids
        if s not in by_id
    ]
    for s in source_ids:
        m = by_id.get(s)
        if m is None:
            continue
        if not m.string:
            problems.append(f"untranslated: {s[:80]!r}")
        elif m.fuzzy:
            problems.append(f"fuzzy (check it, then delete the '#, fuzzy' line): {s[:80]!r}")
    return problems


@pytest.fixture(scope="module")
def fresh_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Messages extracted now from the English source (a gettext build, no notebook runs)."""
    return i18n.extract_prose(tmp_path_factory.mktemp("pot"))


def test_pending_list_names_catalogues_of_the_book() -> None:
    known = set(PAGES) | {f"{i18n.FIGURES}/{doc}" for doc in FIGURE_PAGES}
    unknown = sorted(set(PENDING_TRANSLATION) - known)
    assert unknown == [], f"PENDING_TRANSLATION names pages that are not in _toc.yml: {unknown}"


@pytest.mark.parametrize("doc", _params(PAGES))
def test_page_catalogue_is_current_and_translated(fresh_templates: Path, doc: str) -> None:
    pot = fresh_templates / f"{doc}.pot"
    assert pot.is_file(), f"the extraction found no messages for {doc}"
    source = [m.id for m in i18n.read_catalogue(pot) if m.id]
    problems = _problems(source, CATALOGUES / f"{doc}.po")
    assert problems == [], f"{doc}: {len(problems)} problem(s)\n" + "\n".join(problems[:40])


@pytest.mark.slow
def test_every_page_with_figure_strings_has_a_figure_catalogue(built_book: dict) -> None:
    with_strings = [
        doc
        for doc in PAGES
        if i18n.figure_strings((built_book["html"] / f"{doc}.html").read_text(encoding="utf-8"))
    ]
    assert with_strings, "no page has figure strings: is the extraction broken?"
    assert FIGURE_PAGES == sorted(with_strings), (
        "pages with figure strings and figure catalogues differ: run "
        "`python -m lossviz.i18n update` after `python -m lossviz.i18n build --only en`"
    )


@pytest.mark.slow
@pytest.mark.parametrize("doc", _params(FIGURE_PAGES, f"{i18n.FIGURES}/"))
def test_page_figure_strings_are_current_and_translated(built_book: dict, doc: str) -> None:
    page = built_book["html"] / f"{doc}.html"
    strings = i18n.figure_strings(page.read_text(encoding="utf-8"))
    problems = _problems(strings, CATALOGUES / i18n.FIGURES / f"{doc}.po")
    assert problems == [], f"{doc} figures: {len(problems)} problem(s)\n" + "\n".join(problems[:40])


def test_translations_keep_maths_roles_and_code() -> None:
    """A translation keeps every maths span, role target and code span of its English."""
    checked = 0
    bad = []
    for po in sorted(CATALOGUES.rglob("*.po")):
        for m in i18n.read_catalogue(po):
            if not (m.id and m.string) or m.fuzzy:
                continue
            checked += 1
            for pattern in (r"\$[^$]+\$", r"`[^`]+`", r"\{(?:doc|cite|ref|numref|eq)\}`[^`]+`"):
                for piece in re.findall(pattern, m.id):
                    if pattern.startswith(r"\{") and "<" in piece:
                        # a link text may be translated; its target may not
                        piece = piece[piece.rindex("<") :]
                    elif pattern == r"`[^`]+`" and "<" in piece:
                        piece = piece[piece.rindex("<") :]
                    if piece not in m.string:
                        bad.append(
                            f"{po.relative_to(CATALOGUES)}: {piece!r} lost in {m.string[:80]!r}"
                        )
    assert checked > 0, "no translated message to check"
    assert bad == [], "\n".join(bad[:40])


def test_glossary_terms_keep_their_english_keys() -> None:
    """Glossary terms stay as they are: {term} references in every page point at them."""
    po = CATALOGUES / "book" / "glossary.po"
    source = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    terms = re.findall(r"^([A-Z][^\n]*)\n(\S[^\n]*)\n  ", source, flags=re.M)
    assert len(terms) > 50, "could not read the glossary's terms"
    strings = {m.id: m.string for m in i18n.read_catalogue(po) if m.id}
    changed = [(en, strings.get(en)) for en, zh in terms if strings.get(en) not in (en, "")]
    changed += [(zh, strings.get(zh)) for en, zh in terms if strings.get(zh) not in (zh, "")]
    assert changed == [], f"glossary terms translated into something else: {changed[:10]}"
