"""Unit tests of lossviz.losses: hand-computed values, registry, errors."""

import numpy as np
import pytest

from lossviz import losses


def test_mse_hand_computed():
    # residuals 0.5 - 1 = -0.5, 2 - 0 = 2, -1 - (-1) = 0; squares 0.25, 4, 0
    x, y = [0.5, 2.0, -1.0], [1.0, 0.0, -1.0]
    assert losses.mse(x, y, reduction="sum") == pytest.approx(4.25)
    assert losses.mse(x, y) == pytest.approx(4.25 / 3)
    np.testing.assert_allclose(losses.mse(x, y, reduction="none"), [0.25, 4.0, 0.0])
    # d/dx (x - y)^2 = 2 (x - y) = [-1, 4, 0], divided by n = 3 for the mean
    np.testing.assert_allclose(losses.mse.grad(x, y), [-1 / 3, 4 / 3, 0.0])


def test_l1_hand_computed_and_zero_subgradient_at_kink():
    # |0.5 - 1| + |2 - 0| + |-1 + 1| = 0.5 + 2 + 0 = 2.5
    x, y = [0.5, 2.0, -1.0], [1.0, 0.0, -1.0]
    assert losses.l1(x, y, reduction="sum") == pytest.approx(2.5)
    np.testing.assert_array_equal(losses.l1.grad(x, y, reduction="sum"), [-1.0, 1.0, 0.0])


def test_mae_is_an_alias_of_l1():
    assert losses.REGISTRY["mae"] is losses.REGISTRY["l1"] is losses.mae
    assert [loss.name for loss in losses.catalogue()].count("l1") == 1
