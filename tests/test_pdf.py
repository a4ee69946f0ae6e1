"""The printable PDF (issue 24): every chapter, its figures, one bibliography, no stray repr.

The slow tests build ``book.pdf`` with ``jupyter-book build --builder pdflatex`` (xelatex)
from the notebooks the website build (``built_book``) has already executed, so CI runs
every notebook once; they read the PDF back with poppler's ``pdftotext``, ``pdfinfo``
and ``pdfimages``. The fast tests check the parts: the slider's printable frame and the
download-menu entry.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import yaml
from conftest import ROOT, toc_files
from PIL import Image

from lossviz.widgets import FloatSlider, SliderFigure

sys.path.insert(0, str(ROOT / "_ext"))
import pdf_book  # noqa: E402

#: What the book's sources need besides the notebooks (all copied for the PDF build).
BOOK_PARTS = ("_config.yml", "_toc.yml", "references.bib", "_ext", "_static", "book")


def _letters(text: str) -> str:
    """Lower-case letters and digits only: line breaks, hyphenation and ligatures aside."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())


def _title(doc: str) -> str:
    """The first level-1 heading of a table-of-contents entry, as plain text."""
    path = ROOT / f"{doc}.ipynb"
    if path.is_file():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if line.startswith("# "))
    return re.sub(r"[`*]", "", heading[2:]).strip()


def _shown(cell: dict) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return not tags & {"remove-cell", "remove-output"}


@pytest.fixture(scope="module")
def built_pdf(built_book: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the PDF from the website build's executed notebooks (no second execution)."""
    executed = built_book["html"].parent / "jupyter_execute"
    unexecuted = [
        doc
        for doc in toc_files()
        if (ROOT / f"{doc}.ipynb").is_file() and not (executed / f"{doc}.ipynb").is_file()
    ]
    if unexecuted:
        pytest.fail(
            f"the website build executed no {unexecuted}, so there is nothing to "
            "print; see test_book_builds_without_warnings"
        )
    src = tmp_path_factory.mktemp("pdf-src")
    for part in BOOK_PARTS:
        if (ROOT / part).is_dir():
            shutil.copytree(
                ROOT / part,
                src / part,
                ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
            )
        else:
            shutil.copy2(ROOT / part, src / part)
    notebooks = []
    for doc in toc_files():
        if (src / f"{doc}.ipynb").is_file():
            shutil.copy2(executed / f"{doc}.ipynb", src / f"{doc}.ipynb")
            notebooks.append(json.loads((src / f"{doc}.ipynb").read_text(encoding="utf-8")))
    config = yaml.safe_load((src / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    out = tmp_path_factory.mktemp("pdf-out")
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from jupyter_book.cli.main import main; main()",
            "build",
            str(src),
            "--builder",
            "pdflatex",
            "--path-output",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    seconds = time.perf_counter() - start
    latex = out / "_build" / "latex"
    pdf = latex / "book.pdf"
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0 and pdf.is_file(), f"the PDF did not build:\n{log[-6000:]}"
    result = read_pdf(pdf, latex)
    print(
        f"\nbook.pdf: {result['pages']} pages, {pdf.stat().st_size:,} bytes, "
        f"built in {seconds:.0f} s"
    )
    return {**result, "notebooks": notebooks}


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """The text of ``pdf`` (pages ``first`` to ``last``, or all), by poppler's pdftotext."""
    pages = [] if first is None else ["-f", str(first), "-l", str(last)]
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def read_pdf(pdf: Path, latex: Path) -> dict:
    """Read a built PDF back: its text and page count, and the LaTeX source and log."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return {
        "pdf": pdf,
        "text": pdftotext(pdf),
        "pages": int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1)),
        "tex": (latex / "book.tex").read_text(encoding="utf-8"),
        "texlog": (latex / "book.log").read_text(encoding="utf-8", errors="replace"),
    }


def assert_prints_cleanly(printed: dict) -> None:
    """No glyph missing from the fonts, no object repr, no unresolved reference."""
    missing = sorted(set(re.findall(r"Missing character: There is no .*", printed["texlog"])))
    assert missing == [], "glyphs missing from the fonts:\n" + "\n".join(missing[:20])
    text = printed["text"]
    for stray in ("VBox(", "<IPython", "<SliderFigure", "object at 0x"):
        assert stray not in text, f"{stray!r} printed in {printed['pdf']}"
    assert "??" not in text, "an unresolved reference printed as ??"
    undefined = re.findall(
        r"(?i)(?:reference|citation) `[^']*' on page \d+ undefined", printed["texlog"]
    )
    assert undefined == [], undefined[:10]


@pytest.mark.slow
def test_pdf_has_a_title_page_contents_and_every_chapter(built_pdf: dict) -> None:
    first = pdftotext(built_pdf["pdf"], 1, 1)
    book_title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    assert _letters(book_title) in _letters(first), "no title page"
    assert "\\sphinxtableofcontents" in built_pdf["tex"], "no table of contents"
    front = pdftotext(built_pdf["pdf"], 2, 5)
    assert "contents" in front.lower(), "no table of contents in the first pages"
    text = _letters(built_pdf["text"])
    missing = [doc for doc in toc_files() if _letters(_title(doc)) not in text]
    assert missing == [], f"chapters missing from the PDF: {missing}"


@pytest.mark.slow
def test_pdf_has_no_missing_glyph_repr_or_unresolved_reference(built_pdf: dict) -> None:
    assert_prints_cleanly(built_pdf)


@pytest.mark.slow
def test_every_slider_figure_prints_its_frame_and_caption(built_pdf: dict) -> None:
    sliders, shown_images = [], 0
    for nb in built_pdf["notebooks"]:
        for cell in nb["cells"]:
            if cell["cell_type"] != "code" or not _shown(cell):
                continue
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                shown_images += "image/png" in data
                if 'class="lossviz-slider"' in "".join(data.get("text/html", "")):
                    assert "image/png" in data, "a slider figure without its printable frame"
                    sliders.append(data)
    assert sliders, "no slider figure found in the executed notebooks"
    listing = subprocess.run(
        ["pdfimages", "-list", str(built_pdf["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    images = [line for line in listing.splitlines()[2:] if line.split()[2:3] == ["image"]]
    assert len(images) >= shown_images >= len(sliders), (
        f"{len(images)} images in the PDF for {shown_images} image outputs "
        f"({len(sliders)} slider figures)"
    )
    text = _letters(built_pdf["text"])
    for data in sliders:
        png = Image.open(io.BytesIO(base64.b64decode("".join(data["image/png"]))))
        if "Title" in png.info:
            assert _letters(png.info["Title"]) in text, f"caption not printed: {png.info['Title']}"
    assert built_pdf["tex"].count("\\begin{figure}") >= sum(
        "Title" in Image.open(io.BytesIO(base64.b64decode("".join(d["image/png"])))).info
        for d in sliders
    )


@pytest.mark.slow
def test_pdf_has_one_bibliography_and_numbered_figures(built_pdf: dict) -> None:
    tex = built_pdf["tex"]
    assert tex.count("\\begin{sphinxthebibliography}") == 1
    # every entry is one of the bibliography page's, and every citation links to one
    keys = re.findall(r"\\bibitem\[[^\]]*\]\{([^}]*)\}", tex)
    assert keys and len(keys) == len(set(keys))
    assert all(key.startswith("book/references:") for key in keys), keys[:5]
    cited = set(re.findall(r"\\hyperlink\{cite\.([^}]*)\}", tex))
    assert cited and cited <= set(keys), sorted(cited - set(keys))[:5]
    # the chapters' own "References" sections are gone: one heading, the book's list
    assert len(re.findall(r"\\chapter\{References\}", tex)) == 1
    assert "\\section{References}" not in tex
    text = built_pdf["text"]
    assert re.search(r"Fig\.\s*\d+\.\d+:", text), "no numbered figure caption"
    assert re.search(r"\(\d+\.\d+\)", text), "no numbered equation"
    assert "\\begin{equation}" in tex


@pytest.mark.slow
def test_pdf_bibliography_is_author_year_like_its_citations(built_pdf: dict) -> None:
    labels = re.findall(r"\\bibitem\[([^\]]*)\]", built_pdf["tex"])
    assert labels, "no bibliography entry"
    text = built_pdf["text"]
    assert re.search(r"\[[^\]\d]+, (?:19|20)\d\d[a-z]?\]", text), "no author-year citation"
    printed = [label for label in labels if f"[{label}]" in text]
    assert printed == [], f"alpha labels printed in the bibliography: {printed[:5]}"


# ------------------------------------------------------------------ fast: the parts


def _slider(caption: str | None) -> SliderFigure:
    x = np.linspace(-1, 1, 50)
    fig, ax = plt.subplots(figsize=(3, 2))
    (line,) = ax.plot(x, x**2)
    return SliderFigure(
        fig,
        lambda a: line.set_ydata(a * x**2),
        [FloatSlider("a", 0.0, 2.0, 0.5, 1.0)],
        alt="A parabola a x squared; 中文 alt.",
        caption=caption,
    )


def test_slider_bundle_has_a_printable_frame_and_plain_alt_text(monkeypatch) -> None:
    monkeypatch.setenv("LOSSVIZ_FACE", "static")  # as in the book build (_ext/staticfaces.py)
    bundle = _slider("Drag a: the parabola 损失 narrows.")._repr_mimebundle_()
    assert bundle["text/plain"] == "A parabola a x squared; 中文 alt."
    png = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert png.format == "PNG" and png.size[0] >= 3 * pdf_book_print_dpi() - 1
    assert png.info["Software"] == "lossviz"
    assert png.info["Title"] == "Drag a: the parabola 损失 narrows."
    assert png.info["Description"] == "A parabola a x squared; 中文 alt."
    assert (
        "Title"
        not in Image.open(
            io.BytesIO(base64.b64decode(_slider(None)._repr_mimebundle_()["image/png"]))
        ).info
    )


def pdf_book_print_dpi() -> int:
    from lossviz import widgets

    return widgets.PRINT_DPI


class _App:
    def __init__(self, outdir: Path, fmt: str = "html") -> None:
        self.outdir = str(outdir)
        self.confdir = str(outdir)
        self.builder = type("B", (), {"format": fmt})()
        self.config = type("C", (), {"lossviz_pdf": ""})()


def _context() -> dict:
    return {
        "pathto": lambda name, resource=0: f"../{name}",
        "header_buttons": [{"label": "download-buttons", "buttons": []}],
    }


def test_download_menu_links_the_pdf_only_when_it_was_built(tmp_path: Path) -> None:
    html = tmp_path / "_build" / "html"
    html.mkdir(parents=True)
    app, context = _App(html), _context()
    pdf_book.add_pdf_download(app, "book/intro", "page.html", context, None)
    assert context["header_buttons"][0]["buttons"] == []  # no PDF yet: no dead link
    pdf_book.copy_pdf(app, None)
    assert not (html / "book.pdf").exists()

    (tmp_path / "_build" / "latex").mkdir()
    (tmp_path / "_build" / "latex" / "book.pdf").write_bytes(b"%PDF-1.5 test")
    pdf_book.add_pdf_download(app, "book/intro", "page.html", context, None)
    (button,) = context["header_buttons"][0]["buttons"]
    assert button["url"] == "../book.pdf" and button["text"] == "book.pdf"
    pdf_book.copy_pdf(app, None)
    assert (html / "book.pdf").read_bytes() == b"%PDF-1.5 test"


def test_download_menu_of_a_real_book_theme_page(tmp_path: Path) -> None:
    """A two-step build: the PDF exists, so the HTML build copies and links it."""
    (tmp_path / "_build" / "latex").mkdir(parents=True)
    (tmp_path / "_build" / "latex" / "book.pdf").write_bytes(b"%PDF-1.5 test")
    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['pdf_book']\nhtml_theme = 'sphinx_book_theme'\n"
        "html_theme_options = {'use_download_button': True}\n",
        encoding="utf-8",
    )
    (tmp_path / "index.rst").write_text("Page\n====\n\nText.\n", encoding="utf-8")
    (tmp_path / "sub.rst").write_text("Sub\n===\n\nText.\n", encoding="utf-8")
    html = tmp_path / "_build" / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(tmp_path), str(html)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    assert proc.returncode == 0, proc.stderr
    assert (html / "book.pdf").read_bytes() == b"%PDF-1.5 test"
    for page in ("index.html", "sub.html"):
        text = (html / page).read_text(encoding="utf-8")
        assert re.search(r'<a href="book\.pdf"[^>]*\n\s*class="[^"]*dropdown-item', text), page


def test_chinese_edition_gets_chinese_headings_and_english_gets_xecjk() -> None:
    def configured(language: str) -> dict:
        config = type(
            "C",
            (),
            {
                "language": language,
                "latex_additional_files": [],
                "latex_elements": {},
                "latex_engine": "pdflatex",
            },
        )()
        pdf_book.configure_latex(None, config)
        assert config.latex_engine == "xelatex"
        assert any(f.endswith("bbm.sty") for f in config.latex_additional_files)
        return config.latex_elements

    english, chinese = configured("en"), configured("zh_CN")
    assert "\\usepackage{xeCJK}" in english["preamble"] and "Noto" in english["preamble"]
    assert "目录" not in english["preamble"]
    assert "目录" in chinese["preamble"] and "Noto" in chinese["preamble"]
