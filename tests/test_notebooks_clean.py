"""Notebooks in book/ are stored without outputs, so the build and nbval are what run them."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ROOT

NOTEBOOKS = sorted(
    p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "book/ holds no notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert dirty == [], f"{path.name}: code cells {dirty} carry outputs or execution counts"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name}: stored widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_python_kernel(path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_installs_lossviz_when_opened_alone(path) -> None:
    """The first code cell installs lossviz from the repository named in _config.yml.

    Opened in Colab or Binder or downloaded alone, a notebook has no repository beside
    it; this cell installs the package there, does nothing where lossviz is importable,
    and is removed from the website.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert 'find_spec("lossviz") is None' in source, f"{path.name}: no install cell first"
    assert f'"lossviz @ git+{repo["url"]}@{repo["branch"]}"' in source, (
        f"{path.name}: the install cell does not use _config.yml's repository url and branch"
    )
    assert "remove-cell" in first["metadata"].get("tags", []), (
        f"{path.name}: the install cell shows on the website"
    )
