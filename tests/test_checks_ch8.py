"""The chapter 8 checkers accept correct answers and reject typical wrong ones with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import checks, losses
from lossviz.checks import ExerciseFailed, ch8


def test_chapter_8_checkers_are_reachable_from_checks():
    assert checks.ch8 is ch8
    assert set(ch8.__all__) == {"contrastive", "dpo", "ndcg"}


def stub(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("checker", [ch8.contrastive, ch8.dpo, ch8.ndcg])
def test_untouched_stub_fails_kindly(checker):
    with pytest.raises(ExerciseFailed, match="still raises NotImplementedError"):
        checker(stub)


# ---------------------------------------------------------------- contrastive
def _d(x1, x2):
    return np.linalg.norm(np.asarray(x1, float) - np.asarray(x2, float), axis=1)


def good_contrastive(x1, x2, y, margin=1.0):
    d = _d(x1, x2)
    y = np.asarray(y)
    return float(np.mean(np.where(y == 1, 0.5 * d**2, 0.5 * np.maximum(margin - d, 0) ** 2)))


def test_contrastive_accepts_the_reference_answer_and_lossviz(capsys):
    ch8.contrastive(good_contrastive)
    ch8.contrastive(lambda x1, x2, y, margin=1.0: losses.contrastive(x1, x2, y, margin=margin))
    out = capsys.readouterr().out
    assert out.count("Contrastive loss: correct (5 checks passed)") == 2


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda a, b, y, margin=1.0: 2 * good_contrastive(a, b, y, margin), "factor 1/2"),
        (
            lambda a, b, y, margin=1.0: float(
                np.mean(
                    np.where(
                        np.asarray(y) == 1,
                        0.5 * _d(a, b) ** 2,
                        0.5 * np.maximum(margin - _d(a, b), 0),
                    )
                )
            ),
            "SQUARED, then halved",
        ),
        (
            lambda a, b, y, margin=1.0: good_contrastive(a, b, -np.asarray(y), margin),
            "labels are swapped",
        ),
        (
            lambda a, b, y, margin=1.0: len(y) * good_contrastive(a, b, y, margin),
            "sum over pairs",
        ),
        (lambda a, b, y, margin=1.0: good_contrastive(a, b, y, 1.0), "margin argument"),
    ],
)
def test_contrastive_names_the_mistake(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch8.contrastive(wrong)


# ------------------------------------------------------------------------ dpo
def good_dpo(pi_w, pi_l, ref_w, ref_l, beta=0.1):
    h = beta * ((np.asarray(pi_w) - ref_w) - (np.asarray(pi_l) - ref_l))
    return float(np.mean(np.logaddexp(0.0, -h)))


def test_dpo_accepts_the_reference_answer_and_lossviz(capsys):
    ch8.dpo(good_dpo)
    ch8.dpo(lambda a, b, c, d, beta=0.1: losses.dpo(a, b, c, d, beta=beta))
    assert capsys.readouterr().out.count("DPO loss: correct (7 checks passed)") == 2


def naive_dpo(pi_w, pi_l, ref_w, ref_l, beta=0.1):
    h = beta * ((np.asarray(pi_w) - ref_w) - (np.asarray(pi_l) - ref_l))
    return float(np.mean(-np.log(1 / (1 + np.exp(-h)))))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda a, b, c, d, beta=0.1: good_dpo(a, b, c, d, 1.0), "beta seems to be missing"),
        (lambda a, b, c, d, beta=0.1: good_dpo(a, b, 0 * c, 0 * d, beta), "reference"),
        (lambda a, b, c, d, beta=0.1: good_dpo(b, a, d, c, beta), "sign of h is flipped"),
        (lambda a, b, c, d, beta=0.1: -good_dpo(b, a, d, c, beta), "MINUS log sigmoid"),
        (lambda a, b, c, d, beta=0.1: good_dpo(c, d, a, b, beta), "reference are swapped"),
        (lambda a, b, c, d, beta=0.1: len(a) * good_dpo(a, b, c, d, beta), "sum over pairs"),
        (naive_dpo, "overflow"),
    ],
)
def test_dpo_names_the_mistake(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch8.dpo(wrong)


# ----------------------------------------------------------------------- ndcg
def good_ndcg(scores, relevance, k):
    rel = np.asarray(relevance, float)
    disc = 1 / np.log2(np.arange(2, k + 2))

    def dcg(r):
        r = r[:k]
        return np.sum((2**r - 1) * disc[: r.size])

    return float(dcg(rel[np.argsort(-np.asarray(scores))]) / dcg(np.sort(rel)[::-1]))


def test_ndcg_accepts_the_reference_answer(capsys):
    ch8.ndcg(good_ndcg)
    assert "NDCG@k: correct (4 checks passed)" in capsys.readouterr().out


def _linear_ndcg(scores, relevance, k):
    return good_ndcg(scores, np.log2(np.asarray(relevance, float) + 1), k)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (_linear_ndcg, "gains are linear"),
        (lambda s, r, k: good_ndcg(-np.asarray(s), r, k), "INCREASING"),
        (lambda s, r, k: good_ndcg(s, r, len(r)), "k seems to be ignored"),
    ],
)
def test_ndcg_names_the_mistake(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch8.ndcg(wrong)


def test_ndcg_without_normalisation_is_called_dcg():
    def dcg_only(scores, relevance, k):
        rel = np.asarray(relevance, float)[np.argsort(-np.asarray(scores))][:k]
        return float(np.sum((2**rel - 1) / np.log2(np.arange(2, rel.size + 2))))

    with pytest.raises(ExerciseFailed, match="this is DCG@k"):
        ch8.ndcg(dcg_only)


# ------------------------------------------------------------- collect mode (the grader)
# The classroom grader runs each checker in collect mode and splits the points over its
# cases: an answer right on some cases must get those, whatever fails before them.


def _verdicts(checker, answer):
    from lossviz.checks._core import collect

    outcomes, printed = collect(checker, answer)
    return [o.passed for o in outcomes], [o.message for o in outcomes], printed


def test_contrastive_grades_each_case_on_its_own():
    assert _verdicts(ch8.contrastive, good_contrastive)[0] == [True] * 5
    summed = lambda a, b, y, margin=1.0: len(y) * good_contrastive(a, b, y, margin)  # noqa: E731
    passed, messages, printed = _verdicts(ch8.contrastive, summed)
    assert passed == [True, True, True, False, False] and printed == ""  # one pair: sum = mean
    assert all("sum over pairs" in m for m in messages[3:])


def test_dpo_grades_the_overflow_case_on_its_own():
    assert _verdicts(ch8.dpo, good_dpo)[0] == [True] * 6
    passed, messages, _ = _verdicts(ch8.dpo, naive_dpo)
    assert passed == [True] * 5 + [False]
    assert "overflow" in messages[5]
    flipped = lambda a, b, c, d, beta=0.1: good_dpo(b, a, d, c, beta)  # noqa: E731
    passed, _, _ = _verdicts(ch8.dpo, flipped)
    assert passed == [True, False, False, False, False, False]  # at the reference h = 0


def test_ndcg_grades_each_case_on_its_own():
    assert _verdicts(ch8.ndcg, good_ndcg)[0] == [True] * 4
    passed, messages, _ = _verdicts(ch8.ndcg, lambda s, r, k: good_ndcg(s, r, len(r)))
    assert passed == [True, True, False, False]  # k is the list's length in the first two
    assert "k seems to be ignored" in messages[3]
