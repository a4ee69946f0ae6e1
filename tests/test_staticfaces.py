"""The book build gets slider figures' static face, a reader's Jupyter the live one.

A small Sphinx project with myst-nb and ``_ext/staticfaces.py`` (as in ``_config.yml``)
executes a notebook holding one slider figure: the page must carry the static HTML slider
and no widget view. The same notebook run by nbclient without the variable (as Jupyter
runs it) must carry the widget view and the offline note, and no frames.
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

FIGURE = """
import matplotlib.pyplot as plt
import numpy as np
from lossviz.widgets import FloatSlider, SliderFigure


def slope_figure(x):
    fig, ax = plt.subplots(figsize=(3, 2))
    (line,) = ax.plot(x, x)
    ax.set_ylim(0, 2)

    def update(w):
        line.set_ydata(w * x)

    return SliderFigure(fig, update, [FloatSlider("w", 0.0, 2.0, 0.5, 1.0)], alt="a line")


slope_figure(np.linspace(0, 1, 10))
"""


def notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# Slider"), nbformat.v4.new_code_cell(FIGURE)]
    return nb


def test_the_book_build_executes_notebooks_for_the_static_face(tmp_path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(notebook(), src / "index.ipynb")
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'staticfaces']\n"
        "nb_execution_mode = 'force'\n"
        "nb_execution_raise_on_error = True\n"
        "nb_mime_priority_overrides = [('html', 'text/html', 0)]\n"
        "nb_ipywidgets_js = {}\n"
        "exclude_patterns = ['_build']\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "LOSSVIZ_FACE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert 'class="lossviz-slider"' in page and 'data-frames="5"' in page
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert "lossviz-offline" not in page, "the website shows the kernel note"


def test_jupyter_without_the_variable_gets_the_live_face(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("LOSSVIZ_FACE", raising=False)
    nb = notebook()
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = nb.cells[1].outputs
    assert len(outputs) == 2, [o.get("data", {}).keys() for o in outputs]
    assert "application/vnd.jupyter.widget-view+json" in outputs[0].data
    assert "text/html" not in outputs[0].data, "the live face carries static frames"
    assert "lossviz-offline" in outputs[1].data["text/html"]
