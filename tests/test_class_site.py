"""The class website (``python -m lossviz.classroom class-site``) holds no solution.

One build of the whole site (every notebook runs: minutes), then every file of it is
searched for what the instructor's book keeps from students: the code between
``### BEGIN SOLUTION`` and ``### END SOLUTION``, the text of the ``{solution}``
dropdowns, and the text of the cells tagged ``instructor-only``. The same search finds
the exercises' task texts and check cells on the site, which shows that it can find
text as the site renders it. The download button of each chapter must serve its
student notebook.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, toc_files

from lossviz.classroom.__main__ import main as cli
from lossviz.classroom.site import class_site_config, tag_for_build
from lossviz.classroom.student import INSTRUCTOR_ONLY, find_leaks, student_notebook

_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
_SOLUTION = re.compile(r"^(?P<fence>:{3,}|`{3,})\{solution\}.*?^(?P=fence)[ \t]*$", re.M | re.S)
_EXERCISE = re.compile(r"^(?P<fence>:{3,}|`{3,})\{exercise\}.*?^(?P=fence)[ \t]*$", re.M | re.S)


def _words(text: str) -> str:
    """Lower-case words and numbers only: compares Markdown with its rendered HTML."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _fragments(markdown: str) -> list[str]:
    """Runs of at least six plain words of a Markdown text (math, code and roles dropped)."""
    text = re.sub(r"^\s*[:`]{3,}.*$|^:[a-z-]+:.*$", "|", markdown, flags=re.M)  # fences, options
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\{[a-z:]+\}", "|", text, flags=re.S)
    parts = (_words(p) for p in re.split(r"[|.;:,()!?\n]", text))
    return [p for p in parts if len(p.split()) >= 6]


def _code(line: str) -> str:
    return " ".join(line.split())


def _book_texts() -> dict[str, list[str]]:
    """What the site must not show (solution code, worked answers) and what it must show.

    ``code``: lines of solution regions and instructor-only cells; ``prose``: runs of
    words of the ``{solution}`` dropdowns. A line or phrase that the book also shows
    outside its solutions is no secret and is left out. ``tasks``: runs of words of the
    exercise tasks; ``checks``: the check cells' code.
    """
    secret_code, secret_prose, tasks, checks = [], [], [], []
    public_code, public_prose = [], []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            src = cell.source
            if INSTRUCTOR_ONLY in cell.metadata.get("tags", []):
                secret_code += src.splitlines()
                continue
            for m in _REGION.finditer(src):
                secret_code += m.group(1).splitlines()
            for m in _SOLUTION.finditer(src):
                secret_prose += _fragments(m.group(0))
            for m in _EXERCISE.finditer(src):
                tasks += _fragments(m.group(0))
            nbg = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and nbg.get("grade") and nbg.get("locked"):
                checks.append(_code(src))
            public = _SOLUTION.sub("", _REGION.sub("", src))
            if cell.cell_type == "code":
                public_code += public.splitlines()
            else:
                public_prose += _fragments(public)
    shown = "\n".join(_code(line) for line in public_code)
    words = "\n".join(public_prose)
    return {
        "code": sorted({_code(s) for s in secret_code if _code(s) and _code(s) not in shown}),
        "prose": sorted({f for f in secret_prose if f not in words}),
        "tasks": sorted(set(tasks)),
        "checks": sorted(set(checks)),
    }


def _site_text(site: Path) -> dict[str, str]:
    """Every text file of the site as a reader meets it: HTML without tags, notebooks' cells."""
    texts = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(site))
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            texts[rel] = "\n".join(c.source for c in nb.cells)
        elif path.suffix in {".html", ".js", ".txt", ".md", ".json"}:
            raw = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".html":
                raw = html.unescape(re.sub(r"<[^>]+>", "", raw))
            texts[rel] = raw
    return texts


@pytest.mark.slow
def test_class_site_has_no_solution_and_serves_student_notebooks(tmp_path) -> None:
    out = tmp_path / "class-site"
    assert cli(["class-site", str(out), "--root", str(ROOT)]) == 0
    texts = _site_text(out)
    assert "index.html" in texts
    code_text = {rel: "\n".join(_code(line) for line in t.splitlines()) for rel, t in texts.items()}
    word_text = {rel: _words(t) for rel, t in texts.items()}
    book = _book_texts()
    assert len(book["code"]) > 50 and len(book["prose"]) > 50, "too few solution texts found"

    # The search finds what the site shows as it renders it ...
    everything_words = "\n".join(word_text.values())
    everything_code = "\n".join(code_text.values())
    missing_tasks = [f for f in book["tasks"] if f not in everything_words]
    assert len(missing_tasks) <= len(book["tasks"]) // 10, missing_tasks[:5]
    assert all(c in everything_code for c in book["checks"]), "a check cell is not on the site"
    # ... and none of what it must not show.
    for rel in texts:
        code = [line for line in book["code"] if line in code_text[rel]]
        prose = [f for f in book["prose"] if f in word_text[rel]]
        assert code == [], f"{rel} shows solution code: {code[:5]}"
        assert prose == [], f"{rel} shows worked answers: {prose[:5]}"

    # Every chapter's download button serves its student notebook.
    for doc in toc_files():
        src = ROOT / f"{doc}.ipynb"
        if not src.is_file():
            continue
        page = (out / f"{doc}.html").read_text(encoding="utf-8")
        links = set(re.findall(r'href="([^"]*_sources/[^"]*\.ipynb)"', page))
        assert links, f"{doc}.html has no notebook download link"
        for link in links:
            served = (out / doc).parent / link
            nb = nbformat.read(served.resolve(), as_version=4)
            assert find_leaks(nb) == [], (doc, find_leaks(nb))
            assert not [c for c in nb.cells if INSTRUCTOR_ONLY in c.metadata.get("tags", [])]
            if any("nbgrader" in c.metadata for c in nb.cells):
                assert "raise NotImplementedError()" in "\n".join(c.source for c in nb.cells)
            # exactly the notebook that `student-version` hands out
            handed_out = student_notebook(nbformat.read(src, as_version=4))
            assert [(c.source, c.metadata) for c in nb.cells] == [
                (c.source, c.metadata) for c in handed_out.cells
            ], f"{doc}: the download differs from the student version"


def test_class_site_config_hides_solutions_and_buttons_to_the_repository() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    overlay = class_site_config(config)
    assert overlay["sphinx"]["config"]["hide_solutions"] is True
    assert overlay["html"]["use_repository_button"] is False
    assert overlay["html"]["use_download_button"] is True
    assert not overlay["launch_buttons"]["binderhub_url"]
    assert not overlay["launch_buttons"]["colab_url"]
    # Everything else is the book's own configuration, which is left unchanged.
    assert overlay["sphinx"]["extra_extensions"] == config["sphinx"]["extra_extensions"]
    assert "hide_solutions" not in config["sphinx"]["config"]


def test_only_nbgrader_code_cells_may_raise_in_the_class_site_build() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell(
                "def f():\n    raise NotImplementedError()",
                metadata={"nbgrader": {"solution": True, "grade": False}, "tags": ["hide-input"]},
            ),
            nbformat.v4.new_code_cell("check(f)", metadata={"nbgrader": {"grade": True}}),
            nbformat.v4.new_markdown_cell("YOUR ANSWER HERE", metadata={"nbgrader": {}}),
        ]
    )
    tag_for_build(nb)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags == [
        [],
        ["hide-input", "raises-exception", "remove-output"],
        ["raises-exception", "remove-output"],
        [],
    ]


def test_class_site_refuses_an_output_folder_inside_the_book(capsys) -> None:
    assert cli(["class-site", str(ROOT / "book" / "site"), "--root", str(ROOT)]) == 2
    assert "lies inside" in capsys.readouterr().err


def test_the_search_finds_solutions_in_the_instructor_notebooks() -> None:
    """The check above can fail: run on the instructor's notebooks, it finds their solutions."""
    book = _book_texts()
    texts = _site_text(ROOT / "book")
    for path in sorted((ROOT / "book").glob("0*.ipynb")):
        text = texts[path.name]
        code = "\n".join(_code(line) for line in text.splitlines())
        assert any(line in code for line in book["code"]), path.name
        assert any(f in _words(text) for f in book["prose"]), path.name
