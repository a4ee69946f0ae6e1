"""lossviz._validate: one policy (TypeError for a type, ValueError for a value), one style."""

import math

import numpy as np
import pytest

from lossviz._validate import as_array, as_bool, as_choice, as_int, as_interval, as_real


def test_as_real_returns_floats_and_reports_the_interval():
    assert as_real(np.int64(3), "lr") == 3.0 and isinstance(as_real(3, "lr"), float)
    assert as_real(1.0, "p", low=0.0, high=1.0) == 1.0
    with pytest.raises(ValueError, match=r"^p must be a finite real number in \[0, 1\), got 1.0$"):
        as_real(1.0, "p", low=0.0, high=1.0, high_open=True)
    with pytest.raises(
        ValueError,
        match=r"^x must be a finite real number in \(-inf, inf\), "
        r"got inf$",
    ):
        as_real(math.inf, "x")


@pytest.mark.parametrize("value", [True, "1", None, [1.0], 1 + 0j])
def test_as_real_rejects_non_reals_with_type_error(value):
    with pytest.raises(
        TypeError, match=rf"^x must be a real number, got .* \({type(value).__name__}\)$"
    ):
        as_real(value, "x")


def test_as_int_bounds_and_types():
    assert as_int(np.int32(4), "n", low=1) == 4
    with pytest.raises(ValueError, match=r"^n must be an integer in \[1, 3\], got 4$"):
        as_int(4, "n", low=1, high=3)
    with pytest.raises(ValueError, match=r"^n must be an integer <= 3, got 4$"):
        as_int(4, "n", high=3)
    for value in (2.0, True, "2"):
        with pytest.raises(TypeError, match="^n must be an integer, got "):
            as_int(value, "n")


def test_as_interval_types_and_values():
    assert as_interval(np.array([-1, 2]), "r") == (-1.0, 2.0)
    with pytest.raises(TypeError, match=r"r must be a pair \(low, high\) of real numbers, got 5"):
        as_interval(5, "r")
    with pytest.raises(TypeError, match=r"r\[0\] must be a real number, got True"):
        as_interval((True, 2), "r")
    with pytest.raises(ValueError, match=r"r\[1\] must be a finite real number"):
        as_interval((0, np.inf), "r")
    with pytest.raises(ValueError, match="with low < high, got"):
        as_interval((1, 1), "r")


def test_as_bool_accepts_only_true_and_false():
    assert as_bool(np.True_, "flag") is True and as_bool(False, "flag") is False
    for value in (1, 0.0, "yes", None):
        with pytest.raises(
            TypeError,
            match=rf"^flag must be True or False, got .* \({type(value).__name__}\)$",
        ):
            as_bool(value, "flag")


def test_as_choice_lists_the_choices():
    assert as_choice("sum", "reduction", ("mean", "sum")) == "sum"
    for value in ("avg", None, True, np.array([1])):
        with pytest.raises(ValueError, match="^reduction must be one of 'mean', 'sum', got "):
            as_choice(value, "reduction", ("mean", "sum"))


def test_as_array_checks_finiteness_once_and_passes_float64_through():
    x = np.arange(4.0)
    assert as_array(x, "input") is x  # no copy when already float64
    assert as_array([1, 2], "input").dtype == np.float64
    with pytest.raises(ValueError, match=r"input must be finite, got 2 NaN or infinite value\(s\)"):
        as_array([np.nan, 1.0, np.inf], "input")


@pytest.mark.parametrize("module", ["lossviz._validate", "lossviz.appendix"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_residual_checks_finiteness_once_and_names_the_culprit():
    from lossviz._validate import residual

    x, y, d = residual([1.0, 2.0], [0.5, 0.5], "mean")
    assert np.array_equal(d, [0.5, 1.5])
    with pytest.raises(ValueError, match=r"^target must be finite, got 1 NaN"):
        residual([1.0, 2.0], [0.5, np.nan], "mean")
    with pytest.raises(ValueError, match=r"^input must be finite, got 1 NaN or infinite"):
        residual([np.inf, 2.0], [np.inf, 0.0], "mean")  # inf - inf is NaN: input is named
    with pytest.warns(RuntimeWarning, match="overflow"):  # NumPy's warning, as before
        _, _, d = residual([1e308], [-1e308], "sum")  # finite inputs may overflow: no error
    assert np.isinf(d).all()
