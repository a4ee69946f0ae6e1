"""Exercise checkers: the functions students call at the end of each exercise.

Usage in a chapter notebook::

    from lossviz import checks
    checks.ch3.huber(my_huber)      # or checks.huber(my_huber) if re-exported below

A correct answer prints one confirmation line; a wrong one raises
:class:`ExerciseFailed` (an ``AssertionError``) with a specific hint. The shared
helpers live in :mod:`lossviz.checks._core`; each chapter's checkers live in
``lossviz/checks/chN.py``. A chapter author adds one import line below for the
new module (see EXERCISES.md).
"""

from lossviz.checks._core import (
    Case,
    ExerciseFailed,
    call,
    check_array,
    check_case,
    check_cases,
    check_each,
    check_finite,
    check_gradient,
    check_raises,
    check_scalar,
    check_shape,
    check_value,
    close,
    confirm,
    describe,
    diagnose,
    exercise,
    expect,
    fail,
    finite_difference,
    require_function,
    shown_call,
)

# Chapter checkers: one line per chapter module, added by the chapter's author.
from lossviz.checks.ch1 import empirical_risk, mae, objective
from lossviz.checks.ch2 import lr_limit, smoothed_ce_grad, two_layer_backprop
from lossviz.checks.ch3 import dice, focal, huber
from lossviz.checks.ch4 import (
    central_difference,
    generalized_cross_entropy,
    stable_bce_with_logits,
    stable_cross_entropy,
)
from lossviz.checks.ch5 import info_nce, per_class_recall
from lossviz.checks.ch6 import adamw_step, giou, soft_threshold
from lossviz.checks.ch7 import ctc, masked_ce
from lossviz.checks.ch8 import contrastive, dpo, ndcg  # noqa: F401
from lossviz.checks.ch9 import bits_per_dim, discriminator_loss, gaussian_kl
from lossviz.checks.ch10 import clip_grad_norm, global_mean_grad, round_bf16

__all__ = [
    "adamw_step",
    "call",
    "Case",
    "central_difference",
    "check_array",
    "check_case",
    "check_cases",
    "check_each",
    "check_finite",
    "check_gradient",
    "check_raises",
    "check_scalar",
    "check_shape",
    "check_value",
    "clip_grad_norm",
    "close",
    "confirm",
    "ctc",
    "describe",
    "diagnose",
    "dice",
    "empirical_risk",
    "exercise",
    "ExerciseFailed",
    "expect",
    "fail",
    "finite_difference",
    "global_mean_grad",
    "focal",
    "generalized_cross_entropy",
    "giou",
    "huber",
    "info_nce",
    "lr_limit",
    "masked_ce",
    "mae",
    "objective",
    "per_class_recall",
    "require_function",
    "round_bf16",
    "shown_call",
    "smoothed_ce_grad",
    "soft_threshold",
    "stable_bce_with_logits",
    "stable_cross_entropy",
    "two_layer_backprop",
    "bits_per_dim",
    "discriminator_loss",
    "gaussian_kl",
]
