"""The losses' docstrings: every parameter documented, in the order of the signature.

The Part I losses declare their parameters to ``_docs.loss_doc`` apart from their
signature, so the two could drift apart; these tests catch it for every loss.
"""

from __future__ import annotations

import doctest
import inspect

import pytest

from lossviz import losses
from lossviz.losses._docs import loss_doc, sections


def _documented_parameters(doc: str) -> list[str]:
    """Names of the entries of the Parameters section (``a, b : type`` counts as two)."""
    body = inspect.cleandoc(doc).split("Parameters\n----------\n", 1)[1]
    names = []
    for line in body.split("\n\n", 1)[0].splitlines():
        if line and not line.startswith(" "):
            names += [name.strip() for name in line.split(" : ")[0].split(",")]
    return names


@pytest.mark.parametrize("loss", losses.catalogue(), ids=lambda loss: loss.name)
def test_the_parameters_section_lists_the_signature_in_order(loss):
    assert _documented_parameters(loss.__doc__) == list(inspect.signature(loss).parameters)


def test_sections_write_the_standard_entries_and_the_given_ones():
    text = sections(
        {"input": ("array_like", "Scores.")},
        value_errors="shape mismatch",
        per="pair",
        type_errors="strings",
    )
    lines = text.splitlines()
    assert lines[:4] == ["Parameters", "----------", "input : array_like", "    Scores."]
    assert "    How per-pair losses are combined." in lines
    assert '    The reduced loss, or per-pair losses for ``reduction="none"``.' in lines
    assert lines[-4:] == ["TypeError", "    For strings.", "ValueError", "    For shape mismatch."]


def test_a_long_description_wraps_but_never_inside_math_or_a_literal():
    text = "word " * 12 + r":math:`a + b + c + d + e` and ``x if y else z`` " + "word " * 12
    lines = sections({"x": ("float", text)}, value_errors="bad x").splitlines()
    start = lines.index("x : float") + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("reduction : "))
    entry = lines[start:end]
    assert len(entry) > 1
    assert all(len(line) <= 88 for line in entry)
    for span in (":math:`a + b + c + d + e`", "``x if y else z``"):
        assert any(span in line for line in entry), span


def test_loss_doc_inserts_the_sections_after_the_summary_and_keeps_the_examples():
    @loss_doc({"x": ("float", "A number.")}, value_errors="NaN")
    def core(want, x, *, reduction="mean"):
        """Twice x.

        Notes
        -----
        Nothing.

        Examples
        --------
        >>> 2 * 3
        6

        """

    doc = core.__doc__
    assert doc.startswith("Twice x.\n\n    Parameters\n    ----------\n    x : float\n")
    assert doc.index("Raises") < doc.index("Notes") < doc.index("Examples")
    (test,) = doctest.DocTestFinder().find(core, "core")
    assert doctest.DocTestRunner().run(test).failed == 0 and len(test.examples) == 1
