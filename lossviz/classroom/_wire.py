"""The message format between the trusted grader and a sandboxed worker (JSON lines).

Both sides import this file: the grader as ``lossviz.classroom._wire``, the worker
(which runs inside the sandbox with nothing of lossviz but this folder on its path)
as ``_wire``. It needs only the standard library and NumPy.

Values cross the boundary as plain data, never as pickles or code:

- ``None``, ``bool``, ``int``, ``float`` and ``str`` as JSON (non-finite floats as
  ``{"$f": "nan" | "inf" | "-inf"}``);
- lists as JSON arrays, tuples as ``{"$t": [...]}``, dicts with string keys as
  ``{"$d": {...}}``;
- NumPy arrays of booleans, integers, floats or complex numbers as
  ``{"$a": base64 bytes, "dtype": "<f8", "shape": [...]}``, NumPy scalars as ``{"$g": ...}``
  with the same fields;
- a function the grader passes as an argument (a checker's ``f`` in "write a gradient
  checker") as ``{"$fn": id}``: the worker calls it back through the grader;
- from the worker, anything else as ``{"$x": "a <type>"}``, a description only.

:func:`decode` is strict: it accepts only these forms, bounded in size and depth, and
rebuilds arrays with ``numpy.frombuffer`` on a whitelisted dtype. Nothing is evaluated.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

#: Largest message, in bytes, either side accepts.
MAX_MESSAGE = 64 * 2**20
#: Deepest nesting of lists, tuples and dicts.
MAX_DEPTH = 32
#: Most items in one list, tuple or dict.
MAX_ITEMS = 100_000
#: Longest string.
MAX_STR = 1_000_000
_KINDS = "biufc"


class WireError(ValueError):
    """A message that does not follow the format (treated as hostile)."""


class Opaque:
    """Stands for a value the worker could not send (a generator, a custom object...)."""

    def __init__(self, description: str) -> None:
        self._lossviz_description = description

    def __repr__(self) -> str:
        return self._lossviz_description


def describe_type(x: Any) -> str:
    """Describe a value that cannot be encoded as ``'a <type name>'``."""
    return f"a {type(x).__module__}.{type(x).__qualname__}".replace("a builtins.", "a ")


def encode(x: Any, *, functions: dict[int, Any] | None = None, depth: int = 0) -> Any:
    """Turn ``x`` into JSON-ready data (see the module docstring).

    Parameters
    ----------
    x : Any
        The value.
    functions : dict, optional
        If given, callables are registered here under a new id and sent as
        ``{"$fn": id}`` (the grader's side); otherwise they are described.

    """
    if depth > MAX_DEPTH:
        return {"$x": "a value nested too deeply"}
    if x is None or isinstance(x, bool | str):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return x if abs(x) < 2**63 else float(x)
    if isinstance(x, float):
        return x if math.isfinite(x) else {"$f": repr(x)}
    if isinstance(x, np.ndarray | np.generic) and np.asarray(x).dtype.kind in _KINDS:
        arr = np.array(x, copy=True, order="C")
        return {
            "$g" if isinstance(x, np.generic) else "$a": base64.b64encode(arr.tobytes()).decode(),
            "dtype": arr.dtype.str,
            "shape": list(arr.shape),
        }
    if isinstance(x, list):
        return [encode(v, functions=functions, depth=depth + 1) for v in x]
    if isinstance(x, tuple):
        return {"$t": [encode(v, functions=functions, depth=depth + 1) for v in x]}
    if isinstance(x, dict) and all(isinstance(k, str) for k in x):
        return {"$d": {k: encode(v, functions=functions, depth=depth + 1) for k, v in x.items()}}
    if callable(x) and functions is not None:
        key = len(functions) + 1
        functions[key] = x
        return {"$fn": key}
    return {"$x": describe_type(x)}


def decode(data: Any, *, make_function=None, depth: int = 0) -> Any:
    """Rebuild a value from :func:`encode`'s output, strictly.

    Parameters
    ----------
    data : Any
        Parsed JSON.
    make_function : callable, optional
        ``make_function(id)`` builds the stand-in for ``{"$fn": id}`` (the worker's side);
        without it such a value is refused.

    Raises
    ------
    WireError
        For anything outside the format.

    """
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if data is None or isinstance(data, bool | int | float):
        return data
    if isinstance(data, str):
        if len(data) > MAX_STR:
            raise WireError("string too long")
        return data
    if isinstance(data, list):
        if len(data) > MAX_ITEMS:
            raise WireError("list too long")
        return [decode(v, make_function=make_function, depth=depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise WireError(f"unexpected {type(data).__name__}")
    if "$f" in data:
        if data != {"$f": data["$f"]} or data["$f"] not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(data["$f"])
    if "$t" in data:
        items = data["$t"]
        if len(data) != 1 or not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise WireError("bad tuple")
        return tuple(decode(v, make_function=make_function, depth=depth + 1) for v in items)
    if "$d" in data:
        items = data["$d"]
        if len(data) != 1 or not isinstance(items, dict) or len(items) > MAX_ITEMS:
            raise WireError("bad dict")
        return {
            str(k): decode(v, make_function=make_function, depth=depth + 1)
            for k, v in items.items()
        }
    if "$a" in data or "$g" in data:
        return _decode_array(data)
    if "$x" in data:
        text = data["$x"]
        if len(data) != 1 or not isinstance(text, str):
            raise WireError("bad description")
        return Opaque(text[:200])
    if "$fn" in data:
        key = data["$fn"]
        if make_function is None or len(data) != 1 or not isinstance(key, int):
            raise WireError("unexpected function")
        return make_function(key)
    raise WireError("unknown value")


def _decode_array(data: dict) -> Any:
    key = "$a" if "$a" in data else "$g"
    if set(data) != {key, "dtype", "shape"}:
        raise WireError("bad array fields")
    raw, dtype, shape = data[key], data["dtype"], data["shape"]
    if not isinstance(raw, str) or not isinstance(dtype, str) or not isinstance(shape, list):
        raise WireError("bad array fields")
    if len(dtype) > 8 or len(shape) > 32:
        raise WireError("bad array header")
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape):
        raise WireError("bad array shape")
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise WireError("bad dtype") from err
    if dt.kind not in _KINDS or dt.fields is not None or dt.subdtype is not None:
        raise WireError(f"dtype {dtype} not allowed")
    try:
        buf = base64.b64decode(raw.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as err:
        raise WireError("bad base64") from err
    size = math.prod(shape)
    if size * dt.itemsize != len(buf):
        raise WireError("array size does not match its shape")
    arr = np.frombuffer(buf, dtype=dt).reshape(shape).copy()
    if key == "$g":
        if shape:
            raise WireError("a scalar has no shape")
        return arr[()]
    return arr


def dumps(message: dict) -> bytes:
    """One message as one line of bytes."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def loads(line: bytes) -> dict:
    """Parse one line into a message dict.

    Raises
    ------
    WireError
        If it is too long, not JSON, or not an object.

    """
    if len(line) > MAX_MESSAGE:
        raise WireError("message too long")
    try:
        message = json.loads(line, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise WireError(f"not JSON: {err}") from None
    if not isinstance(message, dict):
        raise WireError("a message is a JSON object")
    return message


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
