"""The losses' former validation module, kept so that loss modules importing it still work.

Everything lives in :mod:`lossviz._validate` (one policy and message style for all of
lossviz); new code imports from there. ``as_option`` is the old name of
:func:`lossviz._validate.as_real`.
"""

from .._validate import (
    REDUCTIONS,
    as_array,
    as_choice,
    as_class_indices,
    as_int,
    as_real,
    broadcastable_to,
    check_in_unit_interval,
    check_nonnegative,
    check_plus_minus_one,
    check_reduction,
    pair,
    same_shape,
)

as_option = as_real

__all__ = [
    "REDUCTIONS",
    "as_array",
    "as_choice",
    "as_class_indices",
    "as_int",
    "as_option",
    "as_real",
    "broadcastable_to",
    "check_in_unit_interval",
    "check_nonnegative",
    "check_plus_minus_one",
    "check_reduction",
    "pair",
    "same_shape",
]
