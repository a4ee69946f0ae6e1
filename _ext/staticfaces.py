"""The website shows slider figures' static face: the build asks the notebooks for it.

``lossviz.widgets.SliderFigure`` displays a live ipywidgets view unless the environment
variable ``LOSSVIZ_FACE`` is ``static``; then it renders the frames of the self-contained
HTML slider the website needs. myst-nb runs each notebook in a kernel started from this
process, and kernels inherit its environment, so setting the variable here, when Sphinx
loads its extensions, reaches every notebook the build executes (and nothing else: a
reader's own Jupyter never sees it). To get the static face from nbconvert, set it
yourself: ``LOSSVIZ_FACE=static jupyter nbconvert --execute --to html book/01_*.ipynb``.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

#: The variable lossviz.widgets reads (``lossviz.widgets.FACE_VARIABLE``).
VARIABLE = "LOSSVIZ_FACE"


def setup(app: Sphinx) -> dict[str, object]:
    """Ask every notebook the build executes for the static face of its slider figures."""
    os.environ[VARIABLE] = "static"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
