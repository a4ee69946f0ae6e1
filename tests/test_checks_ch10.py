"""The chapter 10 checkers accept correct answers and reject typical mistakes with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import checks
from lossviz.checks import ch10
from lossviz.checks._core import ExerciseFailed


def good_round_bf16(x):
    x = np.asarray(x, dtype=float)
    _, e = np.frexp(x)
    q = np.ldexp(1.0, np.maximum(e, -125) - 8)
    out = np.round(x / q) * q
    big = (2 - 2.0**-7) * 2.0**127
    return np.where(np.abs(out) > big, np.copysign(np.inf, x), out)


def good_mean_grad(grads, sizes):
    return sum(n * np.asarray(g) for g, n in zip(grads, sizes, strict=True)) / sum(sizes)


def good_clip(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(np.asarray(g) ** 2) for g in grads)))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [np.asarray(g) * coef for g in grads], total


def test_checkers_are_reexported():
    assert checks.round_bf16 is ch10.round_bf16
    assert checks.global_mean_grad is ch10.global_mean_grad
    assert checks.clip_grad_norm is ch10.clip_grad_norm


@pytest.mark.parametrize(
    ("checker", "answer"),
    [
        (ch10.round_bf16, good_round_bf16),
        (ch10.global_mean_grad, good_mean_grad),
        (ch10.clip_grad_norm, good_clip),
    ],
)
def test_reference_answers_pass(checker, answer, capsys):
    checker(answer)
    assert "correct" in capsys.readouterr().out


def _truncate(x):
    x = np.asarray(x, dtype=float)
    _, e = np.frexp(x)
    q = np.ldexp(1.0, np.maximum(e, -125) - 8)
    return np.trunc(x / q) * q


def _half_up(x):
    x = np.asarray(x, dtype=float)
    _, e = np.frexp(x)
    q = np.ldexp(1.0, np.maximum(e, -125) - 8)
    return np.floor(x / q + 0.5) * q


def _clip_to_max(x):
    big = (2 - 2.0**-7) * 2.0**127
    return np.clip(good_round_bf16(x), -big, big)


def _flush(x):
    out = good_round_bf16(x)
    return np.where(np.abs(out) < 2.0**-126, 0.0, out)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (_truncate, "bfloat16 keeps 8 significant bits"),
        (_half_up, "even last bit"),
        (_clip_to_max, "not clipped to the maximum"),
        (_flush, "subnormal"),
        (lambda x: np.asarray(x, dtype=np.float32).astype(float), "8 significant bits"),
    ],
)
def test_round_bf16_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch10.round_bf16(wrong)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda g, n: np.mean(np.stack(g), axis=0), "plain average of the means"),
        (lambda g, n: sum(k * np.asarray(x) for x, k in zip(g, n, strict=True)), "then divide"),
    ],
)
def test_global_mean_grad_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch10.global_mean_grad(wrong)


def _clip_each(grads, max_norm):
    out, total = [], float(np.sqrt(sum(np.sum(np.asarray(g) ** 2) for g in grads)))
    for g in grads:
        n = np.linalg.norm(g)
        out.append(np.asarray(g) * min(1.0, max_norm / (n + 1e-6)))
    return out, total


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (_clip_each, "clipping each gradient by its own norm"),
        (lambda g, m: [np.clip(x, -m, m) for x in g], "expected a pair"),
        (lambda g, m: (g, float(sum(np.abs(x).sum() for x in g))), "all entries of all"),
    ],
)
def test_clip_grad_norm_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch10.clip_grad_norm(wrong)


@pytest.mark.parametrize("checker", [ch10.round_bf16, ch10.global_mean_grad, ch10.clip_grad_norm])
def test_an_untouched_stub_fails_kindly(checker):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="NotImplementedError"):
        checker(stub)


# ------------------------------------------------------------- collect mode (the grader)
def _verdicts(checker, answer):
    from lossviz.checks._core import collect

    outcomes, printed = collect(checker, answer)
    return [o.passed for o in outcomes], [o.message for o in outcomes], printed


def test_round_bf16_grades_each_case_on_its_own():
    assert _verdicts(ch10.round_bf16, good_round_bf16)[0] == [True] * 4
    passed, messages, printed = _verdicts(ch10.round_bf16, _flush)
    assert passed == [True, True, True, False] and printed == ""
    assert "subnormal" in messages[3]


def test_global_mean_grad_grades_each_case_on_its_own():
    assert _verdicts(ch10.global_mean_grad, good_mean_grad)[0] == [True] * 4
    plain = lambda g, n: np.mean(np.stack(g), axis=0)  # noqa: E731
    passed, messages, _ = _verdicts(ch10.global_mean_grad, plain)
    assert passed == [True, False, False, True]  # right for equal sizes and one batch
    assert "plain average of the means" in messages[1]


def test_clip_grad_norm_grades_each_case_on_its_own():
    assert _verdicts(ch10.clip_grad_norm, good_clip)[0] == [True] * 4
    passed, messages, _ = _verdicts(ch10.clip_grad_norm, _clip_each)
    assert passed == [True, True, False, False]  # right while there is one gradient
    assert "clipping each gradient by its own norm" in messages[2]
