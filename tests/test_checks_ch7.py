"""The chapter 7 checkers accept correct answers and reject typical mistakes with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import checks
from lossviz.checks import ch7
from lossviz.checks.ch7 import ExerciseFailed


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


# ------------------------------------------------------------------ masked_ce
def good_masked_ce(logits, targets, ignore_index=-100):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    keep = t != ignore_index
    logp = _log_softmax(z)
    picked = np.take_along_axis(logp, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return float(-picked[keep].sum() / keep.sum())


def _per_token(logits, targets, ignore_index):
    t = np.asarray(targets)
    keep = t != ignore_index
    logp = _log_softmax(np.asarray(logits, dtype=float))
    picked = np.take_along_axis(logp, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return np.where(keep, -picked, 0.0), keep


def all_positions(logits, targets, ignore_index=-100):
    nll, _ = _per_token(logits, targets, ignore_index)
    return float(nll.mean())


def sequence_means(logits, targets, ignore_index=-100):
    nll, keep = _per_token(logits, targets, ignore_index)
    return float(np.mean(nll.sum(axis=1) / keep.sum(axis=1)))


def wrong_axis(logits, targets, ignore_index=-100):
    """Softmax over axis 1 (positions), as PyTorch would do silently when T == V."""
    z = np.asarray(logits, dtype=float)
    if z.shape[1] != z.shape[2]:
        return good_masked_ce(logits, targets, ignore_index)  # shapes only fit when T == V
    t = np.asarray(targets)
    keep = t != ignore_index
    logp = _log_softmax(np.swapaxes(z, 1, 2))  # classes taken from axis 1
    picked = np.take_along_axis(logp, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return float(-picked[keep].sum() / keep.sum())


def naive_softmax(logits, targets, ignore_index=-100):
    z = np.asarray(logits, dtype=float)
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    t = np.asarray(targets)
    keep = t != ignore_index
    picked = np.take_along_axis(p, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return float(-np.log(picked[keep]).sum() / keep.sum())


def hardcoded_ignore(logits, targets, ignore_index=-100):
    return good_masked_ce(logits, targets)  # ignores the ignore_index argument


def test_checkers_are_reexported():
    assert checks.masked_ce is ch7.masked_ce
    assert checks.ctc is ch7.ctc
    assert checks.ch7 is ch7


def test_masked_ce_accepts_a_correct_answer(capsys):
    ch7.masked_ce(good_masked_ce)
    assert "correct (3 checks passed)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (all_positions, "divided by all N\\*T positions"),
        (sequence_means, "averaged the per-sequence means"),
        (wrong_axis, "LAST axis"),
        (hardcoded_ignore, "ignore_index=-1"),
    ],
)
def test_masked_ce_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch7.masked_ce(wrong)


def test_masked_ce_reports_the_overflow_of_a_naive_softmax():
    with pytest.raises(ExerciseFailed, match="warning|inf|nan"):
        ch7.masked_ce(naive_softmax)


def test_untouched_masked_ce_fails_kindly():
    def my_masked_ce(logits, targets, ignore_index=-100):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="still raises NotImplementedError"):
        ch7.masked_ce(my_masked_ce)


# ------------------------------------------------------------------------ ctc
def _ctc(log_probs, target, blank=0, *, skip_repeats=False, log_space=True):
    lp = np.asarray(log_probs, dtype=float)
    ext = [blank]
    for label in target:
        ext += [int(label), blank]
    if not log_space:
        p = np.exp(lp)
        a = np.zeros(len(ext))
        a[: min(2, len(ext))] = p[0, ext[: min(2, len(ext))]]
        for t in range(1, len(p)):
            new = np.zeros(len(ext))
            for s in range(len(ext)):
                v = a[s] + (a[s - 1] if s >= 1 else 0.0)
                if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                    v += a[s - 2]
                new[s] = v * p[t, ext[s]]
            a = new
        total = a[-1] + (a[-2] if len(ext) > 1 else 0.0)
        with np.errstate(divide="ignore"):
            return float(-np.log(total))
    a = np.full(len(ext), -np.inf)
    a[: min(2, len(ext))] = lp[0, ext[: min(2, len(ext))]]
    for t in range(1, len(lp)):
        new = np.full(len(ext), -np.inf)
        for s in range(len(ext)):
            v = a[s]
            if s >= 1:
                v = np.logaddexp(v, a[s - 1])
            if s >= 2 and ext[s] != blank and (skip_repeats or ext[s] != ext[s - 2]):
                v = np.logaddexp(v, a[s - 2])
            new[s] = v + lp[t, ext[s]]
        a = new
    total = a[-1] if len(ext) == 1 else np.logaddexp(a[-1], a[-2])
    return float(-total)


def good_ctc(log_probs, target, blank=0):
    return _ctc(log_probs, target, blank)


def test_ctc_accepts_a_correct_answer(capsys):
    ch7.ctc(good_ctc)
    assert "correct (5 checks passed)" in capsys.readouterr().out


def test_ctc_accepts_lossviz_as_a_correct_answer(capsys):
    from lossviz import losses

    def via_lossviz(log_probs, target, blank=0):
        lp = np.asarray(log_probs)
        return losses.ctc(lp, target, len(lp), len(target), blank=blank, reduction="sum")

    ch7.ctc(via_lossviz)
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda lp, t, blank=0: _ctc(lp, t, blank, skip_repeats=True), "skip between two equal"),
        (lambda lp, t, blank=0: _ctc(lp, t, 0), "use the blank argument"),
        (lambda lp, t, blank=0: _ctc(lp, t, blank, log_space=False), "np.logaddexp"),
        (lambda lp, t, blank=0: -_ctc(lp, t, blank), "-log\\(3/4\\)"),
    ],
)
def test_ctc_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch7.ctc(wrong)


def test_untouched_ctc_fails_kindly():
    def my_ctc(log_probs, target, blank=0):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="still raises NotImplementedError"):
        ch7.ctc(my_ctc)


# ------------------------------------------------------------- collect mode (the grader)
def _verdicts(checker, answer):
    from lossviz.checks._core import collect

    outcomes, printed = collect(checker, answer)
    return [o.passed for o in outcomes], [o.message for o in outcomes], printed


def test_masked_ce_grades_each_case_on_its_own():
    assert _verdicts(ch7.masked_ce, good_masked_ce)[0] == [True] * 3
    passed, messages, printed = _verdicts(ch7.masked_ce, hardcoded_ignore)
    assert passed == [True, True, False] and printed == ""
    assert "ignore_index=-1" in messages[2]


def test_ctc_grades_each_case_on_its_own():
    assert _verdicts(ch7.ctc, good_ctc)[0] == [True] * 5
    probability_space = lambda lp, t, blank=0: _ctc(lp, t, blank, log_space=False)  # noqa: E731
    passed, messages, _ = _verdicts(ch7.ctc, probability_space)
    assert passed == [True, True, True, True, False]  # only 2000 frames underflow
    assert "np.logaddexp" in messages[4]
