"""Run All, then move every slider: every notebook in book/, in a fresh kernel.

Each notebook runs top to bottom with nbclient, live face (no ``LOSSVIZ_FACE``). Then,
in the same kernel, a probe cell drives every ``SliderFigure`` the notebook displayed
(``lossviz.widgets.displayed()``) through its live controls: every control, to its first,
middle and last value. Each step must raise nothing, move the picture, leave the slider
where it was put and change no other figure: an ``update`` that reads a notebook global
which a later cell rebound fails one of these.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted(
    p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
MARK = "LOSSVIZ-RUNALL-REPORT "

PROBE = r"""
import gc as _gc
import json as _json

import matplotlib.figure as _mfig

from lossviz.widgets import Choice as _Choice
from lossviz.widgets import IntSlider as _IntSlider
from lossviz.widgets import displayed as _displayed


def _probe_values(s):
    if isinstance(s, _Choice):
        return [s.options[0], s.options[len(s.options) // 2], s.options[-1]]
    steps = int(round((s.max - s.min) / s.step))
    if isinstance(s, _IntSlider):
        return [s.min, s.min + (steps // 2) * s.step, s.min + steps * s.step]
    return [s.min, round(s.min + (steps // 2) * s.step, 12), s.max]


_report = {"figures": [], "steps": []}
for _n, _sf in enumerate(_displayed()):
    _report["figures"].append(_sf.alt[:70])
    _figures = [o for o in _gc.get_objects() if isinstance(o, _mfig.Figure)]
    for _s in _sf.sliders:
        _control = _sf.controls[_s.name]
        for _v in _probe_values(_s):
            if _control.value == _v:
                continue
            for _f in _figures:
                _f.stale = False
            _before = _sf.image.value
            try:
                _control.value = _v
                _error = _sf.last_error
            except Exception as _exc:  # the widget machinery itself failed
                _error = f"{type(_exc).__name__}: {_exc}"
            _report["steps"].append({
                "figure": _n, "slider": _s.name, "value": repr(_v), "error": _error,
                "changed": _sf.image.value != _before,
                "stayed": _control.value == _v,
                "others": sum(1 for _f in _figures if _f is not _sf.fig and _f.stale),
            })
print("LOSSVIZ-RUNALL-REPORT " + _json.dumps(_report))
"""


def run_all_and_probe(path) -> dict:
    """Execute ``path`` and the probe in one fresh kernel; return the probe's report."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    line = next((x for x in text.splitlines() if x.startswith(MARK)), None)
    assert line is not None, f"{path.name}: the probe printed no report: {text[-500:]!r}"
    return json.loads(line[len(MARK) :])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_run_all_then_every_slider_moves(path, monkeypatch) -> None:
    monkeypatch.delenv("LOSSVIZ_FACE", raising=False)  # the live face, as a reader gets it
    report = run_all_and_probe(path)
    steps = report["steps"]
    for n, alt in enumerate(report["figures"]):
        assert any(s["figure"] == n for s in steps), f"figure {n} ({alt}...) was never moved"
    bad = [
        f"figure {s['figure']} ({report['figures'][s['figure']]}...), {s['slider']} = "
        f"{s['value']}: "
        + "; ".join(
            filter(
                None,
                [
                    s["error"],
                    None if s["changed"] else "the picture did not change",
                    None if s["stayed"] else "the slider jumped back",
                    f"{s['others']} other figure(s) changed" if s["others"] else None,
                ],
            )
        )
        for s in steps
        if s["error"] or not s["changed"] or not s["stayed"] or s["others"]
    ]
    assert bad == [], f"{path.name}:\n" + "\n".join(bad)
