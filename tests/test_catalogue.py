"""The generated appendix catalogue: every registry entry has what the page shows."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossviz import appendix as cat  # noqa: E402
from lossviz import losses  # noqa: E402
from lossviz.losses import REGISTRY, TASKS  # noqa: E402

ENTRIES = losses.catalogue()
IDS = [loss.name for loss in ENTRIES]


def test_catalogue_lists_every_registry_entry_once():
    assert {id(loss) for loss in REGISTRY.values()} == {id(loss) for loss in ENTRIES}
    assert len(IDS) == len(set(IDS))


@pytest.mark.parametrize("loss", ENTRIES, ids=IDS)
def test_every_entry_has_the_metadata_the_page_needs(loss):
    assert cat.missing_metadata(loss) == []
    assert loss.task in TASKS
    for attr in ("torch_name", "keras_name", "sklearn_name"):
        value = getattr(loss, attr)
        assert value is None or (isinstance(value, str) and value.strip())
    assert isinstance(loss.options, dict)


@pytest.mark.parametrize("loss", ENTRIES, ids=IDS)
def test_formulas_have_balanced_braces_for_mathjax(loss):
    for tex in (loss.formula_latex, loss.grad_latex):
        depth = 0
        for ch in re.sub(r"\\[{}]", "", tex):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0
        assert depth == 0
        assert "$" not in tex  # the page wraps them in $$ itself


@pytest.mark.parametrize("loss", ENTRIES, ids=IDS)
def test_section_shows_name_formula_gradient_task_and_counterparts(loss):
    md = cat.section_markdown(loss)
    assert md.splitlines()[1] == f"## {loss.display_name}"
    assert cat.section_markdown(loss, level=3).splitlines()[1] == f"### {loss.display_name}"
    assert loss.formula_latex in md and loss.grad_latex in md
    assert f"**Task:** {loss.task}" in md
    assert "PyTorch:" in md and "Keras:" in md and "scikit-learn:" in md
    assert md.count("$$") % 2 == 0


@pytest.mark.parametrize("loss", ENTRIES, ids=IDS)
def test_every_entry_gets_a_finite_one_dimensional_slice(loss):
    sl = cat.slice_for(loss)
    assert sl is not None, f"{loss.name}: no 1-D slice accepted"
    assert sl.x.shape == sl.value.shape == sl.grad.shape
    assert np.all(np.isfinite(sl.value)) and np.all(np.isfinite(sl.grad))
    assert sl.description and sl.xlabel and "$" not in sl.xlabel_plain


@pytest.mark.parametrize("loss", ENTRIES, ids=IDS)
def test_slice_gradient_matches_finite_differences_of_the_slice(loss):
    sl = cat.slice_for(loss, n=2001)
    h = sl.x[1] - sl.x[0]
    numeric = np.gradient(sl.value, h)
    # compare away from kinks: where the numeric slope is locally smooth
    smooth = np.abs(np.gradient(numeric, h)) < 50
    smooth[:2] = smooth[-2:] = False
    assert np.allclose(sl.grad[smooth], numeric[smooth], rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("mse", "residual"),
        ("huber", "residual"),
        ("hinge", "margin"),
        ("bce", "probability"),
        ("cross_entropy", "class-score"),
        ("poisson_nll", "input"),
    ],
)
def test_slice_kind_is_chosen_from_what_the_loss_accepts(name, kind):
    assert cat.slice_for(REGISTRY[name]).kind == kind


def test_residual_slice_of_mse_is_the_parabola_and_its_derivative():
    sl = cat.slice_for(losses.mse)
    assert np.allclose(sl.value, sl.x**2) and np.allclose(sl.grad, 2 * sl.x)


def test_a_loss_nothing_accepts_gets_no_slice_and_no_figure():
    def value(input, target, *, reduction="mean"):
        raise ValueError("input: this toy loss accepts nothing")

    toy = losses.Loss("toy", "Toy loss", "regression", True, "0", "0", value, value)
    assert cat.slice_for(toy) is None
    assert cat.plot_slice(toy) is None


def test_missing_metadata_names_the_empty_fields():
    def value(input, target, *, reduction="mean"):
        return 0.0

    toy = losses.Loss("toy", "", "regression", True, "x^2", " ", value, value)
    assert cat.missing_metadata(toy) == ["display_name", "grad_latex"]


def test_plot_slice_draws_loss_and_gradient_panels():
    fig = cat.plot_slice(losses.huber)
    try:
        ax_v, ax_g = fig.axes
        assert np.allclose(ax_v.lines[0].get_ydata(), cat.slice_for(losses.huber).value)
        assert ax_g.get_ylabel() == "gradient"
    finally:
        plt.close(fig)


def test_alt_text_states_range_and_minimum():
    sl = cat.slice_for(losses.mse)
    text = cat.alt_text(losses.mse, sl)
    assert "from -3 to 3" in text and "lowest at 0" in text


def test_entry_slices_run_where_the_gradient_does_not_vanish():
    # a declared point on the flat part of a hinge-type loss would draw a flat line
    for loss in ENTRIES:
        sl = cat.slice_for(loss)
        if sl.kind == "entry":
            assert np.any(sl.grad != 0), loss.name


@pytest.mark.parametrize(
    ("domains", "task", "kind"),
    [
        ({"target_domain": "class"}, "classification", "class-score"),
        ({"target_domain": "sign"}, "classification", "margin"),
        ({"target_domain": "sign"}, "ranking/metric learning", "input"),
        ({"input_domain": "probability"}, "classification", "probability"),
        ({}, "regression", "input"),
    ],
)
def test_natural_slice_is_derived_from_the_declared_domains(domains, task, kind):
    toy = losses.Loss(
        "toy", "Toy", task, True, "0", "0", losses.mse.value_fn, losses.mse.grad_fn, **domains
    )
    assert cat.natural_slice(toy).kind == kind


def test_a_loss_that_declares_nothing_gets_the_input_slice():
    # e.g. a loss another chapter adds without domains: the page still draws it
    toy = losses.Loss(
        "toy", "Toy", "regression", True, "0", "0", losses.mse.value_fn, losses.mse.grad_fn
    )
    sl = cat.slice_for(toy)
    assert sl.kind == "input" and np.allclose(sl.value, (sl.x - 1.0) ** 2)


def test_sections_state_the_declared_domains():
    md = cat.section_markdown(losses.hinge)
    assert "**Input:** any real number; **target:** a label -1 or +1" in md


def test_an_undeclared_domain_or_slice_kind_is_rejected():
    with pytest.raises(ValueError, match="input_domain must be None or one of"):
        losses.Loss(
            "toy",
            "Toy",
            "regression",
            True,
            "0",
            "0",
            losses.mse.value_fn,
            losses.mse.grad_fn,
            input_domain="reals",
        )
    with pytest.raises(ValueError, match="slice kind must be one of"):
        losses.Slice("diagonal")


def test_summary_table_has_one_linked_row_per_entry():
    table = cat.summary_table(ENTRIES).splitlines()
    assert len(table) == 2 + len(ENTRIES)
    for loss, row in zip(ENTRIES, table[2:], strict=True):
        assert f"](#{cat.anchor(loss)})" in row and f"`{loss.name}`" in row
        assert f"({cat.anchor(loss)})=" in cat.section_markdown(loss)
