"""Shared machinery of the exercise checkers students call in the chapters.

A chapter checker (``lossviz.checks.chN``) is a short function decorated with
:func:`exercise`; inside it, it calls the student's function through :func:`call`
and states what it expects with :func:`check_value`, :func:`check_cases`,
:func:`check_gradient`, :func:`check_finite`, :func:`check_raises` and friends.

The contract, as seen by a student:

- a correct answer prints one short confirmation line;
- a wrong answer raises :class:`ExerciseFailed` (an ``AssertionError``) with a
  specific hint, and no traceback through the checker's own code is shown
  (every frame in here sets ``__tracebackhide__``, which IPython and pytest honour);
- if the student's own function raises, that error reaches them unchanged, with
  a note saying it came from their function and with which arguments.

Examples
--------
>>> import numpy as np
>>> from lossviz.checks._core import Case, check_cases, exercise
>>> @exercise("Mean squared error")
... def mse(func):
...     check_cases(func, [
...         Case(([1.0, 2.0], [1.0, 4.0]), 2.0, hint="square the residuals, then average"),
...     ])
>>> mse(lambda input, target: float(np.mean((np.asarray(input) - target) ** 2)))
✔ Mean squared error: correct (1 check passed).

"""

from __future__ import annotations

import copy
import functools
import inspect
import math
import numbers
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Case",
    "ExerciseFailed",
    "call",
    "check_array",
    "check_case",
    "check_cases",
    "check_finite",
    "check_gradient",
    "check_raises",
    "check_scalar",
    "check_shape",
    "check_each",
    "check_value",
    "close",
    "collect",
    "confirm",
    "describe",
    "diagnose",
    "exercise",
    "expect",
    "fail",
    "finite_difference",
    "require_function",
    "shown_call",
]

#: Stands for "the student's function raised NotImplementedError" (an untouched stub).
_NOT_IMPLEMENTED = object()

#: Marker attribute set on exceptions raised by the student's own code.
_STUDENT_MARK = "_lossviz_from_student"


class ExerciseFailed(AssertionError):
    """The student's answer is wrong; the message says how and hints why.

    Subclassing ``AssertionError`` makes a failing check fail a notebook cell,
    an nbgrader grade cell and a pytest test alike. In IPython and Jupyter the
    error shows as its one-line message, without a traceback through the checker.
    """

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting a traceback; the cell still
        # ends with an error output, so nbgrader scores it zero.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


#: The one tolerance policy of every checker: numbers agree when they differ by at most
#: ``ATOL + RTOL * |expected|`` (as in :func:`numpy.isclose`).
RTOL = 1e-6
ATOL = 1e-9


def close(a: Any, b: Any, *, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Tell whether ``a`` and ``b`` have the same shape and agree within the tolerance policy.

    Examples
    --------
    >>> close(1.0, 1.0 + 1e-9), close([1.0, 2.0], [1.0]), close(0.0, 1e-3)
    (True, False, False)

    """
    try:
        x = np.asarray(a, dtype=np.float64)
        y = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=rtol, atol=atol))


def diagnose(
    got: Any,
    mistakes: Iterable[tuple[Any, str]],
    default: str,
    *,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> str:
    """Return the hint of the first known mistake that ``got`` equals, else ``default``.

    Known mistakes are data: ``(the value that mistake produces, its hint)`` pairs,
    computed by the checker with its own NumPy code. A mistake whose value is not finite
    (it does not apply to this case) never matches.

    Examples
    --------
    >>> diagnose(6.0, [(3.0, "take the mean"), (6.0, "this is the sum")], "check the formula")
    'this is the sum'

    """
    for value, hint in mistakes:
        try:
            finite = bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))
        except (TypeError, ValueError):
            continue
        if finite and close(got, value, rtol=rtol, atol=atol):
            return hint
    return default


# ----------------------------------------------------------------------------- feedback


def describe(x: Any, *, digits: int = 6, max_items: int = 6) -> str:
    """Format a value compactly for a feedback message.

    Parameters
    ----------
    x : Any
        A number, array, sequence or any other object.
    digits : int, optional
        Significant digits for floats.
    max_items : int, optional
        Array elements shown before ``...``.

    Returns
    -------
    str
        ``2.5``, ``[0.1, 0.2, ...] (shape (10,))``, ``a str 'abc'`` and so on.

    Examples
    --------
    >>> describe(2.5)
    '2.5'
    >>> describe(np.arange(8.0))
    '[0, 1, 2, 3, 4, 5, ...] (shape (8,))'

    """
    if isinstance(x, bool | np.bool_):
        return repr(bool(x))
    if isinstance(x, numbers.Real) or (isinstance(x, np.ndarray) and x.ndim == 0):
        try:
            return f"{float(x):.{digits}g}"
        except (TypeError, ValueError):  # pragma: no cover - exotic Real subclasses
            return repr(x)
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            return f"an array of dtype {x.dtype} with shape {x.shape}"
        flat = x.ravel()
        items = ", ".join(f"{float(v):.{digits}g}" for v in flat[:max_items])
        more = ", ..." if flat.size > max_items else ""
        return f"[{items}{more}] (shape {x.shape})"
    if isinstance(x, list | tuple) and all(isinstance(v, numbers.Real) for v in x):
        return describe(np.asarray(x, dtype=float), digits=digits, max_items=max_items).split(
            " (shape"
        )[0]
    if x is None:
        return "None"
    opaque = getattr(x, "_lossviz_description", None)
    if isinstance(opaque, str):
        return opaque
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"a {type(x).__name__} {text}"


def confirm(message: str) -> None:
    """Print the one-line confirmation of a correct answer."""
    print(f"\N{HEAVY CHECK MARK} {message}")


def fail(message: str, hint: str | None = None) -> None:
    """Raise :class:`ExerciseFailed` with ``message`` and an optional hint.

    Raises
    ------
    ExerciseFailed
        Always.

    """
    __tracebackhide__ = True
    text = message if not hint else f"{message}: {hint}"
    raise ExerciseFailed(text)


#: Wording of :func:`expect`'s failure message.
SHOULD_BE = "{what} should be {expected}, yours gave {got}"


def expect(
    got: Any,
    expected: Any,
    what: str,
    mistakes: Iterable[tuple[Any, str]] | Callable[[], Iterable[tuple[Any, str]]] = (),
    default: str | None = None,
    *,
    wording: str = SHOULD_BE,
    show: Callable[[Any], str] = describe,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """Pass if ``got`` equals ``expected``; else fail with the hint of the mistake it matches.

    Unlike :func:`check_value`, this does not count as a check of its own (the checkers
    that use it count their cases themselves) and its message reads
    ``<what> should be <expected>, yours gave <got>: <hint>`` (or ``wording``).

    Parameters
    ----------
    got, expected : Any
        The student's result (already checked to be a number or an array) and the
        correct one.
    what : str
        Names the case, e.g. the call that produced ``got``.
    mistakes : iterable of (value, hint) pairs, or a callable returning one
        The known wrong answers of this case (see :func:`diagnose`). A callable is only
        called when ``got`` is wrong, for mistakes that are costly or warn to compute.
    default : str, optional
        The hint when ``got`` matches no known mistake.
    wording : str, optional
        The message, a format string with the fields ``what``, ``expected`` and ``got``.
    show : callable, optional
        Formats ``expected`` and ``got`` in the message.
    rtol, atol : float, optional
        Tolerances, as in :func:`close`.

    Raises
    ------
    ExerciseFailed
        If ``got`` and ``expected`` differ.

    Examples
    --------
    >>> expect(2.0, 2.0, "mean([1, 3])")
    >>> expect(4.0, 2.0, "mean([1, 3])", [(4.0, "this is the sum")], "average the values")
    Traceback (most recent call last):
    ...
    lossviz.checks._core.ExerciseFailed: mean([1, 3]) should be 2, yours gave 4: this is the sum

    """
    __tracebackhide__ = True
    if close(got, expected, rtol=rtol, atol=atol):
        return
    known = mistakes() if callable(mistakes) else mistakes
    hint = diagnose(got, known, default, rtol=rtol, atol=atol)
    fail(wording.format(what=what, expected=show(expected), got=show(got)), hint)


# ----------------------------------------------------------------------------- calling


def _name(func: Callable) -> str:
    return getattr(func, "__name__", None) or type(func).__name__


def _signature_text(func: Callable, args: Sequence, kwargs: dict) -> str:
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{_name(func)}({', '.join(parts)})"


def shown_call(name: str, args: Sequence, kwargs: dict) -> str:
    """Show a call of the student's function as feedback names it, arrays without their shape.

    Examples
    --------
    >>> shown_call("my_huber", ([0.5, 1.0], np.zeros(2)), {"delta": 1.0})
    'my_huber([0.5, 1], [0, 0], delta=1.0)'

    """
    parts = [describe(np.asarray(a)).split(" (shape")[0] for a in args]
    parts += [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def require_function(answer: Any) -> None:
    """Fail unless the student passed a function (and not, say, its result).

    Raises
    ------
    ExerciseFailed
        If ``answer`` is not callable.

    """
    __tracebackhide__ = True
    if not callable(answer):
        fail(
            f"expected a function, got {describe(answer)}",
            "pass the function itself, without calling it (no parentheses)",
        )


def call(func: Callable, *args: Any, forbid_warnings: bool = True, **kwargs: Any) -> Any:
    """Call the student's ``func`` on copies of ``args``, labelling its errors.

    Parameters
    ----------
    func : callable
        The student's function.
    *args, **kwargs
        Passed on, deep-copied so the student's code cannot alter the checker's data.
    forbid_warnings : bool, optional
        If true (default), a ``RuntimeWarning`` from the student's code (NumPy's
        ``overflow encountered in exp``, ``divide by zero``) fails the check with a
        message naming the call, because a stable loss must not warn. Other
        warnings are swallowed: on stderr they would cost the grade cell its points.

    Returns
    -------
    Any
        Whatever ``func`` returned.

    Raises
    ------
    ExerciseFailed
        If ``func`` warned and ``forbid_warnings`` is true.
    Exception
        Any exception raised inside ``func``, unchanged, with a note saying it came
        from the student's function and the call that triggered it.

    """
    __tracebackhide__ = True
    if not callable(func):
        fail(
            f"expected your function, got {describe(func)}",
            "pass the function itself, without calling it: checks.name(my_function), "
            "not checks.name(my_function(...))",
        )
    args_copy = copy.deepcopy(args)
    kwargs_copy = copy.deepcopy(kwargs)
    shown = _signature_text(func, args, kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func(*args_copy, **kwargs_copy)
        except NotImplementedError:
            result = _NOT_IMPLEMENTED
        except Exception as err:
            _mark_student_error(err, f"The error above came from your function, called as {shown}.")
            raise
    if result is _NOT_IMPLEMENTED:
        fail(
            f"your function {_name(func)} still raises NotImplementedError",
            "replace the line `raise NotImplementedError()` with your code",
        )
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if forbid_warnings and numeric:
        first = numeric[0]
        fail(
            f"{shown} gave the warning '{first.category.__name__}: {first.message}'",
            "a numerically stable implementation must not warn here "
            "(look for exp of a large number, log of 0 or division by 0)",
        )
    return result


def _mark_student_error(err: BaseException, note: str) -> None:
    try:
        setattr(err, _STUDENT_MARK, True)
    except (AttributeError, TypeError):  # pragma: no cover - exceptions with __slots__
        pass
    if not getattr(err, "_lossviz_noted", False):
        err.add_note(note)
        try:
            err._lossviz_noted = True  # type: ignore[attr-defined]
        except (AttributeError, TypeError):  # pragma: no cover
            pass


def exercise(title: str) -> Callable[[Callable[..., Any]], Callable[..., None]]:
    """Turn a checking function into a student-facing checker.

    The wrapped checker receives the student's function (or value) as first argument.
    It should only raise :class:`ExerciseFailed` or let the student's errors pass;
    when it returns, the confirmation ``✔ <title>: correct (N checks passed).`` is
    printed, or the string it returned, if any. Any other exception (a bug in the
    checker, or a result the checker did not foresee) is turned into an
    :class:`ExerciseFailed` that names it, without the checker's traceback.

    Parameters
    ----------
    title : str
        The exercise's name, as shown in the confirmation.

    Returns
    -------
    callable
        The decorator. A checker's docstring may leave out its Parameters and Raises
        sections: they are the same for every checker, and the decorator adds them
        (see :func:`_document`).

    """

    def decorate(check: Callable[..., Any]) -> Callable[..., None]:
        @functools.wraps(check)
        def checker(answer: Any = None, *args: Any, **kwargs: Any) -> None:
            __tracebackhide__ = True
            if answer is None:
                fail(
                    f"{title}: nothing was passed to the checker",
                    f"call it with your function, e.g. checks.{check.__name__}(my_function)",
                )
            counter = _Counter()
            _ACTIVE.append(counter)
            try:
                message = check(answer, *args, **kwargs)
            except ExerciseFailed as err:
                raise ExerciseFailed(f"{title}: {err}") from None
            except Exception as err:
                if getattr(err, _STUDENT_MARK, False):
                    raise
                internal = ExerciseFailed(
                    f"{title}: the checker could not make sense of your answer "
                    f"({type(err).__name__}: {err}); check that your function takes the "
                    f"arguments shown in the task and returns what it asks for"
                )
                internal.internal_error = err  # type: ignore[attr-defined]
                raise internal from None
            finally:
                _ACTIVE.pop()
            col = _collector()
            if col is not None and not all(o.passed for o in col.outcomes):
                return  # collect mode: some case failed, so no confirmation
            if isinstance(message, str):
                confirm(message)
            else:
                n = counter.count
                confirm(f"{title}: correct ({n} check{'s' if n != 1 else ''} passed).")

        checker.__doc__ = _document(check)
        return checker

    return decorate


#: The sections every checker's docstring shares, added by :func:`exercise`.
_CHECKER_SECTIONS = """Parameters
----------
{answer} : callable
    The student's function.

Raises
------
ExerciseFailed
    Naming the first case that fails and the likely mistake.
"""


def _document(check: Callable[..., Any]) -> str | None:
    """Return ``check``'s docstring with the Parameters and Raises sections every checker shares.

    A docstring that has its own Parameters section is returned as it is; otherwise
    the shared sections go before its Examples, or at its end.
    """
    doc = inspect.getdoc(check)
    if doc is None or "\nParameters\n" in doc:
        return check.__doc__
    answer = next(iter(inspect.signature(check).parameters), "answer")
    sections = _CHECKER_SECTIONS.format(answer=answer)
    head, examples, tail = doc.partition("\nExamples\n")
    if not examples:
        return f"{doc}\n\n{sections}"
    return f"{head.rstrip()}\n\n{sections}\nExamples\n{tail}"


@dataclass
class _Counter:
    count: int = 0


#: Stack of the counters of the checkers currently running (checkers may nest).
_ACTIVE: list[_Counter] = []


def _tick() -> None:
    if _ACTIVE:
        _ACTIVE[-1].count += 1


# ----------------------------------------------------------------------------- collect mode
# Used only by the classroom grader (lossviz.classroom): every independent case of a
# checker is run and recorded, instead of stopping at the first failure, so that an
# exercise's points can be split over its cases. In a notebook nothing here is active.


@dataclass
class CaseOutcome:
    """The verdict on one independent case, recorded in collect mode.

    Attributes
    ----------
    passed : bool
        Whether the case passed.
    message : str
        The failure message (the checker's hint, or the student's error), or a short
        description of the case that passed.

    """

    passed: bool
    message: str


@dataclass
class _Collector:
    outcomes: list[CaseOutcome] = field(default_factory=list)
    depth: int = 0
    aborted: str | None = None

    def record(self, passed: bool, message: str) -> None:
        self.outcomes.append(CaseOutcome(passed, message))


class _Local(threading.local):
    def __init__(self) -> None:
        self.collectors: list[_Collector] = []


_LOCAL = _Local()


def _collector() -> _Collector | None:
    stack = _LOCAL.collectors
    return stack[-1] if stack else None


def _describe_error(err: BaseException) -> str:
    """One line for an exception in collect mode: the checker's message or the student's error."""
    if isinstance(err, ExerciseFailed):
        return str(err)
    if getattr(err, "_lossviz_grader", False):  # the grader's own trouble, not the student's
        return str(err)
    text = f"{type(err).__name__}: {err}".strip()
    notes = [n for n in getattr(err, "__notes__", []) if "came from your function" in n]
    if getattr(err, _STUDENT_MARK, False):
        return text + (f" ({notes[-1]})" if notes else " (raised by your function)")
    return (
        f"the checker could not make sense of your answer ({text}); check that your "
        "function takes the arguments shown in the task and returns what it asks for"
    )


def _counted(helper: Callable[..., Any]) -> Callable[..., Any]:
    """In collect mode, count a top-level call of ``helper`` as one independent case."""

    @functools.wraps(helper)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        col = _collector()
        if col is None:
            return helper(*args, **kwargs)
        col.depth += 1
        try:
            result = helper(*args, **kwargs)
        except BaseException as err:
            if col.depth == 1 and isinstance(err, Exception):
                col.record(False, _describe_error(err))
                col.aborted = "a failed check stopped the checker"
            raise
        finally:
            col.depth -= 1
        if col.depth == 0:
            col.record(True, helper.__name__.replace("_", " "))
        return result

    return wrapper


def check_each(
    items: Iterable[Any],
    check_one: Callable[[Any], Any],
    *,
    then: Iterable[Callable[[], Any]] = (),
) -> None:
    """Run ``check_one(item)`` for every item, each an independent case.

    In a notebook the first failing item raises, as every check does. When the
    classroom grader collects verdicts, every item runs and its outcome is recorded
    (a failure, or an error of the student's function, does not stop the others), so
    that partial credit is given per item. The number of cases is the number of
    items, fixed by the checker's data before the student's function is called.

    Parameters
    ----------
    items : iterable
        The cases (any objects ``check_one`` understands), e.g. tuples of arguments.
    check_one : callable
        Checks one item with the helpers of this module; returns nothing on success.
    then : iterable of callables, optional
        Further independent cases, each a function of no arguments run after the
        items (e.g. a check of a default argument or of huge inputs).

    Raises
    ------
    ExerciseFailed
        In a notebook, at the first item that fails.

    Examples
    --------
    >>> @exercise("Square")
    ... def square(func):
    ...     check_each([1.0, 2.0, -3.0], lambda x: check_value(call(func, x), x * x, f"{x}**2"))
    >>> square(lambda x: x * x)
    ✔ Square: correct (3 checks passed).

    """
    __tracebackhide__ = True
    cases = [functools.partial(check_one, item) for item in items] + list(then)
    col = _collector()
    if col is None or col.depth > 0:
        for case in cases:
            case()
        return
    for index, case in enumerate(cases, start=1):
        col.depth += 1
        try:
            case()
        except Exception as err:  # noqa: BLE001 - every failure is one failed case
            col.record(False, _describe_error(err))
        else:
            col.record(True, f"case {index} of {len(cases)}")
        finally:
            col.depth -= 1


def collect(checker: Callable[..., Any], answer: Any) -> tuple[list[CaseOutcome], str]:
    """Run ``checker(answer)`` recording every independent case (used by the grader).

    Parameters
    ----------
    checker : callable
        A checker made with :func:`exercise`.
    answer : Any
        The student's function (in the grader, a proxy that calls it in a sandbox).

    Returns
    -------
    outcomes : list of CaseOutcome
        One per independent case that ran, in order. A failure outside
        :func:`check_each` stops the checker; the cases it did not reach are absent,
        so the caller takes the number of cases from a run of the reference solution.
    printed : str
        What the checker printed (its confirmation line, if every case passed).

    """
    import contextlib
    import io

    col = _Collector()
    _LOCAL.collectors.append(col)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            checker(answer)
    except Exception as err:  # noqa: BLE001 - recorded as one failed case
        if col.aborted is None:
            col.record(False, _describe_error(err))
    finally:
        _LOCAL.collectors.pop()
    return col.outcomes, out.getvalue()


# ----------------------------------------------------------------------------- checks


def check_scalar(result: Any, what: str) -> float:
    """Check that ``result`` is one real number and return it as a float.

    Accepts Python and NumPy numbers and 0-d or one-element arrays.

    Raises
    ------
    ExerciseFailed
        For ``None``, strings, booleans, arrays with several elements, complex numbers.

    """
    __tracebackhide__ = True
    if result is None:
        fail(
            f"{what} returned None",
            "did you forget the `return` statement (or leave `raise NotImplementedError()` out "
            "but not write the body)?",
        )
    if isinstance(result, bool | np.bool_):
        fail(f"{what} returned the boolean {result}", "it should return a number")
    if isinstance(result, numbers.Real):
        return float(result)
    if isinstance(result, np.ndarray | list | tuple):
        arr = np.asarray(result)
        if arr.size == 1 and arr.dtype.kind in "iuf":
            return float(arr.reshape(()))
        fail(
            f"{what} returned {describe(result)}, expected a single number",
            "did you forget to reduce (take the mean or the sum) over the samples?",
        )
    fail(f"{what} returned {describe(result)}, expected a single real number")
    raise AssertionError("unreachable")  # pragma: no cover


def check_array(result: Any, what: str) -> np.ndarray:
    """Check that ``result`` is array-like of real numbers and return a float64 array.

    Raises
    ------
    ExerciseFailed
        For ``None`` or non-numeric results.

    """
    __tracebackhide__ = True
    if result is None:
        fail(f"{what} returned None", "did you forget the `return` statement?")
    try:
        arr = np.asarray(result)
    except (ValueError, TypeError):
        fail(f"{what} returned {describe(result)}, which is not a rectangular array of numbers")
    if arr.dtype.kind not in "iuf":
        fail(f"{what} returned {describe(result)}, expected an array of real numbers")
    return arr.astype(np.float64)


@_counted
def check_shape(result: Any, shape: tuple[int, ...], what: str, hint: str | None = None) -> None:
    """Check that ``result`` has the given shape.

    Raises
    ------
    ExerciseFailed
        If the shapes differ, with a hint about the usual causes.

    """
    __tracebackhide__ = True
    got = np.shape(result)
    _tick()
    if got != tuple(shape):
        if hint is None:
            if len(got) > len(shape):
                hint = "an unwanted broadcast, e.g. (n,) against (n, 1), makes extra dimensions"
            elif len(got) < len(shape):
                hint = "a sum or mean was taken where the task wants one value per entry"
            else:
                hint = "check which axis you reduce over"
        fail(f"{what} has shape {got}, expected {tuple(shape)}", hint)


@_counted
def check_finite(result: Any, what: str, hint: str | None = None) -> None:
    """Check that every value in ``result`` is finite (no NaN, no infinity).

    Raises
    ------
    ExerciseFailed
        If some value is NaN or infinite.

    """
    __tracebackhide__ = True
    arr = check_array(result, what)
    _tick()
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.any(np.isnan(arr)) else "infinity"
        fail(
            f"{what} gave {describe(arr if arr.ndim else float(arr))}, which contains {bad}",
            hint or "subtract the largest logit before exponentiating, or use np.logaddexp",
        )


@_counted
def check_value(
    got: Any,
    expected: Any,
    what: str,
    hint: str | None = None,
    *,
    mistakes: Iterable[tuple[Any, str]] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Check that ``got`` equals ``expected`` up to a tolerance.

    Scalars must be scalars and arrays must match in shape before values are compared.
    If ``got`` is wrong and equals one of the known ``mistakes``, that mistake's hint
    replaces ``hint`` (see :func:`diagnose`).

    Parameters
    ----------
    got : Any
        The student's result.
    expected : float or array_like
        The hand-computed value.
    what : str
        Describes the quantity, e.g. ``"for residual 3.0 and delta 1.0 the Huber loss"``.
    hint : str, optional
        A likely cause, appended after a colon.
    mistakes : iterable of (value, hint) pairs, optional
        The known wrong answers of this case, with their hints.
    rtol, atol : float, optional
        Tolerances as in :func:`numpy.isclose`.

    Raises
    ------
    ExerciseFailed
        ``"<what> is <expected>, yours gave <got>: <hint>"``.

    """
    __tracebackhide__ = True
    exp = np.asarray(expected, dtype=np.float64)
    mistakes = list(mistakes)
    if mistakes and not close(got, exp, rtol=rtol, atol=atol):
        hint = diagnose(got, mistakes, hint)
    if exp.ndim == 0:
        value = check_scalar(got, what)
        _tick()
        if not math.isclose(value, float(exp), rel_tol=rtol, abs_tol=atol) and not (
            math.isnan(value) and math.isnan(float(exp))
        ):
            fail(f"{what} is {describe(float(exp))}, yours gave {describe(value)}", hint)
        return
    arr = check_array(got, what)
    check_shape(arr, exp.shape, what)
    _tick()
    near = np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if not np.all(near):
        idx = tuple(int(i) for i in np.argwhere(~near)[0])
        fail(
            f"{what} is {describe(exp)}, yours gave {describe(arr)} "
            f"(first difference at index {idx}: expected {describe(float(exp[idx]))}, "
            f"got {describe(float(arr[idx]))})",
            hint,
        )


@dataclass(frozen=True)
class Case:
    """One hand-computed case: arguments, expected result and a hint if it fails.

    Attributes
    ----------
    args : tuple
        Positional arguments for the student's function.
    expected : float or array_like
        The correct result.
    hint : str, optional
        What a wrong answer here most likely means.
    kwargs : dict
        Keyword arguments.
    what : str, optional
        How to describe the case in feedback, e.g. ``"for residual 3.0 and delta 1.0
        the Huber loss"``; by default the call itself is shown.
    rtol, atol : float
        Tolerances.
    mistakes : sequence of (value, hint) pairs
        The known wrong answers of this case: a result equal to one of them gets its
        hint instead of ``hint`` (see :func:`diagnose`).

    """

    args: tuple
    expected: Any
    hint: str | None = None
    kwargs: dict = field(default_factory=dict)
    what: str | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    mistakes: Sequence[tuple[Any, str]] = ()


def check_cases(func: Callable, cases: Iterable[Case]) -> None:
    """Run the student's ``func`` on each case and compare with the expected result.

    Each case is independent: the grader gives partial credit per case (see
    :func:`check_each`).

    Raises
    ------
    ExerciseFailed
        At the first case that differs, naming it.

    """
    __tracebackhide__ = True
    check_each(cases, functools.partial(check_case, func))


def check_case(func: Callable, case: Case) -> None:
    """Call the student's ``func`` on one case and compare with its expected result.

    Raises
    ------
    ExerciseFailed
        If the result differs, with the hint of the known mistake it matches, if any.

    """
    __tracebackhide__ = True
    result = call(func, *case.args, **case.kwargs)
    what = case.what or _signature_text(func, case.args, case.kwargs)
    check_value(
        result,
        case.expected,
        what,
        case.hint,
        mistakes=case.mistakes,
        rtol=case.rtol,
        atol=case.atol,
    )


@_counted
def check_raises(
    func: Callable,
    args: tuple,
    exceptions: type[BaseException] | tuple[type[BaseException], ...],
    what: str,
    hint: str | None = None,
    kwargs: dict | None = None,
) -> None:
    """Check that the student's ``func`` raises one of ``exceptions`` on ``args``.

    Used for invalid input, e.g. an empty array, which a loss should reject with a
    ``ValueError`` instead of returning NaN.

    Raises
    ------
    ExerciseFailed
        If ``func`` returns normally or raises another kind of error.

    """
    __tracebackhide__ = True
    kwargs = kwargs or {}
    expected = exceptions if isinstance(exceptions, tuple) else (exceptions,)
    names = " or ".join(e.__name__ for e in expected)
    shown = _signature_text(func, args, kwargs)
    _tick()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except expected:
        return
    except Exception as err:
        fail(f"{what}: {shown} raised {type(err).__name__}: {err}, expected {names}", hint)
    fail(f"{what}: {shown} returned {describe(result)}, expected it to raise {names}", hint)


def finite_difference(f: Callable[[np.ndarray], float], x: Any, *, eps: float = 1e-6) -> np.ndarray:
    r"""Central finite-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a number.
    x : array_like
        The point.
    eps : float, optional
        Step size.

    Returns
    -------
    numpy.ndarray
        ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for each entry ``i``, shaped like ``x``.

    Notes
    -----
    The error is :math:`O(\varepsilon^2)` for smooth ``f``.

    Examples
    --------
    >>> np.round(finite_difference(lambda v: float(np.sum(v**2)), [1.0, -2.0]), 6)
    array([ 2., -4.])

    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (float(f(x + step)) - float(f(x - step))) / (2.0 * eps)
    return grad


@_counted
def check_gradient(
    grad: Callable,
    loss: Callable,
    input: Any,
    *args: Any,
    what: str | None = None,
    hint: str | None = None,
    eps: float = 1e-6,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    **kwargs: Any,
) -> None:
    """Compare the student's gradient with central finite differences of ``loss``.

    Parameters
    ----------
    grad : callable
        The student's ``grad(input, *args, **kwargs)``; must return an array shaped like
        ``input``.
    loss : callable
        The loss ``loss(input, *args, **kwargs) -> float`` to differentiate numerically,
        either the reference loss or the student's own (then wrap it with :func:`call`).
    input : array_like
        Where to compare; choose points away from kinks (e.g. ``|r| != delta``).
    *args, **kwargs
        Further arguments for both functions (target, options).
    what, hint : str, optional
        Feedback wording.
    eps, rtol, atol : float, optional
        Step and tolerances.

    Raises
    ------
    ExerciseFailed
        If shapes differ or any entry disagrees.

    """
    __tracebackhide__ = True
    x = np.asarray(input, dtype=np.float64)
    got = check_array(call(grad, x, *args, **kwargs), f"the gradient {_name(grad)}")
    numeric = finite_difference(lambda v: loss(v, *args, **kwargs), x, eps=eps)
    label = what or f"at input {describe(x)} the gradient (by central finite differences)"
    check_shape(
        got,
        x.shape,
        f"the gradient at input {describe(x)}",
        "a gradient has the shape of the input it differentiates",
    )
    check_value(
        got,
        numeric,
        label,
        hint
        or "compare your derivative with the formula term by "
        "term; a missing 1/n from the mean is the usual culprit",
        rtol=rtol,
        atol=atol,
    )
