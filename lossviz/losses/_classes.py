"""Validation shared by the losses on class scores: class weights and class-index targets."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_class_indices, check_nonnegative


def class_weights(weight, n_classes: int, input_shape: tuple) -> np.ndarray:
    """Return class weights of shape ``(n_classes,)``, all >= 0 (None -> ones).

    ``input_shape`` is the shape of the scores, for the error message.
    """
    if weight is None:
        return np.ones(n_classes)
    w = as_array(weight, "weight")
    if w.shape != (n_classes,):
        raise ValueError(
            f"weight must have shape ({n_classes},), one per class of input {input_shape}; "
            f"got {w.shape}"
        )
    check_nonnegative(w, "weight")
    return w


def class_indices(
    target, expected: tuple, input_shape: tuple, n_classes: int, ignore_index=None, also=""
) -> np.ndarray:
    """Return the class indices ``target`` (int64) of shape ``expected``.

    ``input_shape`` is the scores' shape, for the error message. Entries equal to
    ``ignore_index`` (if not None) are allowed and kept. ``also`` is
    appended to the expected shape in the error message (another accepted form).
    """
    if np.shape(target) != expected:
        raise ValueError(
            f"target must hold class indices of shape {expected}{also} for input of shape "
            f"{input_shape}; got target of shape {np.shape(target)}"
        )
    return as_class_indices(target, "target", n_classes, ignore_index)
