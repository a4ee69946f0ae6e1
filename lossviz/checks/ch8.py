"""Checkers for the exercises of chapter 8, "Learning representations, rankings and preferences".

Each checker calls the student's function on independent hand-made cases (one
check each, so that partial credit can be given per case), computes the expected
value with its own NumPy code, and names the typical mistake a wrong value matches.

Functions
---------
contrastive
    Checks ``my_contrastive(x1, x2, y, margin=1.0)``: the mean contrastive loss of
    Hadsell, Chopra & LeCun with labels +1 (similar) and -1 (dissimilar).
dpo
    Checks ``my_dpo(pi_w, pi_l, ref_w, ref_l, beta=0.1)``: the mean DPO loss.
ndcg
    Checks ``my_ndcg(scores, relevance, k)``: NDCG@k of one ranked list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import (
    Case,
    call,
    check_case,
    check_each,
    check_finite,
    check_value,
    close,
    exercise,
    shown_call,
)

__all__ = ["contrastive", "dpo", "ndcg"]


def _case(name: str, args: tuple, kwargs: dict, expected: float, mistakes: list, hint: str) -> Case:
    """One independent case, shown as the call ``name(*args, **kwargs)``."""
    what = shown_call(name, args, kwargs)
    return Case(args, expected, hint, kwargs=kwargs, what=what, mistakes=mistakes)


# ----------------------------------------------------------------------- contrastive
def _contrastive_parts(x1: np.ndarray, x2: np.ndarray, y: np.ndarray):
    return np.linalg.norm(x1 - x2, axis=1), y == 1


def _contrastive_ref(x1, x2, y, m):
    d, sim = _contrastive_parts(x1, x2, y)
    return float(np.mean(np.where(sim, 0.5 * d**2, 0.5 * np.maximum(m - d, 0.0) ** 2)))


@exercise("Contrastive loss")
def contrastive(my_contrastive: Callable[..., Any]) -> None:
    """Check ``my_contrastive(x1, x2, y, margin=1.0)``, the mean contrastive loss.

    ``x1`` and ``x2`` have shape ``(N, D)``; ``y`` holds +1 for a similar pair and
    -1 for a dissimilar one. The loss of a pair at Euclidean distance ``d`` is
    ``0.5 * d**2`` if similar and ``0.5 * max(0, margin - d)**2`` if dissimilar;
    the result is the mean over pairs.

    Examples
    --------
    >>> import numpy as np
    >>> def my_contrastive(x1, x2, y, margin=1.0):
    ...     d = np.linalg.norm(np.asarray(x1, float) - np.asarray(x2, float), axis=1)
    ...     per = np.where(np.asarray(y) == 1, d**2, np.maximum(margin - d, 0) ** 2)
    ...     return 0.5 * np.mean(per)
    >>> contrastive(my_contrastive)
    ✔ Contrastive loss: correct (5 checks passed).

    """
    z = np.zeros((1, 2))
    cases = [
        # a similar pair at distance 5; a dissimilar pair inside the margin; one beyond it;
        # a batch of four with margin 2; the same batch with margin 0.5
        (z, np.array([[3.0, 4.0]]), np.array([1]), 1.0),
        (z, np.array([[0.12, 0.16]]), np.array([-1]), 1.0),
        (z, np.array([[3.0, 4.0]]), np.array([-1]), 2.0),
        (
            np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.0, -1.0]]),
            np.array([[1.0, 0.0], [1.0, 2.0], [2.0, 1.5], [0.5, -1.0]]),
            np.array([1, -1, -1, 1]),
            2.0,
        ),
        (
            np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.0, -1.0]]),
            np.array([[1.0, 0.0], [1.0, 1.2], [2.0, 1.5], [0.5, -1.0]]),
            np.array([-1, -1, 1, -1]),
            0.5,
        ),
    ]

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        x1, x2, y, m = item
        d, sim = _contrastive_parts(x1, x2, y)
        gap = np.maximum(m - d, 0.0)
        per = np.where(sim, 0.5 * d**2, 0.5 * gap**2)
        mistakes = [
            (2 * float(np.mean(per)), "the factor 1/2 of both terms is missing"),
            (
                float(np.mean(np.where(sim, 0.5 * d**2, 0.5 * gap))),
                "the dissimilar term is max(0, margin - d) SQUARED, then halved",
            ),
            (
                float(np.mean(np.where(sim, 0.5 * d**2, 0.5 * np.maximum(m - d**2, 0) ** 2))),
                "the margin is compared with the distance d, not with its square",
            ),
            (
                float(np.mean(np.where(~sim, 0.5 * d**2, 0.5 * gap**2))),
                "the labels are swapped: +1 marks a SIMILAR pair, which is pulled together",
            ),
            (float(np.sum(per)), "this is the sum over pairs; take the mean"),
            (
                _contrastive_ref(x1, x2, y, 1.0),
                "the margin argument seems to be ignored (the value for margin=1.0)",
            ),
            (
                float(np.mean(np.where(sim, 0.5 * d, 0.5 * gap**2))),
                "the similar term is half the SQUARED distance",
            ),
        ]
        check_case(
            my_contrastive,
            _case(
                "my_contrastive",
                (x1, x2, y),
                {"margin": m},
                _contrastive_ref(x1, x2, y, m),
                mistakes,
                "for each pair compute d = ||x1 - x2||, then 0.5*d**2 (y = +1) or "
                "0.5*max(0, margin - d)**2 (y = -1), and average over pairs",
            ),
        )

    check_each(cases, one)


# ------------------------------------------------------------------------------- dpo
def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _dpo_ref(pw, pl, rw, rl, beta):
    h = beta * ((pw - rw) - (pl - rl))
    return float(np.mean(_softplus(-h)))


@exercise("DPO loss")
def dpo(my_dpo: Callable[..., Any]) -> None:
    """Check ``my_dpo(pi_w, pi_l, ref_w, ref_l, beta=0.1)``, the mean DPO loss.

    The four arguments are arrays of log-probabilities of the chosen (w) and
    rejected (l) responses under the policy and the reference; the loss of a pair is
    ``-log sigmoid(beta * ((pi_w - ref_w) - (pi_l - ref_l)))``, averaged over pairs,
    computed without overflow.

    Examples
    --------
    >>> import numpy as np
    >>> def my_dpo(pi_w, pi_l, ref_w, ref_l, beta=0.1):
    ...     h = beta * ((np.asarray(pi_w) - ref_w) - (np.asarray(pi_l) - ref_l))
    ...     return float(np.mean(np.logaddexp(0.0, -h)))
    >>> dpo(my_dpo)
    ✔ DPO loss: correct (7 checks passed).

    """
    cases = [
        # at the reference the loss is log 2 whatever beta; a policy that already
        # prefers y_w; one that prefers y_l; a batch; a batch with a different beta
        ([-12.0], [-15.0], [-12.0], [-15.0], 0.1),
        ([-10.0], [-14.0], [-12.0], [-12.0], 0.5),
        ([-14.0], [-10.0], [-12.0], [-12.0], 0.1),
        (
            [-20.0, -8.0, -30.0],
            [-22.0, -9.0, -25.0],
            [-21.0, -8.5, -28.0],
            [-21.0, -8.0, -27.0],
            0.1,
        ),
        (
            [-20.0, -8.0, -30.0],
            [-22.0, -9.0, -25.0],
            [-21.0, -8.5, -28.0],
            [-21.0, -8.0, -27.0],
            2.0,
        ),
    ]

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        pw, pl, rw, rl = (np.array(a) for a in item[:4])
        beta = item[4]
        h = beta * ((pw - rw) - (pl - rl))
        mistakes = [
            (
                _dpo_ref(pw, pl, rw, rl, 1.0),
                "beta seems to be missing: multiply the difference of log-ratios by beta",
            ),
            (
                _dpo_ref(pw, pl, 0 * rw, 0 * rl, beta),
                "the reference log-probabilities are "
                "ignored: the implicit reward is beta * (log pi - log pi_ref)",
            ),
            (
                float(np.mean(_softplus(h))),
                "the sign of h is flipped (or policy and reference are swapped): the loss "
                "is -log sigmoid(h), "
                "small when the chosen response gains more than the rejected one",
            ),
            (float(np.mean(-_softplus(-h))), "the loss is MINUS log sigmoid(h), a positive number"),
            (float(np.sum(_softplus(-h))), "this is the sum over pairs; take the mean"),
        ]
        check_case(
            my_dpo,
            _case(
                "my_dpo",
                (pw, pl, rw, rl),
                {"beta": beta},
                _dpo_ref(pw, pl, rw, rl, beta),
                mistakes,
                "compute h = beta * ((pi_w - ref_w) - (pi_l - ref_l)) and average "
                "-log sigmoid(h) = log(1 + exp(-h)) over the pairs",
            ),
        )

    check_each(cases, one, then=[functools.partial(_dpo_overflow, my_dpo)])  # h = -2000


def _dpo_overflow(my_dpo: Callable[..., Any]) -> None:
    """One case: a policy far from the reference, h = -2000, overflows a naive exp."""
    __tracebackhide__ = True
    args = (np.array([-5000.0]), np.array([-1000.0]), np.array([-3000.0]), np.array([-3000.0]))
    got = call(my_dpo, *args, beta=0.5)
    check_finite(
        got,
        "my_dpo with h = -2000",
        "exp(2000) overflows: write -log sigmoid(h) as np.logaddexp(0, -h)",
    )
    check_value(
        got,
        2000.0,
        "for h = -2000 the loss",
        "-log sigmoid(-2000) is 2000 to double precision; use np.logaddexp(0, -h)",
    )


# ------------------------------------------------------------------------------ ndcg
def _dcg(rel_in_order: np.ndarray, k: int, linear: bool = False) -> float:
    top = rel_in_order[:k]
    gains = top if linear else 2.0**top - 1.0
    return float(np.sum(gains / np.log2(np.arange(2, top.size + 2))))


def _ndcg_ref(scores, rel, k, *, linear=False, ascending=False):
    order = np.argsort(scores if ascending else -scores, kind="stable")
    dcg = _dcg(rel[order], k, linear)
    ideal = _dcg(np.sort(rel)[::-1], k, linear)
    return dcg / ideal


@exercise("NDCG@k")
def ndcg(my_ndcg: Callable[..., Any]) -> None:
    """Check ``my_ndcg(scores, relevance, k)``: NDCG@k of one list (no tied scores).

    Rank the items by decreasing score; DCG@k sums ``(2**rel - 1) / log2(rank + 1)``
    over the first ``k`` ranks (rank 1 is the top); NDCG@k divides it by the DCG@k
    of the ideal order (relevances sorted in decreasing order). Every case has at
    least one relevant item.

    Examples
    --------
    >>> import numpy as np
    >>> def my_ndcg(scores, relevance, k):
    ...     rel = np.asarray(relevance, float)
    ...     disc = 1 / np.log2(np.arange(2, k + 2))
    ...     def dcg(r):
    ...         r = r[:k]
    ...         return np.sum((2**r - 1) * disc[: r.size])
    ...     return dcg(rel[np.argsort(-np.asarray(scores))]) / dcg(np.sort(rel)[::-1])
    >>> ndcg(my_ndcg)
    ✔ NDCG@k: correct (4 checks passed).

    """
    cases = [
        # perfect order; the best item ranked last; graded relevances with k = 3;
        # a cut-off that hides a mistake below rank k
        (np.array([3.0, 2.0, 1.0]), np.array([2.0, 1.0, 0.0]), 3),
        (np.array([0.1, 0.5, 0.9]), np.array([3.0, 0.0, 1.0]), 3),
        (np.array([0.2, 1.5, -0.3, 0.7, 1.1]), np.array([3.0, 2.0, 3.0, 0.0, 1.0]), 3),
        (np.array([2.0, 1.0, 0.5, 0.0]), np.array([2.0, 2.0, 0.0, 1.0]), 2),
    ]

    def one(item: tuple) -> None:
        __tracebackhide__ = True
        scores, rel, k = item
        want = _ndcg_ref(scores, rel, k)
        order = np.argsort(-scores)
        mistakes = [
            (
                _ndcg_ref(scores, rel, k, linear=True),
                "the gains are linear in the relevance; "
                "this chapter uses 2**rel - 1, which rewards highly relevant items more",
            ),
            (
                _ndcg_ref(scores, rel, k, ascending=True),
                "the items are sorted by INCREASING score; rank them from the highest score down",
            ),
            (_dcg(rel[order], k), "this is DCG@k; divide by the DCG@k of the ideal order"),
            (
                _ndcg_ref(scores, rel, len(rel)),
                "k seems to be ignored: only the first k "
                "ranks count, in the ranking and in the ideal",
            ),
            (
                _dcg(rel[order], k) / _dcg(rel[order], len(rel)),
                "the ideal DCG sorts the "
                "RELEVANCES in decreasing order, not the items in predicted order",
            ),
        ]
        mistakes = [(v, h) for v, h in mistakes if not close(v, want)]
        check_case(
            my_ndcg,
            _case(
                "my_ndcg",
                (scores, rel, k),
                {},
                want,
                mistakes,
                "sort the relevances by decreasing score, sum (2**rel - 1) / log2(rank + 1) over "
                "the first k ranks, and divide by the same sum for the relevances sorted "
                "decreasingly",
            ),
        )

    check_each(cases, one)
