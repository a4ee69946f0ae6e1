"""The Chinese edition (中文版): message catalogues, figure strings and the two-edition build.

The Chinese edition is built from the same notebooks as the English one with Sphinx's
gettext machinery: the prose of every page is extracted into a catalogue of messages
(``locales/zh_CN/LC_MESSAGES/<docname>.po``, one per page) and Sphinx puts the
translations in place when it builds with ``language = "zh_CN"``.

The slider figures' captions, alt text and control labels, and the alt text of the
static figures, are not prose: they are cell *outputs*, made when a notebook runs. They
are extracted from the built English pages into one more catalogue per page,
``locales/zh_CN/LC_MESSAGES/figures/<docname>.po``, and the Sphinx extension
``_ext/editions.py`` translates them in the Chinese pages' outputs. So every notebook
runs once per build, in English, and both editions show its outputs.

Command line (``python -m lossviz.i18n --help``)::

    python -m lossviz.i18n build            # both editions: _build/html and _build/html/zh
    python -m lossviz.i18n build --only zh  # one edition alone, while writing
    python -m lossviz.i18n build --pdf      # both PDFs, then both sites linking them
    python -m lossviz.i18n pdf --only zh    # the Chinese PDF: _build/zh/latex/book.pdf
    python -m lossviz.i18n update           # refresh the catalogues after editing English
    python -m lossviz.i18n stats            # messages, words and what is left, per page
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The locale of the Chinese edition, as Sphinx spells it.
LANGUAGE = "zh_CN"
#: The folder of the site the Chinese edition lives in.
SUBDIR = "zh"
#: Where the catalogues live.
LOCALES = ROOT / "locales"
#: Sub-folder of ``LC_MESSAGES`` with the catalogues of figure strings.
FIGURES = "figures"
#: The editions the build command knows, by short name.
EDITIONS = ("en", "zh")
#: The Chinese edition's title (website and PDF) and the PDF's author line.
TITLE_ZH = "深度学习中的损失函数"
AUTHOR_ZH = "lossviz 作者团队"
#: Where each edition's PDF is written, inside ``OUT/_build``: the English one where
#: ``jupyter-book build . --builder pdflatex`` writes it, the Chinese one in ``zh/``.
PDF_PATHS = {"en": Path("latex", "book.pdf"), "zh": Path(SUBDIR, "latex", "book.pdf")}


def pdf_path(out: Path, edition: str) -> Path:
    """Return where ``edition``'s PDF is written for a build into ``out/_build``."""
    if edition not in PDF_PATHS:
        raise ValueError(f"edition: expected one of {EDITIONS}, got {edition!r}")
    return out / "_build" / PDF_PATHS[edition]


def catalogue_dir(locales: Path = LOCALES) -> Path:
    """Return the ``LC_MESSAGES`` folder of the Chinese edition."""
    return locales / LANGUAGE / "LC_MESSAGES"


# --------------------------------------------------------------------- configuration
def edition_config(
    language: str | None,
    *,
    execute: str = "cache",
    cache: Path | None = None,
    editions: bool = False,
    pdf: Path | None = None,
    root: Path = ROOT,
) -> dict[str, Any]:
    """Return the book's ``_config.yml`` set up for one edition.

    ``jupyter-book build --config FILE`` replaces the configuration rather than merging
    it, so the edition's configuration is the whole of ``_config.yml`` with a few keys
    changed.

    Parameters
    ----------
    language : str or None
        ``"zh_CN"`` for the Chinese edition, ``None`` for the English one.
    execute : {"cache", "force", "off"}
        How notebooks run; ``"off"`` for message extraction, which needs no outputs.
    cache : Path, optional
        The jupyter-cache folder shared by both editions (with ``execute="cache"``).
    editions : bool
        Whether the page carries the link to the other edition (only when both are built).
    pdf : Path, optional
        The edition's PDF, which the website copies and links from every page's download
        menu when it exists (``lossviz_pdf`` of ``_ext/pdf_book.py``).
    root : Path
        The repository root.
    """
    import yaml

    if execute not in ("cache", "force", "off"):
        raise ValueError(f"execute: expected 'cache', 'force' or 'off', got {execute!r}")
    if language not in (None, LANGUAGE):
        raise ValueError(f"language: expected None or {LANGUAGE!r}, got {language!r}")
    cfg = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    # paths in the configuration are read relative to the configuration file: make
    # them absolute, since the edition's file lives elsewhere
    cfg_sphinx = cfg.setdefault("sphinx", {})
    cfg_sphinx["local_extensions"] = {
        name: str(root / path) for name, path in cfg_sphinx.get("local_extensions", {}).items()
    }
    cfg["bibtex_bibfiles"] = [str(root / p) for p in cfg.get("bibtex_bibfiles", [])]
    if cfg.get("html", {}).get("favicon"):
        cfg["html"]["favicon"] = str(root / cfg["html"]["favicon"])
    cfg.setdefault("execute", {})["execute_notebooks"] = execute
    if cache is not None:
        cfg["execute"]["cache"] = str(cache)
    sphinx = cfg.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["locale_dirs"] = [str(root / "locales")]
    sphinx["gettext_compact"] = False  # one catalogue per page
    sphinx["gettext_location"] = False  # no machine-dependent paths in the catalogues
    sphinx["lossviz_editions"] = editions
    if pdf is not None:
        sphinx["lossviz_pdf"] = str(Path(pdf).resolve())
    if language is not None:
        sphinx["language"] = language
        # the PDF's title page (jupyter-book sets it from `title` after Sphinx starts)
        documents = cfg.setdefault("latex", {}).setdefault("latex_documents", {})
        documents.update(title=TITLE_ZH, author=AUTHOR_ZH)
    return cfg


def _jupyter_book(
    args: Sequence[str], config: dict[str, Any], workdir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``jupyter-book build`` with ``config`` written to a file in ``workdir``."""
    import yaml

    workdir.mkdir(parents=True, exist_ok=True)
    cfg_file = workdir / "_config.yml"
    cfg_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        *args,
        "--config",
        str(cfg_file),
    ]
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=3600)


# --------------------------------------------------------------------- extraction
def extract_prose(out: Path, root: Path = ROOT) -> Path:
    """Extract every page's prose into ``out/<docname>.pot`` (no notebook runs).

    Returns ``out``. Raises ``RuntimeError`` with the build log if extraction fails.
    """
    work = Path(tempfile.mkdtemp(prefix="lossviz-gettext-"))
    try:
        proc = _jupyter_book(
            [
                str(root),
                "--path-output",
                str(work),
                "--builder",
                "custom",
                "--custom-builder",
                "gettext",
            ],
            edition_config(None, execute="off", root=root),
            work,
        )
        built = work / "_build" / "gettext"
        if proc.returncode != 0 or not built.is_dir():
            raise RuntimeError("message extraction failed:\n" + (proc.stdout + proc.stderr)[-4000:])
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        for pot in built.rglob("*.pot"):
            rel = pot.relative_to(built)
            if rel == Path("sphinx.pot"):  # the theme's own strings: the theme translates them
                continue
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(pot, out / rel)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _OutputStrings(HTMLParser):
    """Collect the figure strings of a built page's cell outputs, in order.

    Inside ``div.cell_output``: every image's ``alt``, every ``figcaption`` and every
    slider control's ``label``.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._stack: list[bool] = []  # one flag per open div: is it a cell output?
        self._text: list[str] | None = None

    @property
    def _inside(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "div":
            self._stack.append("cell_output" in (a.get("class") or "").split())
        elif self._inside and tag == "img" and (a.get("alt") or "").strip():
            self.found.append(a["alt"].strip())
        elif self._inside and tag in ("figcaption", "label"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._stack:
            self._stack.pop()
        elif tag in ("figcaption", "label") and self._text is not None:
            text = "".join(self._text).strip()
            if text:
                self.found.append(text)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def figure_strings(page_html: str) -> list[str]:
    """Return the distinct figure strings of a built English page, in order."""
    parser = _OutputStrings()
    parser.feed(page_html)
    return list(dict.fromkeys(parser.found))


def extract_figures(site: Path, docnames: Iterable[str], out: Path) -> Path:
    """Write ``out/figures/<docname>.pot`` from the built English site ``site``.

    Pages without figure strings get no catalogue. Returns ``out / "figures"``.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    target = out / FIGURES
    if target.exists():
        shutil.rmtree(target)
    for doc in docnames:
        page = site / f"{doc}.html"
        if not page.is_file():
            raise FileNotFoundError(f"site: no built page {page}; build the English edition first")
        strings = figure_strings(page.read_text(encoding="utf-8"))
        if not strings:
            continue
        catalog = Catalog(project="lossviz", fuzzy=False)
        for s in strings:
            catalog.add(s, locations=[(f"{doc} (figure)", 0)])
        path = target / f"{doc}.pot"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            write_po(f, catalog, width=79, omit_header=False)
    return target


def toc_docnames(root: Path = ROOT) -> list[str]:
    """Every document of ``_toc.yml``, root first."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                found.append(entry["file"])
            for key in ("sections", "chapters", "parts"):
                walk(entry.get(key, []))

    walk(toc.get("chapters", []) + toc.get("parts", []))
    return found


def update(site: Path | None, locales: Path = LOCALES, root: Path = ROOT) -> list[Path]:
    """Refresh the catalogues from the English source with ``sphinx-intl update``.

    New messages arrive untranslated, changed ones fuzzy; translations of unchanged
    messages stay. The figure catalogues are refreshed too when ``site``, a built English
    site, is given. Returns the ``.pot`` templates used.
    """
    with tempfile.TemporaryDirectory(prefix="lossviz-pot-") as tmp:
        pots = Path(tmp)
        extract_prose(pots, root)
        if site is not None:
            extract_figures(site, toc_docnames(root), pots)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "sphinx_intl",
                "update",
                "-p",
                str(pots),
                "-d",
                str(locales),
                "-l",
                LANGUAGE,
                "-w",
                "0",
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError("sphinx-intl update failed:\n" + proc.stdout + proc.stderr)
        return sorted(p.relative_to(pots) for p in pots.rglob("*.pot"))


# --------------------------------------------------------------------- the catalogues
def read_catalogue(path: Path) -> Any:
    """Read one ``.po`` or ``.pot`` file with Babel."""
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f, abort_invalid=True)


def translations(path: Path) -> dict[str, str]:
    """Return the finished translations of a catalogue (msgid to msgstr, no fuzzy ones)."""
    if not path.is_file():
        return {}
    return {m.id: m.string for m in read_catalogue(path) if m.id and m.string and not m.fuzzy}


def page_status(path: Path) -> dict[str, Any]:
    """Messages, English words and what is left to do in one catalogue."""
    cat = read_catalogue(path)
    messages = [m for m in cat if m.id]
    return {
        "messages": len(messages),
        "words": sum(
            len(re.findall(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*", m.id)) for m in messages
        ),
        "untranslated": sum(1 for m in messages if not m.string),
        "fuzzy": sum(1 for m in messages if m.fuzzy),
    }


def _replace_outputs(text: str, table: dict[str, str]) -> str:
    """Translate the figure strings of one raw HTML output with ``table``."""

    def attr(m: re.Match) -> str:
        new = table.get(html.unescape(m.group(2)).strip())
        return m.group(0) if new is None else f'{m.group(1)}"{html.escape(new)}"'

    def element(m: re.Match) -> str:
        new = table.get(html.unescape(m.group(2)).strip())
        return m.group(0) if new is None else m.group(1) + html.escape(new) + m.group(3)

    text = re.sub(r'(<img\b[^>]*?\balt=)"([^"]*)"', attr, text)
    return re.sub(r"(<(?:figcaption|label)\b[^>]*>)([^<]*)(</(?:figcaption|label)>)", element, text)


def translate_outputs(doctree: Any, table: dict[str, str]) -> int:
    """Translate the figure strings of a page's cell outputs in place; return how many.

    ``table`` maps English strings to their translation (see `translations`); strings
    it lacks stay English.
    """
    from docutils import nodes

    done = 0
    if not table:
        return done
    for node in doctree.findall(nodes.image):
        new = table.get(node.get("alt", "").strip())
        if new is not None:
            node["alt"] = new
            done += 1
    for node in doctree.findall(nodes.raw):
        if "html" not in node.get("format", "").split():
            continue
        old = node.astext()
        new = _replace_outputs(old, table)
        if new != old:
            node.replace_self(
                nodes.raw(
                    node.rawsource, new, format=node["format"], classes=node.get("classes", [])
                )
            )
            done += 1
    return done


# --------------------------------------------------------------------- the build
def build_pdf(
    out: Path = ROOT,
    editions: Sequence[str] = EDITIONS,
    *,
    root: Path = ROOT,
) -> dict[str, Any]:
    """Print each edition to a PDF (xelatex): see `PDF_PATHS` for where they go.

    The notebooks' outputs come from the jupyter-cache of `build`
    (``out/_build/.jupyter_cache``), which is not emptied: after a `build`, no notebook
    runs again; without one, the first PDF executes them into the cache and the others
    (and a later `build` with ``pdf=True``) reuse it. The Chinese PDF is the Chinese
    edition's configuration (`edition_config`) with the LaTeX builder: its prose and
    slider captions come from the catalogues, its headings from ``_ext/pdf_book.py``.

    Parameters
    ----------
    out : Path
        The PDFs go to ``out/_build`` (see `pdf_path`).
    editions : sequence of {"en", "zh"}
        The editions to print.
    root : Path
        The repository root.

    Returns
    -------
    dict
        ``pdf`` (the PDF per edition), ``latex`` (the LaTeX folder, with ``book.tex`` and
        ``book.log``, per edition), ``log``, ``returncode`` (0 if every PDF built) and
        ``seconds`` per edition.
    """
    unknown = [e for e in editions if e not in EDITIONS]
    if unknown or not editions:
        raise ValueError(f"editions: expected some of {EDITIONS}, got {list(editions)}")
    cache = out / "_build" / ".jupyter_cache"
    result: dict[str, Any] = {"pdf": {}, "latex": {}, "log": "", "returncode": 0, "seconds": {}}
    for edition in [e for e in EDITIONS if e in editions]:
        start = time.perf_counter()
        target = pdf_path(out, edition)
        # a folder of its own, doctrees included: the LaTeX build's doctrees are not
        # the website's (sphinx-jupyterbook-latex rearranges the root page's)
        work = out / "_build" / f".edition-{edition}-pdf"
        config = edition_config(None if edition == "en" else LANGUAGE, cache=cache, root=root)
        latex = work / "_build" / "latex"
        built = latex / "book.pdf"
        for stale in (target, built):  # no stale PDF if this build fails
            stale.unlink(missing_ok=True)
        proc = _jupyter_book(
            [str(root), "--path-output", str(work), "--builder", "pdflatex"], config, work
        )
        if built.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, target)
        returncode = proc.returncode or (0 if target.is_file() else 1)
        result["pdf"][edition] = target
        result["latex"][edition] = latex
        result["seconds"][edition] = round(time.perf_counter() - start, 1)
        result["log"] += f"\n===== {edition} PDF =====\n" + proc.stdout + proc.stderr
        result["returncode"] = result["returncode"] or returncode
    return result


def build(
    out: Path = ROOT,
    editions: Sequence[str] = EDITIONS,
    *,
    strict: bool = False,
    pdf: bool = False,
    root: Path = ROOT,
) -> dict[str, Any]:
    """Build the English edition into ``out/_build/html`` and the Chinese one into its ``zh/``.

    Every notebook runs once: the English build executes into a jupyter-cache that is
    emptied first (the cache is keyed on the notebooks' code, so a change in ``lossviz``
    would not refresh it), and the Chinese build reads its outputs from the same cache.

    Parameters
    ----------
    out : Path
        The site goes to ``out/_build/html``.
    editions : sequence of {"en", "zh"}
        Build one edition alone while writing, or both (then pages link to each other).
    strict : bool
        Warnings as errors (``-W -n --keep-going``), as the tests build.
    pdf : bool
        Print the editions' PDFs first (`build_pdf`, which then executes the notebooks
        into the cache); each site then links its own PDF from every page's download
        menu. Without it, a site links the PDF already at `pdf_path`, if there is one.
    root : Path
        The repository root.

    Returns
    -------
    dict
        ``html`` (the site), ``log``, ``returncode`` (0 if every edition built) and
        ``seconds`` per edition (``pdf-en``, ``pdf-zh`` for the PDFs).
    """
    unknown = [e for e in editions if e not in EDITIONS]
    if unknown or not editions:
        raise ValueError(f"editions: expected some of {EDITIONS}, got {list(editions)}")
    both = set(editions) == set(EDITIONS)
    html_dir = out / "_build" / "html"
    cache = out / "_build" / ".jupyter_cache"
    shutil.rmtree(cache, ignore_errors=True)
    flags = ["-W", "-n", "--keep-going"] if strict else []
    result: dict[str, Any] = {"html": html_dir, "log": "", "returncode": 0, "seconds": {}}
    if pdf:
        printed = build_pdf(out, editions, root=root)
        result["log"] += printed["log"]
        result["returncode"] = printed["returncode"]
        result["seconds"].update({f"pdf-{e}": s for e, s in printed["seconds"].items()})
    for edition in [e for e in EDITIONS if e in editions]:
        start = time.perf_counter()
        if edition == "en":
            work = out / "_build" / ".edition-en"
            proc = _jupyter_book(
                [str(root), "--path-output", str(out), *flags],
                edition_config(None, cache=cache, editions=both, root=root),
                work,
            )
        else:
            work = out / "_build" / ".edition-zh"
            shutil.rmtree(work / "_build", ignore_errors=True)
            proc = _jupyter_book(
                [str(root), "--path-output", str(work), *flags],
                edition_config(
                    LANGUAGE, cache=cache, editions=both, pdf=pdf_path(out, "zh"), root=root
                ),
                work,
            )
            built = work / "_build" / "html"
            if built.is_dir():
                shutil.rmtree(html_dir / SUBDIR, ignore_errors=True)
                html_dir.mkdir(parents=True, exist_ok=True)
                shutil.move(str(built), str(html_dir / SUBDIR))
        result["seconds"][edition] = round(time.perf_counter() - start, 1)
        result["log"] += f"\n===== {edition} edition =====\n" + proc.stdout + proc.stderr
        result["returncode"] = result["returncode"] or proc.returncode
    return result


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lossviz.i18n",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build both editions (or one) into _build/html")
    b.add_argument("--only", choices=EDITIONS, help="build one edition alone")
    b.add_argument("--out", type=Path, default=ROOT, help="the site goes to OUT/_build/html")
    b.add_argument("--strict", action="store_true", help="warnings as errors, as the tests")
    b.add_argument(
        "--pdf", action="store_true", help="print the PDFs first; the sites then link them"
    )
    p = sub.add_parser("pdf", help="print the PDFs (English _build/latex, Chinese _build/zh/latex)")
    p.add_argument("--only", choices=EDITIONS, help="print one edition alone")
    p.add_argument("--out", type=Path, default=ROOT, help="the PDFs go to OUT/_build")
    u = sub.add_parser("update", help="refresh the catalogues from the English source")
    u.add_argument(
        "--site",
        type=Path,
        default=ROOT / "_build" / "html",
        help="built English site to take figure strings from (default: %(default)s)",
    )
    u.add_argument("--no-figures", action="store_true", help="prose catalogues only")
    sub.add_parser("stats", help="messages, words and what is left per page")
    args = parser.parse_args(argv)

    if args.command == "pdf":
        res = build_pdf(args.out, [args.only] if args.only else EDITIONS)
        if res["returncode"]:
            print(res["log"][-6000:], file=sys.stderr)
        for edition, path in res["pdf"].items():
            print(f"{edition}: {path} ({res['seconds'][edition]:.0f} s)")
        return res["returncode"]
    if args.command == "build":
        res = build(
            args.out, [args.only] if args.only else EDITIONS, strict=args.strict, pdf=args.pdf
        )
        if res["returncode"]:
            print(res["log"][-6000:], file=sys.stderr)
        times = ", ".join(f"{e} {s:.0f} s" for e, s in res["seconds"].items())
        print(f"built {res['html']} ({times}); returncode {res['returncode']}")
        return res["returncode"]
    if args.command == "update":
        site = None
        if not args.no_figures:
            if (args.site / f"{toc_docnames()[0]}.html").is_file():
                site = args.site
            else:
                print(
                    f"figures: no built English site at {args.site}; figure catalogues left "
                    "as they are (run `python -m lossviz.i18n build --only en` first)"
                )
        for pot in update(site):
            print("updated", catalogue_dir() / pot.with_suffix(".po"))
        return 0
    total = {"messages": 0, "words": 0, "untranslated": 0, "fuzzy": 0}
    print(f"{'catalogue':52} {'msgs':>5} {'words':>6} {'todo':>5} {'fuzzy':>5}")
    for po in sorted(catalogue_dir().rglob("*.po")):
        s = page_status(po)
        for k in total:
            total[k] += s[k]
        name = str(po.relative_to(catalogue_dir()))
        print(f"{name:52} {s['messages']:5} {s['words']:6} {s['untranslated']:5} {s['fuzzy']:5}")
    print(
        f"{'total':52} {total['messages']:5} {total['words']:6} {total['untranslated']:5} "
        f"{total['fuzzy']:5}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
