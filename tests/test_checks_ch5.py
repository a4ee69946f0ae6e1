"""The chapter 5 checkers accept correct answers and reject typical mistakes with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import checks
from lossviz.checks import ch5
from lossviz.checks.ch5 import ExerciseFailed


def good_recall(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return np.array([np.mean(y_pred[y_true == c] == c) for c in range(y_true.max() + 1)])


def good_info_nce(sim, tau=1.0):
    s = np.asarray(sim, dtype=float) / tau
    m = s.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(s - m).sum(axis=1))
    return float(np.mean(lse - np.diag(s)))


def test_checkers_are_reexported():
    assert checks.per_class_recall is ch5.per_class_recall
    assert checks.info_nce is ch5.info_nce


def test_per_class_recall_accepts_a_correct_answer(capsys):
    ch5.per_class_recall(good_recall)
    assert "correct" in capsys.readouterr().out


def test_per_class_recall_accepts_a_list(capsys):
    ch5.per_class_recall(lambda t, p: good_recall(t, p).tolist())
    assert "correct" in capsys.readouterr().out


def _precision(t, p):
    return np.array(
        [np.mean(t[p == c] == c) if np.any(p == c) else np.nan for c in range(t.max() + 1)]
    )


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda t, p: np.full(t.max() + 1, np.mean(t == p)), "overall accuracy"),
        (lambda t, p: float(np.mean(t == p)), "one recall per class"),
        (_precision, "precision"),
        (
            lambda t, p: np.array(
                [np.sum((t == c) & (p == c)) for c in range(t.max() + 1)], dtype=float
            ),
            "counts of hits",
        ),
        (lambda t, p: None, "return"),
    ],
)
def test_per_class_recall_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch5.per_class_recall(wrong)


def test_per_class_recall_says_when_the_exercise_is_unfinished():
    def unfinished(y_true, y_pred):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="NotImplementedError"):
        ch5.per_class_recall(unfinished)


def test_per_class_recall_passes_the_students_own_error_through():
    def broken(y_true, y_pred):
        return 1 / 0

    with pytest.raises(ZeroDivisionError):
        ch5.per_class_recall(broken)


def test_info_nce_accepts_a_correct_answer(capsys):
    ch5.info_nce(good_info_nce)
    assert "correct" in capsys.readouterr().out


def _naive(sim, tau=1.0):
    s = np.asarray(sim, dtype=float) / tau
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
        return float(np.mean(-np.log(np.diag(p))))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda sim, tau=1.0: good_info_nce(sim, 1.0), "tau seems to be ignored"),
        (lambda sim, tau=1.0: good_info_nce(np.asarray(sim).T, tau), "columns"),
        (lambda sim, tau=1.0: len(sim) * good_info_nce(sim, tau), "sum over anchors"),
        (lambda sim, tau=1.0: -good_info_nce(sim, tau), "sign is flipped"),
        (lambda sim, tau=1.0: good_info_nce(np.asarray(sim) * tau * tau, tau), "divide by it"),
        (_naive, "log-sum-exp"),
    ],
)
def test_info_nce_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch5.info_nce(wrong)


def test_info_nce_of_equal_similarities_is_log_n():
    assert np.isclose(good_info_nce(np.zeros((4, 4))), np.log(4))
