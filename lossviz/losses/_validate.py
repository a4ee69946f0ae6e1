"""The losses' former validation module, kept so that loss modules importing it still work.

Everything lives in :mod:`lossviz._validate` (one policy and message style for all of
lossviz); new code imports from there. ``as_option`` is the old name of
:func:`lossviz._validate.as_real`.
"""

from .. import _validate

as_option = _validate.as_real


def __getattr__(name: str):
    """Look every other name up in :mod:`lossviz._validate` (e.g. ``pair``, ``as_array``)."""
    return getattr(_validate, name)
