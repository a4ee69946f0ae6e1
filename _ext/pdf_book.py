"""The printable book (issue 24): LaTeX settings for the PDF and the website's link to it.

``jupyter-book build . --builder pdflatex`` writes ``_build/latex/book.pdf`` with xelatex.
This extension

* ships a stand-in for ``bbm.sty`` (Jupyter Book's LaTeX class loads it; only the
  1.4 GB ``texlive-fonts-extra`` has it) and loads xeCJK with the Noto CJK fonts, so
  the Chinese terms of the glossary and chapters print (without xeCJK they vanish);
* for a Chinese edition (``language: zh_CN``) also makes the chapter headings,
  the table of contents and the captions Chinese (its title page comes from
  ``lossviz.i18n.edition_config``; ``python -m lossviz.i18n pdf --only zh`` builds it);
* gives the PDF one bibliography: each chapter ends with a "References" section for
  the website, and in the PDF those sections are dropped and every citation points
  to the bibliography of ``lossviz_pdf_bibliography`` (default ``book/references``),
  whose entries carry no alpha label ("[Vap98]"), as the citations are author-year;
* titles each part by its caption without the caption's own "Part I:" (LaTeX heads
  the part "Part I" already);
* numbers every display equation, in the PDF only;
* prints a slider figure's initial frame as a numbered figure with its caption: the
  frame is a PNG whose ``Title`` text chunk holds the caption and whose ``Description``
  holds the alternative text (see ``lossviz.widgets.render_png``); in the Chinese
  edition both are translated with the page's figure catalogue
  (``locales/zh_CN/LC_MESSAGES/figures/<docname>.po``, as the website's figures are);
* on the website, adds "book.pdf" to every page's download menu and copies the PDF
  into the HTML output, when a PDF has been built (``_build/latex/book.pdf`` next to
  the HTML output, or the path in ``lossviz_pdf``: the Chinese edition's, see
  ``python -m lossviz.i18n build --pdf``). So build the PDF first, then the website
  (see the README).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the book's own lossviz, wherever Sphinx runs from
    sys.path.insert(0, str(HERE.parent))
#: Name of the PDF in the HTML output, linked from every page's download menu.
PDF_NAME = "book.pdf"

#: Noto CJK fonts (Debian: fonts-noto-cjk) for the Chinese characters of either edition.
CJK_FONTS = r"""
\setCJKmainfont{Noto Serif CJK SC}
\setCJKsansfont{Noto Sans CJK SC}
\setCJKmonofont{Noto Sans Mono CJK SC}
"""

#: In the English edition, quotes, dashes and the ellipsis belong to the Latin font:
#: xeCJK would otherwise set them as full-width CJK punctuation ("loss’ s").
ENGLISH_PUNCTUATION = r"""
\xeCJKDeclareCharClass{Default}{"2013 -> "201F, "2026, "00B7}
"""

#: The bibliography list without a heading of its own: it is printed inside the chapter
#: of the bibliography page (see :class:`BibliographyInPlace`), which has the title.
#: The citations are author-year ("Vapnik, 1998"), so the entries carry no label (the
#: alpha labels, "[Vap98]", would match nothing in the text): each entry starts with its
#: authors, its further lines indented.
BIBLIOGRAPHY_LATEX = r"""
\makeatletter
\renewenvironment{sphinxthebibliography}[1]
  {\let\lossviz@chapter\chapter\renewcommand{\chapter}[2]{}%
   \renewcommand{\@biblabel}[1]{\hbox to 2em{}}%
   \begin{thebibliography}{#1}\let\chapter\lossviz@chapter
   \setlength{\itemindent}{-\leftmargin}}
  {\end{thebibliography}}
\makeatother
"""

#: Chinese headings for the Chinese edition: "第3章", "第一部分", 目录, 图, 表, 参考文献.
#: Appended after sphinx-jupyterbook-latex's preamble (which sets \contentsname), so
#: these captions win; the chapter head replaces fncychap's "Chapter 3".
CHINESE_HEADINGS = r"""
\usepackage{zhnumber}
% the running heads' CJK glyphs are a little taller than Latin ones (fancyhdr warns)
\setlength{\headheight}{13pt}\addtolength{\topmargin}{-1pt}
\makeatletter
\def\@makechapterhead#1{\vspace*{20\p@}{\parindent\z@\raggedright\normalfont
  \ifnum\c@secnumdepth>\m@ne\huge\bfseries 第\thechapter 章\par\nobreak\vskip 20\p@\fi
  \interlinepenalty\@M\Huge\bfseries #1\par\nobreak\vskip 40\p@}}
\makeatother
\renewcommand{\thepart}{第\zhnum{part}部分}
\addto\captionsenglish{%
  \renewcommand{\partname}{}\renewcommand{\chaptername}{}%
  \renewcommand{\contentsname}{目录}\renewcommand{\figurename}{图}%
  \renewcommand{\tablename}{表}\renewcommand{\bibname}{参考文献}%
  \renewcommand{\indexname}{索引}\renewcommand{\appendixname}{附录}}
"""


def is_chinese(config: Config) -> bool:
    """Whether the edition is Chinese (``language`` zh, zh_CN, zh_TW, ...)."""
    return (getattr(config, "language", None) or "").lower().startswith("zh")


def figure_translations(config: Config, confdir: str | Path, docname: str) -> dict[str, str]:
    """Return the Chinese edition's translations of ``docname``'s figure strings.

    They are the finished entries of the page's figure catalogue under the first of
    ``locale_dirs`` (see ``lossviz.i18n``); empty for the English edition or a page
    without figure strings.
    """
    if not is_chinese(config) or not config.locale_dirs:
        return {}
    from lossviz import i18n

    locales = Path(config.locale_dirs[0])
    if not locales.is_absolute():
        locales = Path(confdir) / locales
    return i18n.translations(i18n.catalogue_dir(locales) / i18n.FIGURES / f"{docname}.po")


def configure_latex(app: Sphinx, config: Config) -> None:
    """Add the bbm stand-in, xeCJK and (Chinese edition) Chinese headings to the LaTeX build."""
    config.latex_engine = "xelatex"
    config.latex_additional_files = [
        *config.latex_additional_files,
        str(HERE / "latex" / "bbm.sty"),
    ]
    elements = dict(config.latex_elements)
    preamble = elements.get("preamble", "")
    if is_chinese(config):
        # Sphinx itself loads xeCJK (through fontenc) for a zh language with xelatex.
        elements.setdefault("fncychap", "")
        chinese = CJK_FONTS + CHINESE_HEADINGS
    else:
        chinese = "\\usepackage{xeCJK}\n" + CJK_FONTS + ENGLISH_PUNCTUATION
    elements["preamble"] = preamble + BIBLIOGRAPHY_LATEX + chinese
    config.latex_elements = elements


def number_equations(app: Sphinx) -> None:
    """Give every display equation of the PDF a number: (3.2) is the second of chapter 3.

    Only the LaTeX build: the website keeps its unnumbered equations.
    """
    if app.builder.format == "latex":
        app.config.math_number_all = True


def one_bibliography(app: Sphinx, env: Any) -> None:
    """In the PDF, resolve every citation to the book's bibliography page.

    Runs after sphinxcontrib-bibtex has listed the citations of every bibliography
    directive. Each chapter cites its own list's keys (``ch3-key``, the ``keyprefix`` of
    its bibliography); in a LaTeX build only the citations of
    ``lossviz_pdf_bibliography`` remain, and a chapter's key resolves to the entry of
    that list for the same work (``all-key``). The chapters' own lists are then empty
    (and dropped by :class:`DropChapterReferences`). The HTML build is untouched.
    """
    if app.builder.format != "latex" or "cite" not in env.domains:
        return
    domain = env.get_domain("cite")
    keep = app.config.lossviz_pdf_bibliography
    if not any(key.docname == keep for key in domain.bibliographies):
        logger.warning("lossviz_pdf_bibliography: no bibliography directive in %r", keep)
        return
    book = {c.entry.key: c.key for c in domain.citations if c.bibliography_key.docname == keep}
    alias = {c.key: book[c.entry.key] for c in domain.citations if c.entry.key in book}
    domain.data["citations"] = [c for c in domain.citations if c.bibliography_key.docname == keep]
    resolve = domain.resolve_xref  # this build's domain object only: nothing is pickled

    def resolve_in_book(env, fromdocname, builder, typ, target, node, contnode):  # noqa: ANN001
        target = re.sub(r"[^\s,{}]+", lambda m: alias.get(m.group(0), m.group(0)), target)
        return resolve(env, fromdocname, builder, typ, target, node, contnode)

    domain.resolve_xref = resolve_in_book


def _top_section(node: nodes.Node) -> bool:
    """Whether ``node`` is a document's title section (a chapter in the PDF)."""
    return isinstance(node, nodes.section) and isinstance(
        node.parent, (nodes.document, addnodes.start_of_file)
    )


class DropChapterReferences(SphinxPostTransform):
    """Remove the chapters' "References" sections from the PDF (the book has one list)."""

    default_priority = 4  # before sphinxcontrib-bibtex fills bibliographies (priority 5)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        """Remove each section holding a bibliography, outside the book's bibliography page."""
        from sphinxcontrib.bibtex.nodes import bibliography

        for bib in list(self.document.findall(bibliography)):
            if bib["docname"] == self.config.lossviz_pdf_bibliography:
                continue
            section = bib.parent
            while section is not None and not isinstance(section, nodes.section):
                section = section.parent
            # the chapter's own "References" section, not the whole chapter
            if section is not None and not _top_section(section):
                section.parent.remove(section)
            else:
                bib.parent.remove(bib)


class BibliographyInPlace(SphinxPostTransform):
    """Print the book's one bibliography as the chapter of ``lossviz_pdf_bibliography``.

    Sphinx gathers every citation at the end of the LaTeX document; this moves that list
    into the bibliography page's chapter, in place of the page's prose (written for the
    website, where each chapter also has its own list). The chapter keeps its title
    and labels; :data:`BIBLIOGRAPHY_LATEX` drops the list's own heading.
    """

    default_priority = 800  # after Sphinx's BibliographyTransform (750)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        """Move the gathered citations into the bibliography page's chapter."""
        from sphinx.builders.latex.nodes import thebibliography

        lists = list(self.document.findall(thebibliography))
        pages = [
            node
            for node in self.document.findall(addnodes.start_of_file)
            if node["docname"] == self.config.lossviz_pdf_bibliography
        ]
        if len(lists) != 1 or len(pages) != 1:
            return
        chapter = next((n for n in pages[0].children if _top_section(n)), None)
        if chapter is None:
            return
        lists[0].parent.remove(lists[0])
        for child in list(chapter.children):
            if not isinstance(child, nodes.title):
                chapter.remove(child)
        chapter += lists[0]


def png_text(path: Path) -> dict[str, str]:
    """Return the text chunks of a PNG file (empty for other files or unreadable ones)."""
    if path.suffix.lower() != ".png" or not path.is_file():
        return {}
    from PIL import Image

    try:
        with Image.open(path) as im:
            return {k: v for k, v in im.info.items() if isinstance(v, str)}
    except OSError:
        return {}


def _image_docnames(document: nodes.document) -> dict[int, str]:
    """Map each image of the PDF's one big doctree (by ``id``) to the page it came from.

    Sphinx inlines each page into a ``start_of_file`` node without re-parenting the
    page's nodes, so an image's ``parent`` chain does not reach it: walk down instead,
    outer pages first, so that the innermost page wins.
    """
    owner = {}
    for page in document.findall(addnodes.start_of_file):
        for image in page.findall(nodes.image):
            owner[id(image)] = page["docname"]
    return owner


class CaptionedFrames(SphinxPostTransform):
    """Make a slider's static frame a numbered figure with its caption and alt text.

    In the Chinese edition the caption and alt text are the translations of the page's
    figure catalogue (strings the catalogue lacks stay English, as on the website).
    """

    default_priority = 50
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        """Wrap each lossviz frame with a ``Title`` in a figure with that caption."""
        tables: dict[str, dict[str, str]] = {}
        owner = _image_docnames(self.document) if is_chinese(self.config) else {}
        for image in list(self.document.findall(nodes.image)):
            if isinstance(image.parent, nodes.figure):
                continue
            info = png_text(Path(self.env.srcdir) / image["uri"])
            if info.get("Software") != "lossviz":
                continue
            doc = owner.get(id(image), self.env.docname)
            if doc not in tables:
                tables[doc] = figure_translations(self.config, self.app.confdir, doc)
            table = tables[doc]
            alt, title = info.get("Description", "").strip(), info.get("Title", "").strip()
            if alt:
                image["alt"] = table.get(alt, alt)
            if not title:
                continue
            title = table.get(title, title)
            figure = nodes.figure("", classes=["lossviz-frame"])
            image.replace_self(figure)
            figure += image
            figure += nodes.caption(title, title)


#: A part caption's own number ("Part I: ...", "第一部分：..."), which LaTeX prints anyway.
PART_PREFIX = re.compile(r"^(?:Part\s+[IVXLC]+|第[一二三四五六七八九十]+部分)\s*[:：]\s*(?=\S)")


class PartTitles(SphinxPostTransform):
    """Drop a part caption's own number in the PDF: LaTeX heads the part "Part I" itself.

    The table of contents' captions ("Part I: loss functions, ...") become the PDF's
    parts (sphinx-jupyterbook-latex, priority 700), whose heading already reads "Part I"
    (or 第一部分), so the PDF's part is titled "Loss functions, ..." alone.
    """

    default_priority = 690
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        """Strip the number from the caption of each toctree wrapper."""
        for wrapper in self.document.findall(nodes.compound):
            caption = wrapper.get("caption")
            if caption and "toctree-wrapper" in wrapper["classes"]:
                title = PART_PREFIX.sub("", caption)
                wrapper["caption"] = title[:1].upper() + title[1:]


class WrapWideTables(SphinxPostTransform):
    """Give the PDF's wide tables wrapping columns sized by their content.

    A table without column widths (a Markdown table, such as the catalogue's summary)
    prints with one unbreakable LaTeX column per column and runs off the page once it
    has five or more; widths in proportion to each column's longest entry (capped) let
    its cells wrap instead.
    """

    default_priority = 400
    formats = ("latex",)
    #: Tables with at least this many columns get widths.
    MIN_COLUMNS = 5
    #: An entry longer than this many characters counts as this long.
    CAP = 40

    def run(self, **kwargs: Any) -> None:
        """Set ``colwidth`` on each colspec and mark the table ``colwidths-given``."""
        for table in self.document.findall(nodes.table):
            if "colwidths-given" in table["classes"]:
                continue
            for tgroup in table.findall(nodes.tgroup):
                specs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
                if len(specs) < self.MIN_COLUMNS:
                    continue
                widths = [6] * len(specs)
                for row in tgroup.findall(nodes.row):
                    for i, entry in enumerate(row.children[: len(specs)]):
                        widths[i] = max(widths[i], min(len(entry.astext()), self.CAP))
                for spec, width in zip(specs, widths, strict=True):
                    spec["colwidth"] = width
                table["classes"].append("colwidths-given")


def pdf_source(app: Sphinx) -> Path | None:
    """Return the built PDF to publish with the website, if there is one."""
    configured = app.config.lossviz_pdf
    path = (
        Path(app.confdir) / configured
        if configured
        else Path(app.outdir).parent / "latex" / PDF_NAME
    )
    return path if path.is_file() else None


def add_pdf_download(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Append "book.pdf" to sphinx-book-theme's download menu of every page."""
    if app.builder.format != "html" or pdf_source(app) is None:
        return
    chinese = is_chinese(app.config)
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](PDF_NAME, 1),
                    "text": "book.pdf",
                    "tooltip": "下载全书 PDF" if chinese else "Download the whole book as a PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def copy_pdf(app: Sphinx, exception: Exception | None) -> None:
    """Copy the built PDF into the HTML output, where the download menu links it."""
    if exception is not None or app.builder.format != "html":
        return
    source = pdf_source(app)
    if source is not None:
        shutil.copy2(source, Path(app.outdir) / PDF_NAME)
        logger.info("lossviz: copied %s into the website", source)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the configuration values, events and post-transforms."""
    app.add_config_value("lossviz_pdf_bibliography", "book/references", "env")
    app.add_config_value("lossviz_pdf", "", "html")
    # after sphinx-jupyterbook-latex has written its preamble (priority 500)
    app.connect("config-inited", configure_latex, priority=600)
    app.connect("builder-inited", number_equations)
    app.connect("env-updated", one_bibliography, priority=600)
    app.add_post_transform(DropChapterReferences)
    app.add_post_transform(BibliographyInPlace)
    app.add_post_transform(CaptionedFrames)
    app.add_post_transform(WrapWideTables)
    app.add_post_transform(PartTitles)
    # after sphinx-book-theme builds the header buttons (priority 501)
    app.connect("html-page-context", add_pdf_download, priority=600)
    app.connect("build-finished", copy_pdf)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
