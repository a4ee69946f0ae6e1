"""The chapter 9 checkers accept correct answers and reject typical mistakes with a hint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lossviz import checks
from lossviz.checks import ch9
from lossviz.checks.ch9 import ExerciseFailed


def good_kl(mu, logvar):
    mu, lv = np.asarray(mu, float), np.asarray(logvar, float)
    return float(0.5 * np.sum(np.exp(lv) + mu**2 - 1 - lv))


def good_bpd(x, shift, log_scale):
    z = (x - shift) * np.exp(-log_scale)
    d = x.shape[1]
    nll = 0.5 * np.sum(z**2, axis=1) + 0.5 * d * np.log(2 * np.pi) + np.sum(log_scale)
    return float(np.mean(nll) / (d * np.log(2)))


def good_d_loss(real, fake):
    return float(np.mean(np.logaddexp(0, -real)) + np.mean(np.logaddexp(0, fake)))


def test_checkers_are_reexported():
    assert checks.gaussian_kl is ch9.gaussian_kl
    assert checks.bits_per_dim is ch9.bits_per_dim
    assert checks.discriminator_loss is ch9.discriminator_loss


@pytest.mark.parametrize(
    ("checker", "answer"),
    [
        (ch9.gaussian_kl, good_kl),
        (ch9.bits_per_dim, good_bpd),
        (ch9.discriminator_loss, good_d_loss),
    ],
)
def test_reference_solutions_pass(checker, answer, capsys):
    checker(answer)
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda m, lv: 2 * good_kl(m, lv), "factor 1/2"),
        (lambda m, lv: good_kl(m, lv) / len(m), "averaged over the coordinates"),
        (lambda m, lv: float(0.5 * np.sum(np.exp(2 * lv) + m**2 - 1 - 2 * lv)), "not exp"),
        (lambda m, lv: float(0.5 * np.sum(np.exp(lv) + m**2 - 1 + lv)), "sign of the log"),
        (lambda m, lv: float(0.5 * np.sum(np.exp(lv) + m**2 - lv)), "the -1"),
        (lambda m, lv: 0.0, r"0\.5 \* sum"),
        (lambda m, lv: None, "return"),
    ],
)
def test_gaussian_kl_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch9.gaussian_kl(wrong)


def _nats(x, s, ls):
    return good_bpd(x, s, ls) * math.log(2)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (
            lambda x, s, ls: good_bpd(x, s, ls) - np.sum(ls) / (x.shape[1] * np.log(2)),
            "log-determinant term is missing",
        ),
        (
            lambda x, s, ls: good_bpd(x, s, ls) - 2 * np.sum(ls) / (x.shape[1] * np.log(2)),
            "wrong sign",
        ),
        (_nats, "nats"),
        (lambda x, s, ls: good_bpd(x, s, ls) * x.shape[1], "number of dimensions"),
        (lambda x, s, ls: good_bpd(x, s, ls) - 0.5 * np.log2(2 * np.pi), "log\\(2 pi\\)"),
        (lambda x, s, ls: 1.0, "mean over samples"),
    ],
)
def test_bits_per_dim_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch9.bits_per_dim(wrong)


def naive_d_loss(real, fake):
    d_real, d_fake = 1 / (1 + np.exp(-real)), 1 / (1 + np.exp(-fake))
    return float(-np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake)))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda r, f: good_d_loss(f, r), "swapped"),
        (lambda r, f: -good_d_loss(r, f), "sign"),
        (lambda r, f: float(np.mean(np.logaddexp(0, -r))), "fake samples"),
        (naive_d_loss, "warning|infinity|logaddexp"),
    ],
)
def test_discriminator_loss_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch9.discriminator_loss(wrong)


@pytest.mark.parametrize("checker", [ch9.gaussian_kl, ch9.bits_per_dim, ch9.discriminator_loss])
def test_an_untouched_answer_fails_kindly(checker):
    def untouched(*args):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="NotImplementedError"):
        checker(untouched)


# ------------------------------------------------------------- collect mode (the grader)
# The classroom grader runs each checker in collect mode and splits the points over its
# cases: an answer right on some cases must get those, whatever fails before them.


def _verdicts(checker, answer):
    from lossviz.checks._core import collect

    outcomes, printed = collect(checker, answer)
    return [o.passed for o in outcomes], [o.message for o in outcomes], printed


def test_gaussian_kl_grades_each_case_on_its_own():
    assert _verdicts(ch9.gaussian_kl, good_kl)[0] == [True] * 4
    doubled = lambda mu, logvar: 2 * good_kl(mu, logvar)  # noqa: E731
    passed, messages, printed = _verdicts(ch9.gaussian_kl, doubled)
    assert passed == [True, False, False, False] and printed == ""  # the prior's KL is 0
    assert all("factor 1/2 is missing" in m for m in messages[1:])


def test_bits_per_dim_grades_each_case_on_its_own():
    def no_logdet(x, shift, log_scale):
        d = np.shape(x)[1]
        return good_bpd(x, shift, log_scale) - float(np.sum(log_scale)) / (d * np.log(2))

    assert _verdicts(ch9.bits_per_dim, good_bpd)[0] == [True] * 4
    passed, messages, _ = _verdicts(ch9.bits_per_dim, no_logdet)
    assert passed == [True, True, False, False]  # log_scale = 0 in the first two
    assert "log-determinant term is missing" in messages[2]


def test_discriminator_loss_grades_the_overflow_case_on_its_own():
    assert _verdicts(ch9.discriminator_loss, good_d_loss)[0] == [True] * 4
    passed, messages, _ = _verdicts(ch9.discriminator_loss, naive_d_loss)
    assert passed == [True, True, True, False]
    assert "RuntimeWarning" in messages[3]
