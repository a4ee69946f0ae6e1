"""The intro's map of the book agrees with ``_toc.yml``, and the table of contents has its parts.

The map in ``book/intro.md`` lists every numbered chapter: a finished chapter as a
``{doc}`` link, a planned one by its title followed by "(in preparation)". When a chapter
lands (its notebook and its ``_toc.yml`` entry), these tests fail until the map links it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, toc_files

#: The planned chapters of the book, and the part each belongs to.
PLANNED = {
    1: "Part I",
    2: "Part I",
    3: "Part I",
    4: "Part I",
    5: "Part I",
    6: "Part II",
    7: "Part II",
    8: "Part II",
    9: "Part II",
    10: "Part II",
}
ITEM = re.compile(r"^(\d+)\.\s+\*\*(.+?)\*\*(.*)$")
DOC = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`<>]+?)>?`")
NUMBERED = re.compile(r"^book/(\d\d)_")


def load_toc(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))


def map_of_the_book(root: Path = ROOT) -> dict[str, list[str]]:
    """The map's lines, by its sub-heading (``### Part I: ...``, ``### Appendix``)."""
    text = (root / "book" / "intro.md").read_text(encoding="utf-8")
    start = text.index("## Map of the book")
    end = text.find("\n## ", start + 1)
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in text[start : end if end >= 0 else None].splitlines()[1:]:
        if line.startswith("### "):
            current = line[4:].strip()
            sections[current] = []
        else:
            sections[current].append(line)
    return sections


def map_entries(sections: dict[str, list[str]]) -> list[dict]:
    """Each numbered item of the map: its number, heading, linked doc and status."""
    entries = []
    for heading, lines in sections.items():
        for line in lines:
            match = ITEM.match(line.strip())
            if match:
                number, title, rest = int(match[1]), match[2], match[3]
                doc = DOC.search(title)
                entries.append(
                    {
                        "number": number,
                        "heading": heading,
                        "title": title,
                        "doc": f"book/{doc[1]}" if doc else None,
                        "in_preparation": rest.lstrip().startswith("(in preparation)"),
                    }
                )
    return entries


def numbered_chapters(files: list[str]) -> dict[int, str]:
    return {int(m[1]): f for f in files if (m := NUMBERED.match(f))}


def test_the_map_numbers_every_planned_chapter_once() -> None:
    numbers = [e["number"] for e in map_entries(map_of_the_book())]
    assert numbers == sorted(PLANNED), (
        f"book/intro.md's map numbers its chapters {numbers}; expected {sorted(PLANNED)}"
    )


def test_every_entry_is_either_linked_or_in_preparation() -> None:
    for entry in map_entries(map_of_the_book()):
        assert (entry["doc"] is None) == entry["in_preparation"], (
            f"map entry {entry['number']} ({entry['title']!r}) must either link its chapter "
            "with {doc} or be marked '(in preparation)' right after its bold title"
        )


def test_chapters_marked_in_preparation_do_not_exist_yet() -> None:
    listed = numbered_chapters(toc_files())
    on_disk = {int(p.name[:2]): p.name for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb")}
    for entry in map_entries(map_of_the_book()):
        n = entry["number"]
        if entry["in_preparation"]:
            assert n not in listed and n not in on_disk, (
                f"chapter {n} exists ({listed.get(n) or on_disk[n]}) but book/intro.md still "
                f"marks it '(in preparation)': link it there as **{{doc}}`...`**"
            )


def test_every_chapter_in_the_toc_is_linked_from_the_map_under_its_number() -> None:
    linked = {e["doc"]: e["number"] for e in map_entries(map_of_the_book()) if e["doc"]}
    for n, chapter in numbered_chapters(toc_files()).items():
        assert chapter in linked, f"{chapter} is in _toc.yml but missing from the intro's map"
        assert linked[chapter] == n, f"{chapter} is number {linked[chapter]} in the map"
    for doc in linked:
        assert doc in toc_files(), f"the intro's map links {doc}, which _toc.yml does not list"


def test_every_page_is_named_in_the_map() -> None:
    text = "\n".join("\n".join(lines) for lines in map_of_the_book().values())
    named = {f"book/{d}" for d in DOC.findall(text)}
    missing = [f for f in toc_files()[1:] if f not in named]
    assert missing == [], f"pages in _toc.yml that the intro's map does not mention: {missing}"


def test_toc_parts_follow_the_plan() -> None:
    toc = load_toc()
    assert "chapters" not in toc, "_toc.yml lists chapters outside its parts"
    captions = [part["caption"] for part in toc["parts"]]
    assert captions[0].startswith("Part I:") and captions[-1] == "Appendix", captions
    assert len(captions) in (2, 3) and (len(captions) == 2 or captions[1].startswith("Part II:"))
    for part in toc["parts"]:
        files = [c["file"] for c in part["chapters"]]
        name = part["caption"].split(":")[0]
        for n, chapter in numbered_chapters(files).items():
            assert PLANNED.get(n) == name, f"{chapter} is in {name!r}, planned for {PLANNED.get(n)}"
        if name == "Appendix":
            assert numbered_chapters(files) == {}, "a numbered chapter sits in the appendix"
            assert files[-1] == "book/execution_status", "the execution status must come last"
    expected = {n for n, part in PLANNED.items() if part == "Part I"}
    assert set(numbered_chapters([c["file"] for c in toc["parts"][0]["chapters"]])) == expected


@pytest.mark.parametrize("part", ["Part I", "Part II"])
def test_map_headings_match_the_toc_captions(part: str) -> None:
    """The map's sub-heading of a part is its caption in _toc.yml, once the part exists."""
    sections = map_of_the_book()
    heading = next((h for h in sections if h.split(":")[0] == part), None)
    assert heading is not None, f"the intro's map has no '### {part}: ...' heading"
    captions = [p["caption"] for p in load_toc()["parts"]]
    if part == "Part I" or any(c.split(":")[0] == part for c in captions):
        assert heading in captions, f"map heading {heading!r} is not a caption of _toc.yml"


def test_map_lists_each_chapter_under_its_part() -> None:
    for entry in map_entries(map_of_the_book()):
        assert PLANNED[entry["number"]] == entry["heading"].split(":")[0], (
            f"chapter {entry['number']} sits under {entry['heading']!r} in the map"
        )


def test_the_site_root_gets_a_favicon_ico() -> None:
    """The root redirect page links no icon, so the build writes /favicon.ico for it."""
    import struct
    import sys

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"].get("site_favicon") == "_ext"
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from site_favicon import SIZES, ico_bytes
    finally:
        sys.path.remove(str(ROOT / "_ext"))
    data = ico_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(SIZES))
    for i, size in enumerate(SIZES):
        width, height, *_, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert (width, height) == (size, size)
        png = data[offset : offset + length]
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) == length
        assert struct.unpack(">II", png[16:24]) == (size, size)  # the IHDR's width, height
