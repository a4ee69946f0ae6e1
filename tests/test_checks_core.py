"""The shared checker machinery in lossviz.checks._core: what a student sees."""

from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from lossviz import checks
from lossviz.checks import Case, ExerciseFailed


def huber(input, target, delta=1.0):
    r = np.abs(np.asarray(input, dtype=float) - np.asarray(target, dtype=float))
    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


def huber_grad(input, target, delta=1.0):
    r = np.asarray(input, dtype=float) - np.asarray(target, dtype=float)
    return np.clip(r, -delta, delta) / r.size


@checks.exercise("Huber loss")
def check_huber(func):
    checks.check_cases(
        func,
        [
            Case(
                ([3.0], [0.0]),
                2.5,
                kwargs={"delta": 1.0},
                what="for residual 3.0 and delta 1.0 the Huber loss",
                hint="is the quadratic branch used outside |r| <= delta?",
            ),
            Case(
                ([0.5], [0.5]),
                0.0,
                what="for a zero residual the Huber loss",
                hint="a perfect prediction costs nothing",
            ),
        ],
    )


def test_a_correct_answer_prints_one_short_confirmation(capsys) -> None:
    check_huber(huber)
    out = capsys.readouterr().out
    assert out == "✔ Huber loss: correct (2 checks passed).\n"


def test_a_wrong_answer_fails_with_the_hand_computed_case_and_hint() -> None:
    def quadratic_everywhere(input, target, delta=1.0):
        r = np.asarray(input) - np.asarray(target)
        return float(np.mean(0.5 * r**2))

    with pytest.raises(ExerciseFailed) as info:
        check_huber(quadratic_everywhere)
    assert str(info.value) == (
        "Huber loss: for residual 3.0 and delta 1.0 the Huber loss is 2.5, yours gave 4.5: "
        "is the quadratic branch used outside |r| <= delta?"
    )
    assert isinstance(info.value, AssertionError)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_the_untouched_stub_gets_a_friendly_message() -> None:
    def my_huber(input, target, delta=1.0):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="my_huber still raises NotImplementedError"):
        check_huber(my_huber)


def test_an_error_in_the_students_code_reaches_them_with_a_note() -> None:
    def my_huber(input, target, delta=1.0):
        return {}["oops"]

    with pytest.raises(KeyError) as info:
        check_huber(my_huber)
    assert info.value.__notes__ == [
        "The error above came from your function, called as my_huber([3], [0], delta=1)."
    ]


def test_a_bug_in_a_checker_becomes_a_message_not_a_traceback() -> None:
    @checks.exercise("Broken checker")
    def broken(func):
        return 1 / 0

    with pytest.raises(ExerciseFailed, match="could not make sense") as info:
        broken(huber)
    assert isinstance(info.value.internal_error, ZeroDivisionError)


def test_passing_nothing_or_a_result_instead_of_a_function_is_explained() -> None:
    with pytest.raises(ExerciseFailed, match="call it with your function"):
        check_huber()
    with pytest.raises(ExerciseFailed, match="expected your function, got 2.5: pass the function"):
        check_huber(2.5)


def test_returning_none_or_an_array_instead_of_a_number_is_explained() -> None:
    with pytest.raises(ExerciseFailed, match="forget the `return`"):
        check_huber(lambda input, target, delta=1.0: None)
    with pytest.raises(ExerciseFailed, match="reduce"):
        check_huber(lambda input, target, delta=1.0: np.array([2.5, 1.0]))
    with pytest.raises(ExerciseFailed, match="boolean"):
        checks.check_scalar(True, "f(1)")
    with pytest.raises(ExerciseFailed, match="single real number"):
        checks.check_scalar("2.5", "f(1)")
    assert checks.check_scalar(np.array([[2.5]]), "f") == 2.5


def test_students_cannot_change_the_checkers_data() -> None:
    data = np.array([3.0])

    def mutating(input, target, delta=1.0):
        input[...] = 0.0
        return 2.5

    checks.call(mutating, data, [0.0])
    assert data[0] == 3.0


def test_shape_checks_name_the_usual_broadcasting_mistake() -> None:
    with pytest.raises(ExerciseFailed, match=r"shape \(3, 3\), expected \(3,\).*broadcast"):
        checks.check_shape(np.zeros((3, 3)), (3,), "the loss per sample")
    with pytest.raises(ExerciseFailed, match="sum or mean"):
        checks.check_shape(np.float64(1.0), (3,), "the loss per sample")
    checks.check_shape(np.zeros(3), (3,), "the loss per sample")


def test_array_values_report_the_first_difference() -> None:
    with pytest.raises(ExerciseFailed, match=r"first difference at index \(1,\)"):
        checks.check_value([1.0, 2.5, 3.0], [1.0, 2.0, 3.0], "the residuals")
    checks.check_value([1.0, 2.0 + 1e-12], [1.0, 2.0], "the residuals")


def test_huge_logits_that_overflow_fail_with_a_stability_hint() -> None:
    def naive_softplus(z):
        return float(np.log1p(np.exp(np.asarray(z, dtype=float))).sum())

    with pytest.raises(ExerciseFailed, match="overflow.*stable") as info:
        checks.call(naive_softplus, [1e4])
    assert "RuntimeWarning" in str(info.value)
    value = checks.call(lambda z: float(np.logaddexp(0.0, np.asarray(z)).sum()), [1e4])
    checks.check_finite(value, "softplus(1e4)")
    with pytest.raises(ExerciseFailed, match="infinity"):
        checks.check_finite(np.array([1.0, np.inf]), "softplus")
    with pytest.raises(ExerciseFailed, match="NaN"):
        checks.check_finite(math.nan, "softplus")


def test_only_numerical_warnings_fail_a_check() -> None:
    import warnings

    def chatty(x):
        warnings.warn("please upgrade", DeprecationWarning, stacklevel=1)
        return x

    assert checks.call(chatty, 2.0) == 2.0


def test_empty_input_can_be_required_to_raise() -> None:
    def strict_mean(x):
        x = np.asarray(x, dtype=float)
        if x.size == 0:
            raise ValueError("input is empty")
        return float(x.mean())

    checks.check_raises(strict_mean, ([],), ValueError, "for empty input")
    with pytest.raises(ExerciseFailed, match="returned nan, expected it to raise ValueError"):
        checks.check_raises(lambda x: float(np.mean(x)), ([],), ValueError, "for empty input")
    with pytest.raises(ExerciseFailed, match="raised IndexError"):
        checks.check_raises(lambda x: x[0], ([],), ValueError, "for empty input")


def test_central_differences_match_an_analytic_gradient() -> None:
    x = np.array([0.3, -2.0, 4.0])
    numeric = checks.finite_difference(lambda v: huber(v, np.zeros(3)), x)
    np.testing.assert_allclose(numeric, huber_grad(x, np.zeros(3)), rtol=1e-6, atol=1e-8)


def test_gradient_check_accepts_the_right_gradient_and_explains_a_wrong_one(capsys) -> None:
    x, t = np.array([0.3, -2.0, 4.0]), np.zeros(3)
    checks.check_gradient(huber_grad, huber, x, t)

    def missing_mean(input, target, delta=1.0):
        return np.clip(np.asarray(input) - target, -delta, delta)

    with pytest.raises(ExerciseFailed, match="missing 1/n"):
        checks.check_gradient(missing_mean, huber, x, t)
    with pytest.raises(ExerciseFailed, match="shape of the input"):
        checks.check_gradient(lambda i, tt: np.zeros(2), huber, x, t)
    assert capsys.readouterr().out == ""


def test_describe_is_short() -> None:
    assert checks.describe(2.5) == "2.5"
    assert checks.describe([1.0, 2.0]) == "[1, 2]"
    assert checks.describe(np.arange(10.0)).endswith("...] (shape (10,))")
    assert checks.describe(None) == "None"
    assert checks.describe("x" * 100).startswith("a str 'xxx")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_in_a_notebook_a_failure_shows_one_line_and_scores_as_an_error() -> None:
    code = (
        "import numpy as np\nfrom lossviz import checks\n"
        "@checks.exercise('Twice')\n"
        "def check(f):\n"
        "    checks.check_cases(f, [checks.Case((2.0,), 4.0, hint='double it')])\n"
    )
    nb = new_notebook(
        cells=[
            new_code_cell(code),
            new_code_cell("check(lambda x: x + 1)"),
            new_code_cell("check(lambda x: 2 * x)"),
            new_code_cell("def mine(x):\n    return [][1]\ncheck(mine)"),
        ]
    )
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute()
    failed, passed, raised = nb.cells[1].outputs, nb.cells[2].outputs, nb.cells[3].outputs
    assert [o.output_type for o in failed] == ["error"]
    assert failed[0].ename == "ExerciseFailed"
    assert len(failed[0].traceback) == 1 and "double it" in failed[0].traceback[0]
    assert passed[0].text == "✔ Twice: correct (1 check passed).\n"
    text = nbformat.writes(nb)
    assert "_core.py" not in "".join(raised[0].traceback)
    assert "came from your function, called as mine(2)" in raised[0].traceback[-1]
    assert "IndexError" in text


# ----------------------------------------------------------------------------- collect mode
# What the classroom grader sees: every independent case, and a number of cases that a
# student's answer cannot change.


@checks.exercise("Square")
def check_square(func):
    checks.check_each(
        [1.0, 2.0, -3.0], lambda x: checks.check_value(checks.call(func, x), x * x, f"{x:g}**2")
    )
    checks.check_finite(checks.call(func, 1e3), "the square of 1000")


def test_collect_records_every_case_and_a_notebook_stops_at_the_first() -> None:
    from lossviz.checks._core import collect

    def half_right(x):
        return x * x if x > 0 else 0.0

    outcomes, printed = collect(check_square, half_right)
    assert [o.passed for o in outcomes] == [True, True, False, True]
    assert "-3**2 is 9, yours gave 0" in outcomes[2].message
    assert printed == ""
    with pytest.raises(ExerciseFailed, match=r"-3\*\*2 is 9"):
        check_square(half_right)


def test_collect_an_error_in_one_case_does_not_stop_the_others() -> None:
    from lossviz.checks._core import collect

    def picky(x):
        if x == 2.0:
            raise KeyError("two")
        return x * x

    outcomes, _ = collect(check_square, picky)
    assert [o.passed for o in outcomes] == [True, False, True, True]
    assert "KeyError" in outcomes[1].message and "came from your function" in outcomes[1].message


def test_collect_cannot_be_shortened_by_an_answer_that_stops_the_checker() -> None:
    from lossviz.checks._core import collect
    from lossviz.classroom.grading import Exercise, QuestionResult, finish_cases

    def reference(x):
        return x * x

    reference_cases, _ = collect(check_square, reference)
    assert len(reference_cases) == 4 and all(o.passed for o in reference_cases)

    @checks.exercise("Square, checked in two steps")
    def two_steps(func):
        checks.check_value(checks.call(func, 2.0), 4.0, "2**2")  # a failure here stops it
        checks.check_each(
            [3.0, 4.0], lambda x: checks.check_value(checks.call(func, x), x * x, "x")
        )

    outcomes, _ = collect(two_steps, lambda x: None)  # stops at the first check
    assert len(outcomes) == 1
    q = QuestionResult(Exercise("nb", "q", 3.0), 0.0, "", [(o.passed, o.message) for o in outcomes])
    finish_cases(q, 3)  # the reference went through 3 cases
    assert q.score == 0 and len(q.cases) == 3 and q.message == "0 of 3 cases passed"
    good, _ = collect(two_steps, lambda x: x * x if x < 4 else 0.0)
    q = QuestionResult(Exercise("nb", "q", 3.0), 0.0, "", [(o.passed, o.message) for o in good])
    assert finish_cases(q, 3).score == 2.0


# ----------------------------------------------------------------- helpers the chapters share


@checks.exercise("Mean")
def check_mean(func):
    """Check ``my_mean(values)``."""

    def one(values):
        got = checks.check_scalar(checks.call(func, values), f"my_mean({values})")
        mistakes = [(float(np.sum(values)), "this is the sum; divide by the count")]
        checks.expect(got, float(np.mean(values)), f"my_mean({values})", mistakes, "average")

    def empty():
        checks.check_raises(func, ([],), ValueError, "for no values", "reject empty input")

    checks.require_function(func)
    checks.check_each([[1.0, 3.0], [2.0, 2.0, 8.0]], one, then=[empty])


def test_expect_names_the_known_mistake_or_gives_the_default() -> None:
    with pytest.raises(
        ExerciseFailed, match=r"my_mean\(\[1.0, 3.0\]\) should be 2, yours gave 4: this is the sum"
    ):
        check_mean(lambda v: float(np.sum(v)))
    with pytest.raises(ExerciseFailed, match=r"should be 2, yours gave 7: average$"):
        check_mean(lambda v: 7.0)


def test_expect_computes_lazy_mistakes_only_for_a_wrong_answer() -> None:
    calls = []

    def mistakes():
        calls.append(1)
        return [(4.0, "the sum")]

    checks.expect(2.0, 2.0, "x", mistakes)
    assert calls == []
    with pytest.raises(ExerciseFailed, match="x should be 2, yours gave 4: the sum"):
        checks.expect(4.0, 2.0, "x", mistakes)
    assert calls == [1]


def test_check_each_then_adds_independent_cases_after_the_items() -> None:
    def mean_accepting_empty(v):
        return float(np.mean(v)) if len(v) else 0.0

    outcomes, printed = checks._core.collect(check_mean, mean_accepting_empty)
    assert [o.passed for o in outcomes] == [True, True, False]
    assert "reject empty input" in outcomes[2].message and printed == ""


def test_require_function_rejects_a_result_passed_instead_of_a_function() -> None:
    with pytest.raises(
        ExerciseFailed, match="Mean: expected a function, got 2.5: pass the function"
    ):
        check_mean(2.5)


def my_sum(values):
    return float(np.sum(values))


def test_check_value_and_case_mistakes_replace_the_default_hint() -> None:
    with pytest.raises(ExerciseFailed, match="is 2, yours gave 4: the sum"):
        checks.check_value(4.0, 2.0, "the mean", "average", mistakes=[(4.0, "the sum")])
    with pytest.raises(ExerciseFailed, match="is 2, yours gave 5: average"):
        checks.check_value(5.0, 2.0, "the mean", "average", mistakes=[(4.0, "the sum")])
    case = Case(([1.0, 3.0],), 2.0, "average", mistakes=[(4.0, "the sum")])
    with pytest.raises(ExerciseFailed, match=r"my_sum\(\[1, 3\]\) is 2, yours gave 4: the sum"):
        checks.check_case(my_sum, case)


def test_exercise_adds_the_shared_docstring_sections_once() -> None:
    doc = check_mean.__doc__
    assert doc.startswith("Check ``my_mean(values)``.")
    assert "Parameters\n----------\nfunc : callable\n    The student's function." in doc
    assert doc.count("Raises\n------\nExerciseFailed") == 1

    # a checker that documents its own parameters keeps its docstring as it is
    def documented(answer):
        """Check it.

        Parameters
        ----------
        answer : callable
            Something else.
        """

    assert checks.exercise("Own")(documented).__doc__ == documented.__doc__
    # and the shared sections go before the Examples, as numpydoc orders them
    giou = checks.giou.__doc__
    assert giou.index("Parameters") < giou.index("Raises") < giou.index("Examples")
