"""Losses on class scores give the same results whatever the memory layout of the input.

cross_entropy and nll pick each sample's class through flat positions when the scores
are a C-contiguous (N, C) array, and by fancy indexing otherwise; nll, which only picks,
must agree to the bit. Sums along the class axis (log-softmax, multi_margin's row sums)
may round differently with the layout, so those losses agree to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import losses


def _layouts(a: np.ndarray) -> dict[str, np.ndarray]:
    """The same values as a C-ordered, a Fortran-ordered and a strided (N, C) array."""
    wide = np.zeros((a.shape[0], 2 * a.shape[1]))
    wide[:, ::2] = a
    return {"C": np.ascontiguousarray(a), "F": np.asfortranarray(a), "strided": wide[:, ::2]}


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("nll", {}),
        ("nll", {"ignore_index": 1, "weight": [1.0, 2.0, 0.5, 3.0]}),
        ("cross_entropy", {"label_smoothing": 0.1}),
        ("cross_entropy", {"ignore_index": 2, "weight": [1.0, 2.0, 0.5, 3.0]}),
        ("multi_margin", {"p": 2}),
    ],
)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_every_layout_of_the_scores_gives_the_same_value_and_gradient(name, options, reduction):
    rng = np.random.default_rng(7)
    scores = rng.normal(size=(9, 4))
    if name == "nll":
        scores -= np.log(np.exp(scores).sum(axis=1, keepdims=True))
    target = rng.integers(0, 4, size=9)
    loss = losses.REGISTRY[name]
    results = {
        layout: loss.value_and_grad(a, target, reduction=reduction, **options)
        for layout, a in _layouts(scores).items()
    }
    value, grad = results["C"]
    rtol, atol = (0.0, 0.0) if name == "nll" else (1e-13, 1e-17)
    for layout in ("F", "strided"):
        other_value, other_grad = results[layout]
        np.testing.assert_allclose(other_value, value, rtol=rtol, atol=atol, err_msg=layout)
        np.testing.assert_allclose(other_grad, grad, rtol=rtol, atol=atol, err_msg=layout)
    assert grad.shape == scores.shape
