"""The Chinese edition's PDF (issues 23 and 24): Chinese headings, translated captions.

The slow tests print the Chinese PDF with ``python -m lossviz.i18n pdf --only zh``'s
function (`lossviz.i18n.build_pdf`) from the jupyter-cache the two-edition website build
(``built_book``) has just filled, so no notebook runs a second time; they read the PDF
back with poppler's ``pdftotext``, ``pdfinfo`` and ``pdfimages``. The fast tests check the
wiring: where each PDF goes, which one each site links, the Chinese download entry.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, toc_files
from docutils import nodes
from PIL import Image
from test_pdf import _letters, _shown, assert_prints_cleanly, pdftotext, read_pdf

from lossviz import i18n

sys.path.insert(0, str(ROOT / "_ext"))
import editions  # noqa: E402
import pdf_book  # noqa: E402

#: The chapter label, part label and LaTeX captions of the Chinese edition.
ZH_LABELS = ("第1章", "第一部分", "目录", "参考文献")


def print_chinese_pdf(out: Path) -> dict:
    """Print the Chinese PDF of the book built into ``out/_build``; read it back.

    ``out`` holds a website build's jupyter-cache and executed notebooks
    (``out/_build/.jupyter_cache``, ``out/_build/jupyter_execute``).
    """
    executed = out / "_build" / "jupyter_execute"
    notebooks = [
        json.loads((executed / f"{doc}.ipynb").read_text(encoding="utf-8"))
        for doc in toc_files()
        if (ROOT / f"{doc}.ipynb").is_file()
    ]
    res = i18n.build_pdf(out, ["zh"])
    assert res["returncode"] == 0, f"the Chinese PDF did not build:\n{res['log'][-6000:]}"
    pdf, latex = res["pdf"]["zh"], res["latex"]["zh"]
    result = read_pdf(pdf, latex)
    print(
        f"\nzh book.pdf: {result['pages']} pages, {pdf.stat().st_size:,} bytes, "
        f"built in {res['seconds']['zh']:.0f} s"
    )
    return {**result, "log": res["log"], "notebooks": notebooks}


@pytest.fixture(scope="module")
def zh_pdf(built_book: dict) -> dict:
    """The Chinese PDF, printed from the website build's cache (no second execution)."""
    if built_book["returncode"] != 0:
        pytest.fail("the book did not build; see test_book_builds_without_warnings")
    return print_chinese_pdf(built_book["html"].parent.parent)


def zh_title(doc: str) -> str:
    """The Chinese title of a table-of-contents entry: its first heading, translated."""
    path = ROOT / f"{doc}.ipynb"
    if path.is_file():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if line.startswith("# "))[2:].strip()
    table = i18n.translations(i18n.catalogue_dir() / f"{doc}.po")
    assert heading in table, f"{doc}: no translation of its title {heading!r}"
    return re.sub(r"[`*]", "", table[heading]).strip()


@pytest.mark.slow
def test_zh_pdf_reuses_the_website_builds_execution(zh_pdf: dict) -> None:
    assert "Executed notebook in" not in zh_pdf["log"], "the Chinese PDF ran a notebook again"
    cached = len(re.findall(r"Using cached notebook", zh_pdf["log"]))
    assert cached == len(zh_pdf["notebooks"]), f"{cached} cached of {len(zh_pdf['notebooks'])}"


@pytest.mark.slow
def test_zh_pdf_has_chinese_title_page_labels_and_every_chapter(zh_pdf: dict) -> None:
    first = pdftotext(zh_pdf["pdf"], 1, 1)
    assert i18n.TITLE_ZH in first and i18n.AUTHOR_ZH in first, f"title page: {first[:200]!r}"
    assert "Loss Functions" not in first
    front = pdftotext(zh_pdf["pdf"], 2, 5)
    assert "目录" in front, "no Chinese table of contents in the first pages"
    text = zh_pdf["text"]
    for label in ZH_LABELS:
        assert label in text, f"{label} not in the Chinese PDF"
    assert not re.search(r"\bChapter \d", text), "an English chapter label"
    assert re.search(r"图\s*1\.1\s*[:：]", text), "no Chinese figure caption label (图1.1:)"
    assert not re.search(r"\bFig\.\s*\d", text), "an English figure label"
    parts = re.findall(r"\\part\{([^}]*)\}", zh_pdf["tex"])
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert len(parts) == len(toc["parts"]) and all("部分" not in p for p in parts), parts
    letters = _letters(text)
    missing = [doc for doc in toc_files() if _letters(zh_title(doc)) not in letters]
    assert missing == [], f"Chinese chapter titles missing from the PDF: {missing}"


@pytest.mark.slow
def test_zh_pdf_has_no_missing_glyph_repr_or_unresolved_reference(zh_pdf: dict) -> None:
    assert_prints_cleanly(zh_pdf)
    assert zh_pdf["tex"].count("\\begin{sphinxthebibliography}") == 1


@pytest.mark.slow
def test_zh_pdf_prints_every_slider_frame_with_its_chinese_caption(zh_pdf: dict) -> None:
    sliders, shown_images = [], 0
    for nb in zh_pdf["notebooks"]:
        for cell in nb["cells"]:
            if cell["cell_type"] != "code" or not _shown(cell):
                continue
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                shown_images += "image/png" in data
                if 'class="lossviz-slider"' in "".join(data.get("text/html", "")):
                    sliders.append(data)
    assert sliders, "no slider figure found in the executed notebooks"
    listing = subprocess.run(
        ["pdfimages", "-list", str(zh_pdf["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    images = [line for line in listing.splitlines()[2:] if line.split()[2:3] == ["image"]]
    assert len(images) >= shown_images >= len(sliders), (
        f"{len(images)} images in the Chinese PDF for {shown_images} image outputs "
        f"({len(sliders)} slider figures)"
    )
    # every caption's translation, from the figure catalogues the website uses
    table: dict[str, str] = {}
    for po in (i18n.catalogue_dir() / i18n.FIGURES).rglob("*.po"):
        table.update(i18n.translations(po))
    text = _letters(zh_pdf["text"])
    captions = [
        Image.open(io.BytesIO(base64.b64decode("".join(d["image/png"])))).info.get("Title", "")
        for d in sliders
    ]
    captions = [c.strip() for c in captions if c.strip()]
    assert captions, "no slider figure has a caption"
    untranslated = [c for c in captions if c not in table]
    assert untranslated == [], f"captions without a translation: {untranslated[:3]}"
    missing = [c for c in captions if _letters(table[c]) not in text]
    assert missing == [], f"Chinese captions not printed: {[table[c] for c in missing[:3]]}"
    english = [c for c in captions if _letters(c) in text]
    assert english == [], f"English captions printed in the Chinese PDF: {english[:3]}"


@pytest.mark.slow
def test_zh_bibliography_is_author_year_like_its_citations(zh_pdf: dict) -> None:
    labels = re.findall(r"\\bibitem\[([^\]]*)\]", zh_pdf["tex"])
    assert labels, "no bibliography entry"
    text = zh_pdf["text"]
    assert re.search(r"\[[^\]\d]+, (?:19|20)\d\d[a-z]?\]", text), "no author-year citation"
    printed = [label for label in labels if f"[{label}]" in text]
    assert printed == [], f"alpha labels printed in the bibliography: {printed[:5]}"


# ------------------------------------------------------------------ fast: the wiring


def test_pdf_paths_of_the_two_editions(tmp_path: Path) -> None:
    assert i18n.pdf_path(tmp_path, "en") == tmp_path / "_build" / "latex" / "book.pdf"
    assert i18n.pdf_path(tmp_path, "zh") == tmp_path / "_build" / "zh" / "latex" / "book.pdf"
    with pytest.raises(ValueError, match="edition: expected one of .* got 'fr'"):
        i18n.pdf_path(tmp_path, "fr")
    with pytest.raises(ValueError, match=r"editions: expected some of .* got \['fr'\]"):
        i18n.build_pdf(tmp_path, ["fr"])


def test_build_with_pdf_prints_first_and_each_site_links_its_own_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``build(pdf=True)``: both PDFs, then both sites, the Chinese one given its PDF."""
    calls = []

    def fake_jupyter_book(args, config, workdir, env=None):  # noqa: ANN001, ANN202
        output = Path(args[args.index("--path-output") + 1])
        builder = args[args.index("--builder") + 1] if "--builder" in args else "html"
        sphinx = config["sphinx"]["config"]
        calls.append((builder, sphinx.get("language", "en"), sphinx.get("lossviz_pdf")))
        if builder == "pdflatex":  # what jupyter-book writes
            (output / "_build" / "latex").mkdir(parents=True, exist_ok=True)
            (output / "_build" / "latex" / "book.pdf").write_bytes(b"%PDF " + builder.encode())
        else:
            (output / "_build" / "html").mkdir(parents=True, exist_ok=True)
            pdf = sphinx.get("lossviz_pdf")
            # the PDF a site links exists when the site is built
            assert pdf is None or Path(pdf).is_file(), pdf
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(i18n, "_jupyter_book", fake_jupyter_book)
    res = i18n.build(tmp_path, pdf=True)
    zh_pdf = str(i18n.pdf_path(tmp_path, "zh").resolve())
    assert calls == [
        ("pdflatex", "en", None),
        ("pdflatex", "zh_CN", None),
        ("html", "en", None),
        ("html", "zh_CN", zh_pdf),
    ]
    assert res["returncode"] == 0 and set(res["seconds"]) == {"pdf-en", "pdf-zh", "en", "zh"}
    # the English site finds its PDF where pdf_book looks by default: next to html/
    assert i18n.pdf_path(tmp_path, "en") == res["html"].parent / "latex" / pdf_book.PDF_NAME
    assert i18n.pdf_path(tmp_path, "en").is_file() and Path(zh_pdf).is_file()

    # a failed PDF build leaves no stale PDF behind and fails the command
    def failing(args, config, workdir, env=None):  # noqa: ANN001, ANN202
        return subprocess.CompletedProcess(args, 2, "", "xelatex: fatal")

    monkeypatch.setattr(i18n, "_jupyter_book", failing)
    res = i18n.build_pdf(tmp_path, ["zh"])
    assert res["returncode"] == 2 and not Path(zh_pdf).exists()


def test_chinese_site_copies_and_links_the_chinese_pdf(tmp_path: Path) -> None:
    """A real sphinx-book-theme build in Chinese: the menu links zh's PDF, in Chinese."""
    pdf = tmp_path / "elsewhere" / "book.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.5 zh test")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['editions', 'pdf_book']\nhtml_theme = 'sphinx_book_theme'\n"
        "html_theme_options = {'use_download_button': True}\n"
        f"language = 'zh_CN'\nlossviz_pdf = {str(pdf)!r}\nauthor = 'The lossviz authors'\n",
        encoding="utf-8",
    )
    (src / "index.rst").write_text(
        "Page\n====\n\nText.\n\nSection\n-------\n\nMore.\n", encoding="utf-8"
    )
    html = tmp_path / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(html)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    assert proc.returncode == 0, proc.stderr
    assert (html / pdf_book.PDF_NAME).read_bytes() == b"%PDF-1.5 zh test"
    page = (html / "index.html").read_text(encoding="utf-8")
    link = re.search(r'<a href="book\.pdf"[^>]*>', page)
    assert link, "no link to book.pdf in the Chinese page's download menu"
    assert 'title="下载全书 PDF"' in link.group(0), link.group(0)
    assert editions._ENGLISH_NOTEBOOK not in link.group(0), "the book's PDF is not English"
    # the theme's accessible names and the footer's author are Chinese too
    assert [e for e in editions._ZH_LABELS if e in page] == []
    assert 'title="指向此标题的链接"' in page and 'aria-label="本页目录"' in page
    assert i18n.AUTHOR_ZH in page and "The lossviz authors" not in page


def test_edition_config_passes_the_pdf_to_the_site(tmp_path: Path) -> None:
    pdf = tmp_path / "book.pdf"
    config = i18n.edition_config(i18n.LANGUAGE, pdf=pdf)
    assert config["sphinx"]["config"]["lossviz_pdf"] == str(pdf.resolve())
    assert "lossviz_pdf" not in i18n.edition_config(None)["sphinx"]["config"]


def test_chinese_frame_caption_comes_from_the_figure_catalogue(tmp_path: Path) -> None:
    """`pdf_book.figure_translations` reads the same catalogue the website translates with."""
    doc = "book/01_what_is_a_loss"
    po = i18n.catalogue_dir() / i18n.FIGURES / f"{doc}.po"
    expected = i18n.translations(po)
    assert expected, f"{po} has no translations"
    config = type("C", (), {"language": "zh_CN", "locale_dirs": ["locales"]})()
    assert pdf_book.figure_translations(config, ROOT, doc) == expected
    english = type("C", (), {"language": "en", "locale_dirs": ["locales"]})()
    assert pdf_book.figure_translations(english, ROOT, doc) == {}
    assert pdf_book.figure_translations(config, ROOT, "book/no_such_page") == {}


def test_chinese_latex_captions_a_pages_frame_from_that_pages_catalogue(tmp_path: Path) -> None:
    """A real LaTeX build of two pages: each frame's caption comes from its own page's
    figure catalogue (Sphinx inlines the pages without re-parenting their nodes)."""
    from PIL.PngImagePlugin import PngInfo

    src = tmp_path / "src"
    figures = src / "locales" / "zh_CN" / "LC_MESSAGES" / i18n.FIGURES
    figures.mkdir(parents=True)
    for page, english, chinese in [
        ("one", "Drag a: the curve narrows.", "拖动 a：曲线变窄。"),
        ("two", "Drag b: the curve shifts.", "拖动 b：曲线平移。"),
    ]:
        meta = PngInfo()
        for key, value in [("Software", "lossviz"), ("Title", english), ("Description", "alt")]:
            meta.add_itxt(key, value)
        Image.new("RGB", (8, 8), "white").save(src / f"{page}.png", pnginfo=meta)
        (src / f"{page}.rst").write_text(
            f"Page {page}\n========\n\n.. image:: {page}.png\n", encoding="utf-8"
        )
        (figures / f"{page}.po").write_text(
            f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'msgid "{english}"\nmsgstr "{chinese}"\n',
            encoding="utf-8",
        )
    (src / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   one\n   two\n", "utf-8")
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['pdf_book']\nlanguage = 'zh_CN'\nlocale_dirs = ['locales']\n"
        "latex_documents = [('index', 'book.tex', 'Book', 'A', 'manual')]\n",
        encoding="utf-8",
    )
    out = tmp_path / "latex"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "latex", str(src), str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    assert proc.returncode == 0, proc.stderr
    tex = (out / "book.tex").read_text(encoding="utf-8")
    captions = re.findall(r"\\caption\{(.*?)\}", tex)
    assert captions == ["拖动 a：曲线变窄。", "拖动 b：曲线平移。"], captions


def test_part_titles_lose_their_own_number_which_latex_prints() -> None:
    from docutils.utils import new_document

    document = new_document("book")
    captions = ["Part I: loss functions, from X", "第二部分：现代深度学习中的损失函数", "附录"]
    for caption in captions:
        document += nodes.compound(classes=["toctree-wrapper"], caption=caption)
    document += nodes.compound(classes=["other"], caption="Part III: kept")
    pdf_book.PartTitles(document).run()
    assert [n["caption"] for n in document.children] == [
        "Loss functions, from X",
        "现代深度学习中的损失函数",
        "附录",
        "Part III: kept",
    ]
