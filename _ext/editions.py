"""The English and Chinese editions of the book, from one source.

What this extension does (the build command is ``python -m lossviz.i18n build``):

* **Exercise titles are translatable.** sphinx-exercise builds the title of
  ``{exercise} <title>`` without a source position, and Sphinx extracts no message from a
  node without one; the directives are wrapped so that the title carries its position and
  its MyST source, and gettext extracts it like any other message.
* **Figure strings in the Chinese edition.** The captions, alt text and control labels of
  the figures are cell outputs, made in English when the notebook runs; in the Chinese
  edition they are replaced by their translations from
  ``locales/zh_CN/LC_MESSAGES/figures/<docname>.po`` (see ``lossviz.i18n``).
* **A link to the other edition** on every page, and ``<link rel="alternate"
  hreflang=...>`` alternates, when both editions are built (``lossviz_editions``): the
  English site at the root, the Chinese one under ``zh/``.
* **The Chinese pages' download and launch buttons say that the notebooks are English.**
"""

from __future__ import annotations

import html
import sys
import uuid
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # the book's own lossviz, wherever Sphinx runs from
    sys.path.insert(0, str(_ROOT))

from lossviz import i18n  # noqa: E402 - the book's own lossviz, once the path is set

#: The other edition's name and language tag, by edition.
_OTHER = {
    "en": {"label": "中文版", "title": "阅读本页的中文版", "lang": "zh-CN"},
    "zh": {"label": "English", "title": "Read this page in English", "lang": "en"},
}
#: What the Chinese edition's download and launch buttons add.
_ENGLISH_NOTEBOOK = "（英文原版笔记本）"
#: The Chinese edition's title, search box text and the theme's button strings that its
#: own zh_CN catalogue leaves in English (or in traditional characters).
_ZH_TITLE = i18n.TITLE_ZH
_ZH_AUTHOR = i18n.AUTHOR_ZH
_ZH_SEARCH = "搜索本书……"
_ZH_BUTTONS = {
    "Launch on Binder": "在 Binder 中启动",
    "Launch on Colab": "在 Colab 中启动",
    "Launch on JupyterHub": "在 JupyterHub 中启动",
    "Launch interactive content": "启动交互式页面",
    "列印成 PDF": "打印为 PDF",
    "Print to PDF": "打印为 PDF",
}


def _edition(app: Sphinx) -> str:
    return "zh" if (app.config.language or "").startswith("zh") else "en"


# ------------------------------------------------------------------ exercise titles
def _translatable_titles(directive_class: type) -> type:
    """Wrap a sphinx-exercise directive so its title becomes a gettext message."""

    class Translatable(directive_class):  # type: ignore[misc, valid-type]
        def run(self) -> list[nodes.Node]:
            result = super().run()
            if not self.arguments:
                return result
            source, line = self.get_source_info()
            for top in result:
                for sub in top.findall(nodes.subtitle):
                    sub.source, sub.line = source, line
                    sub.rawsource = self.arguments[0]
            return result

    Translatable.__name__ = directive_class.__name__
    return Translatable


def _extract_titles(app: Sphinx, doctree: nodes.document) -> None:
    """Give the gettext builder the exercise titles.

    The Locale transform translates them while the page is read, but sphinx-exercise's
    post-transform folds each title into a new node before the gettext builder looks,
    so the builder is handed them here, as the page is read.
    """
    if app.builder.name != "gettext":
        return
    from sphinx.util.i18n import docname_to_domain

    catalog = app.builder.catalogs[docname_to_domain(app.env.docname, app.config.gettext_compact)]
    for sub in doctree.findall(nodes.subtitle):
        if sub.source and sub.rawsource:
            if not hasattr(sub, "uid"):  # the catalogue skips nodes without one
                sub.uid = uuid.uuid4().hex
            catalog.add(sub.rawsource, sub)


def _translate_captions(app: Sphinx, doctree: nodes.document) -> None:
    """Translate the table of contents' part captions, which the Locale transform misses.

    sphinx-external-toc inserts the toctrees after the page's messages are translated;
    their captions are extracted with the root page's messages and translated here.
    """
    if _edition(app) != "zh":
        return
    from sphinx import addnodes

    from lossviz import i18n

    table = i18n.translations(_catalogues(app) / f"{app.env.docname}.po")
    for toctree in doctree.findall(addnodes.toctree):
        caption = toctree.get("caption")
        if caption in table:
            toctree["caption"] = table[caption]
    # the PDF's part headings: sphinx-jupyterbook-latex copies each caption to the
    # toctree's wrapper while the page is read, before this event
    for wrapper in doctree.findall(nodes.compound):
        caption = wrapper.get("caption")
        if "toctree-wrapper" in wrapper["classes"] and caption in table:
            wrapper["caption"] = table[caption]


def _catalogues(app: Sphinx) -> Path:
    from lossviz import i18n

    locales = Path(app.config.locale_dirs[0]) if app.config.locale_dirs else i18n.LOCALES
    if not locales.is_absolute():
        locales = Path(app.confdir) / locales
    return i18n.catalogue_dir(locales)


def glossary_words(glossary: Path) -> list[str]:
    """Return the Chinese names of the glossary's terms (the second line of each entry)."""
    import re

    text = glossary.read_text(encoding="utf-8")
    return re.findall(r"^\S[^\n]*\n(\S*[\u4e00-\u9fff][^\n]*)\n  \S", text, flags=re.M)


def _zh_config(app: Sphinx, config: Any) -> None:
    """Give the Chinese edition its title, search box text and search vocabulary.

    Sphinx splits Chinese text into words with jieba for its search index; the glossary's
    Chinese terms join jieba's dictionary, so that 损失函数 or 交叉熵 are indexed as words
    (as well as their parts) and a search for them finds every page that uses them.
    """
    if not (config.language or "").startswith("zh"):
        return
    config.html_title = _ZH_TITLE
    config.project = _ZH_TITLE
    config.author = _ZH_AUTHOR  # the footer's 作者 line, as on the PDF's title page
    config.html_theme_options = {**config.html_theme_options, "search_bar_text": _ZH_SEARCH}
    glossary = Path(app.srcdir) / "book" / "glossary.md"
    if glossary.is_file():
        words = Path(app.doctreedir) / "lossviz-jieba-glossary.txt"
        words.parent.mkdir(parents=True, exist_ok=True)
        words.write_text(
            "".join(f"{w.replace(' ', '')} 20000 n\n" for w in glossary_words(glossary)),
            encoding="utf-8",
        )
        config.html_search_options = {**(config.html_search_options or {}), "dict": str(words)}


# ------------------------------------------------------------------ figure strings
def _translate_figures(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if _edition(app) != "zh":
        return
    from lossviz import i18n

    po = _catalogues(app) / i18n.FIGURES / f"{docname}.po"
    i18n.translate_outputs(doctree, i18n.translations(po))


# ------------------------------------------------------------------ theme labels
#: Accessible names and tooltips that Sphinx, MyST-NB and the theme write in English
#: whatever the language (their zh_CN catalogues lack them): what a screen reader says.
_ZH_LABELS = {
    'aria-label="Toggle hidden content"': 'aria-label="显示或隐藏内容"',
    'title="Link to this term"': 'title="指向此术语的链接"',
    'title="Link to this heading"': 'title="指向此标题的链接"',
    'title="Toggle primary sidebar"': 'title="显示或隐藏左侧目录"',
    'title="Toggle secondary sidebar"': 'title="显示或隐藏本页目录"',
    'aria-label="Main"': 'aria-label="全书目录"',
    'aria-label="Page"': 'aria-label="本页目录"',
    'aria-label="Color mode"': 'aria-label="颜色模式"',
    'title="Color mode"': 'title="颜色模式"',
    'title="System Settings"': 'title="跟随系统设置"',
}


def _translate_labels(app: Sphinx, exception: Exception | None) -> None:
    """Put the Chinese labels into every page the Chinese edition wrote."""
    if exception is not None or _edition(app) != "zh" or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        changed = text
        for english, chinese in _ZH_LABELS.items():
            changed = changed.replace(english, chinese)
        if changed != text:
            page.write_text(changed, encoding="utf-8")


# ------------------------------------------------------------------ page context
def _page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    edition = _edition(app)
    if edition == "zh":
        for group in context.get("header_buttons", []):
            if group.get("label") not in ("download-buttons", "launch-buttons"):
                continue
            group["tooltip"] = _ZH_BUTTONS.get(group.get("tooltip", ""), group.get("tooltip", ""))
            group["tooltip"] += _ENGLISH_NOTEBOOK
            for button in group.get("buttons", []):
                tip = button.get("tooltip", "")
                button["tooltip"] = _ZH_BUTTONS.get(tip, tip)
                if button.get("label") in ("download-pdf-button", "download-book-pdf-button"):
                    continue  # prints this (Chinese) page; the Chinese book's PDF
                button["tooltip"] = f"{button.get('tooltip', '')}{_ENGLISH_NOTEBOOK}"
                button["text"] = f"{button.get('text', '')}（英文）"
    if not app.config.lossviz_editions or doctree is None:
        return
    # relative to this page: up to its edition's root, then down to the page
    up = "../" * pagename.count("/")
    if edition == "en":
        hrefs = {"en": f"{up}{pagename}.html", "zh": f"{up}zh/{pagename}.html"}
    else:
        hrefs = {"en": f"{up}../{pagename}.html", "zh": f"{up}{pagename}.html"}
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<link rel="alternate" hreflang="{tag}" href="{html.escape(hrefs[ed])}" />'
        for ed, tag in (("en", "en"), ("zh", "zh-CN"))
    )
    other = "zh" if edition == "en" else "en"
    info = _OTHER[edition]
    link = (
        f'<p class="lossviz-edition"><a class="lossviz-edition-link" '
        f'href="{html.escape(hrefs[other])}" hreflang="{info["lang"]}" lang="{info["lang"]}" '
        f'title="{html.escape(info["title"])}">{html.escape(info["label"])}</a></p>\n'
    )
    context["body"] = link + context.get("body", "")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the edition hooks."""
    app.add_config_value("lossviz_editions", False, "html", bool)
    app.setup_extension("sphinx_exercise")
    from sphinx_exercise import directive as ex

    for name, cls in [
        ("exercise", ex.ExerciseDirective),
        ("exercise-start", ex.ExerciseStartDirective),
    ]:
        app.add_directive(name, _translatable_titles(cls), override=True)
    app.connect("config-inited", _zh_config)
    app.connect("doctree-read", _extract_titles)
    app.connect("doctree-read", _translate_captions)
    app.connect("doctree-resolved", _translate_figures)
    app.connect("html-page-context", _page_context, priority=600)
    app.connect("build-finished", _translate_labels)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
