"""Statements the book makes about PyTorch, checked against PyTorch itself.

The notebooks do not import torch; the numbers they quote about it are checked here.
"""

import pytest

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    ("written_as", "expected"),
    [
        (lambda z: torch.clamp(1 - z, min=0), -1.0),
        (lambda z: torch.relu(1 - z), 0.0),
        (lambda z: torch.maximum(1 - z, torch.zeros_like(z)), -0.5),
    ],
    ids=["clamp", "relu", "maximum"],
)
def test_hinge_kink_gradient_depends_on_how_the_hinge_is_written(written_as, expected) -> None:
    """Chapter 2, "Subgradients": the autograd gradient of max(0, 1 - z) at z = 1."""
    z = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    written_as(z).sum().backward()
    assert z.grad.item() == expected
    assert -1.0 <= z.grad.item() <= 0.0  # a subgradient: inside [-1, 0]


def test_l1_loss_gradient_at_zero_residual_is_zero() -> None:
    z = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.l1_loss(z, torch.zeros(1, dtype=torch.float64)).backward()
    assert z.grad.item() == 0.0
