r"""Ranking and preference losses: BPR, ListNet, Bradley-Terry reward models and DPO.

BPR, the Bradley-Terry loss and DPO are one function, the pairwise logistic loss
:math:`-\log\sigma(d)` of a score difference :math:`d`, applied to different
differences; ``_pairwise_logistic`` computes it and its derivative once for all three.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_real, check_reduction, same_shape
from ._kernels import chunks, logistic_part, softmax_match
from ._registry import GRAD, VALUE, Loss, Slice, fused, register


def _pairwise_logistic(want, arrays, difference, check, reduction, scale=None):
    r"""Return the reduced :math:`-\log\sigma(d)` and its gradient ``(g, -g)`` for two scores.

    Parameters
    ----------
    want : int
        What to compute (:data:`._registry.VALUE`, :data:`._registry.GRAD` or both).
    arrays : list of numpy.ndarray
        The loss's arrays, of one shape, not yet checked to be finite.
    difference : callable
        ``difference(*parts)`` returns a new array, the difference :math:`d` on one
        part (:func:`._kernels.chunks`) of ``arrays``.
    check : callable
        The loss's complete validation, called when the difference on a part is not
        finite: it raises its first error if an input holds NaN or infinity (a
        difference that overflows from finite inputs is kept).
    reduction : str
        Validated reduction.
    scale : float or None
        ``g = -scale * sigmoid(-d)`` (None: 1), the derivative with respect to the
        score that ``d`` increases with.

    Notes
    -----
    One pass over the parts: each part's difference, softplus and sigmoid stay in the
    cache, and only the returned arrays are as large as the input.
    """
    first = arrays[0]
    summed = want & VALUE and reduction != "none"
    per = np.empty_like(first) if want & VALUE and not summed else None
    g_up = g_down = None
    if want & GRAD:
        g_up, g_down = np.empty_like(first), np.empty_like(first)
    total = 0.0
    for *parts, pc, up, down in chunks(*arrays, per, g_up, g_down):
        with np.errstate(invalid="ignore"):  # inf - inf: the inputs are reported below
            d = difference(*parts)
        if not np.isfinite(d).all():  # NaN or infinity in a part? (else an overflow: kept)
            check()
        sp = d if summed else pc  # softplus(-d), over d
        logistic_part(-1, d, sp if want & VALUE else None, down)
        if summed:
            total += float(np.sum(sp))
        if down is None:
            continue
        if scale is not None:
            down *= scale
        if reduction == "mean":
            down /= first.size
        np.negative(down, out=up)
    value = per
    if summed:
        value = total / first.size if reduction == "mean" else total
    return value, None if g_up is None else (g_up, g_down)


def _pair_slice(vary: str, label: str, about: str) -> Slice:
    """Return the slice of a loss of one score difference: one pair, the other score 0."""
    return Slice(
        "entry", point=([0.0], [0.0]), vary=(vary, (0,)), span=(-4.0, 4.0), label=label, about=about
    )


def _same_shaped(names, values, finite=True):
    arrays = [as_array(v, n, finite=finite) for n, v in zip(names, values, strict=True)]
    for n, a in zip(names[1:], arrays[1:], strict=True):
        same_shape(arrays[0], names[0], a, n)
    return arrays


def _checked(check):
    """Return ``check(finite=False)``; if it raises, ``check()`` raises the first error, in order.

    ``check`` validates a loss's arguments; the finiteness of its arrays, skipped here,
    is checked part by part in :func:`_pairwise_logistic`.
    """
    try:
        return check(finite=False)
    except (TypeError, ValueError):
        check()
        raise


# --------------------------------------------------------------------- bpr
def _bpr(want, positive, negative, *, reduction="mean"):
    r"""Bayesian personalised ranking: score each positive item above its paired negative.

    Parameters
    ----------
    positive : array_like
        Scores :math:`x_{ui}` of items the user interacted with.
    negative : array_like
        Scores :math:`x_{uj}` of sampled items the user did not interact with, same
        shape (one negative per positive).
    reduction : {"mean", "sum", "none"}, default "mean"
        How per-pair losses are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-pair losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shape mismatch, NaN/inf, empty input or an unknown reduction.

    Notes
    -----
    With :math:`d = x_{ui} - x_{uj}` (Rendle et al. 2009),

    .. math:: \ell = -\log\sigma(d) = \log(1 + e^{-d}), \qquad
              \frac{\partial\ell}{\partial x_{ui}} = -\frac{\partial\ell}{\partial x_{uj}}
              = -\sigma(-d).

    ``.grad`` returns ``(d/d positive, d/d negative)``. The weight decay of the
    BPR-Opt criterion belongs to the model, not to this loss. In PyTorch,
    ``-F.logsigmoid(pos - neg).mean()``, or ``F.soft_margin_loss(pos - neg,
    torch.ones_like(pos))``.

    Examples
    --------
    >>> import numpy as np
    >>> from lossviz.losses import bpr
    >>> bpr([2.0, 0.0], [0.0, 0.0], reduction="none").round(6)  # log(1 + e^-2), log 2
    array([0.126928, 0.693147])

    """
    names = ("positive", "negative")

    def check(finite=True):
        check_reduction(reduction)
        return _same_shaped(names, (positive, negative), finite)

    arrays = _checked(check)
    return _pairwise_logistic(want, arrays, np.subtract, check, reduction)


bpr = register(
    Loss(
        name="bpr",
        display_name="Bayesian personalised ranking (BPR)",
        task="ranking/metric learning",
        input_domain="real",
        slice=_pair_slice(
            "positive",
            r"score difference $s^+ - s^-$",
            "One pair; the negative item's score is 0 and the positive item's score, "
            "hence the difference, varies along the horizontal axis.",
        ),
        convex=True,
        formula_latex=r"-\log\sigma(x_{ui} - x_{uj})",
        grad_latex=r"-\sigma(x_{uj} - x_{ui})",
        **fused(_bpr),
        inputs=("positive", "negative"),
    )
)


# ----------------------------------------------------------------- listnet
def _listnet(want, input, target, *, reduction="mean"):
    r"""ListNet (top-one): cross-entropy between the softmax of relevances and of scores.

    Parameters
    ----------
    input : array_like
        Scores :math:`s`, shape ``(N, L)``: ``N`` lists (queries) of ``L`` items.
    target : array_like
        Relevance grades :math:`y` (any real numbers), same shape.
    reduction : {"mean", "sum", "none"}, default "mean"
        How the per-list losses are combined ("none" gives shape ``(N,)``).

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or one value per list for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shapes that do not fit, NaN/inf, empty input or an unknown reduction.

    Notes
    -----
    The top-one probabilities of Cao et al. (2007) with :math:`\phi = \exp` are
    softmaxes; with :math:`p = \operatorname{softmax}(y)` and
    :math:`q = \operatorname{softmax}(s)` per list,

    .. math:: \ell = -\sum_j p_j \log q_j, \qquad
              \frac{\partial\ell}{\partial s_j} = q_j - p_j.

    It differs from :math:`\mathrm{KL}(p\,\|\,q)` by the entropy of :math:`p`, a
    constant, and is smallest when the scores equal the grades up to a shift. In
    PyTorch, ``F.cross_entropy(s, F.softmax(y, dim=1))``.

    Examples
    --------
    >>> from lossviz.losses import listnet
    >>> round(listnet([[1.0, 0.0]], [[0.0, 1.0]]), 6)  # the order reversed
    1.04432
    >>> round(listnet([[0.0, 0.0]], [[1.0, 1.0]]), 6)  # log 2
    0.693147
    >>> round(listnet([[2.0, 0.0, 1.0]], [[2.0, 0.0, 1.0]]), 6)  # the entropy of p
    0.832396

    """
    check_reduction(reduction)
    return softmax_match(
        want, input, target, reduction, "(N, L): scores of N lists of L items each"
    )


listnet = register(
    Loss(
        name="listnet",
        display_name="ListNet (top-one cross-entropy)",
        task="ranking/metric learning",
        input_domain="real",
        target_domain="real",
        slice=Slice(
            "entry",
            point=([[0.0, 0.0, 0.0]], [[2.0, 1.0, 0.0]]),
            vary=("input", (0, 0)),
            span=(-3.0, 6.0),
            label=r"score $s_0$ of the most relevant item",
            about="One list of three items with relevance grades (2, 1, 0); the scores are "
            "(s0, 0, 0), with s0 on the horizontal axis.",
        ),
        convex=True,
        formula_latex=r"-\sum_j \operatorname{softmax}(y)_j \log \operatorname{softmax}(s)_j",
        grad_latex=r"\operatorname{softmax}(s) - \operatorname{softmax}(y)",
        **fused(_listnet),
    )
)


# ----------------------------------------------------------- bradley_terry
def _bradley_terry(want, chosen, rejected, *, margin=0.0, reduction="mean"):
    r"""Bradley-Terry reward-model loss: the preferred response should get the higher reward.

    Parameters
    ----------
    chosen : array_like
        Rewards :math:`r_w = r(x, y_w)` of the preferred responses.
    rejected : array_like
        Rewards :math:`r_l = r(x, y_l)` of the rejected responses, same shape.
    margin : float or array_like, default 0.0
        Required reward gap :math:`m`, one number or one per pair (shape of
        ``chosen``). Llama 2 uses a margin that grows with the annotators'
        certainty; 0 is the plain Bradley-Terry model.
    reduction : {"mean", "sum", "none"}, default "mean"
        How per-pair losses are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-pair losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shape mismatch (including a margin array of another shape), NaN/inf,
        empty input or an unknown reduction.

    Notes
    -----
    Under the Bradley-Terry model :math:`P(y_w \succ y_l) = \sigma(r_w - r_l)`, and the
    loss is its negative log-likelihood,

    .. math:: \ell = -\log\sigma(r_w - r_l - m), \qquad
              \frac{\partial\ell}{\partial r_w} = -\frac{\partial\ell}{\partial r_l}
              = -\sigma(m - r_w + r_l).

    At ``margin=0`` it is the same function as :func:`bpr`. ``.grad`` returns
    ``(d/d chosen, d/d rejected)``. In PyTorch,
    ``-F.logsigmoid(r_chosen - r_rejected - margin).mean()``.

    Examples
    --------
    >>> from lossviz.losses import bradley_terry
    >>> round(bradley_terry([1.0], [1.0]), 6)  # a tie: log 2
    0.693147
    >>> round(bradley_terry([3.0], [1.0], margin=1.0), 6)  # log(1 + e^-1)
    0.313262

    """

    def check(finite=True):
        check_reduction(reduction)
        r_w, r_l = _same_shaped(("chosen", "rejected"), (chosen, rejected), finite)
        if np.ndim(margin) == 0:
            return r_w, r_l, as_real(margin, "margin")
        m = as_array(margin, "margin", finite=finite)  # one margin per pair, as in Llama 2
        same_shape(r_w, "chosen", m, "margin")
        return r_w, r_l, m

    r_w, r_l, m = _checked(check)
    if isinstance(m, float):

        def difference(w, lo):
            d = w - lo
            d -= m
            return d

        return _pairwise_logistic(want, [r_w, r_l], difference, check, reduction)

    def difference(w, lo, m):
        d = w - lo
        d -= m
        return d

    return _pairwise_logistic(want, [r_w, r_l, m], difference, check, reduction)


bradley_terry = register(
    Loss(
        name="bradley_terry",
        display_name="Bradley-Terry reward-model loss",
        task="reward/preference learning",
        input_domain="real",
        slice=_pair_slice(
            "chosen",
            r"reward difference $r_w - r_l$",
            "One comparison; the rejected answer's reward is 0 and the chosen answer's, "
            "hence the difference, varies along the horizontal axis.",
        ),
        convex=True,
        formula_latex=r"-\log\sigma(r_w - r_l - m)",
        grad_latex=r"-\sigma(m - r_w + r_l)",
        **fused(_bradley_terry),
        inputs=("chosen", "rejected"),
    )
)


# --------------------------------------------------------------------- dpo
_DPO_NAMES = (
    "policy_chosen_logps",
    "policy_rejected_logps",
    "reference_chosen_logps",
    "reference_rejected_logps",
)


def _dpo(
    want,
    policy_chosen_logps,
    policy_rejected_logps,
    reference_chosen_logps,
    reference_rejected_logps,
    *,
    beta=0.1,
    reduction="mean",
):
    r"""Direct preference optimisation: a Bradley-Terry loss on implicit rewards.

    Parameters
    ----------
    policy_chosen_logps, policy_rejected_logps : array_like
        :math:`\log\pi_\theta(y_w \mid x)` and :math:`\log\pi_\theta(y_l \mid x)`,
        the policy's log-probabilities of the whole preferred and rejected responses
        (sums over their tokens), one per pair.
    reference_chosen_logps, reference_rejected_logps : array_like
        The same under the frozen reference model :math:`\pi_\text{ref}` (no
        gradient), same shape.
    beta : float, default 0.1
        :math:`\beta > 0`, the strength of the KL penalty that keeps the policy near
        the reference (TRL's default).
    reduction : {"mean", "sum", "none"}, default "mean"
        How per-pair losses are combined.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or per-pair losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric, boolean or complex arguments.
    ValueError
        For shape mismatch, ``beta <= 0``, NaN/inf, empty input or an unknown
        reduction.

    Notes
    -----
    With the implicit reward :math:`\hat r(y) = \beta \log\frac{\pi_\theta(y\mid x)}
    {\pi_\text{ref}(y\mid x)}` and :math:`h = \hat r(y_w) - \hat r(y_l)`
    (Rafailov et al. 2023),

    .. math:: \ell = -\log\sigma(h), \qquad
              \frac{\partial\ell}{\partial\log\pi_\theta(y_w\mid x)}
              = -\frac{\partial\ell}{\partial\log\pi_\theta(y_l\mid x)} = -\beta\,\sigma(-h).

    ``.grad`` returns the derivatives with respect to the two policy
    log-probabilities. In PyTorch, ``-F.logsigmoid(beta * ((pi_w - ref_w) -
    (pi_l - ref_l))).mean()``; the argument order follows TRL's ``DPOTrainer.dpo_loss``.

    Examples
    --------
    >>> from lossviz.losses import dpo
    >>> round(dpo([-10.0], [-12.0], [-11.0], [-11.0], beta=0.5), 6)  # log(1 + e^-1)
    0.313262

    """
    logps = (
        policy_chosen_logps,
        policy_rejected_logps,
        reference_chosen_logps,
        reference_rejected_logps,
    )

    def check(finite=True):
        check_reduction(reduction)
        as_real(beta, "beta", low=0.0, low_open=True)
        return _same_shaped(_DPO_NAMES, logps, finite)

    arrays = _checked(check)
    b = float(beta)

    def difference(pw, pl, rw, rl):
        h = pw - rw
        h -= pl - rl
        h *= b
        return h

    return _pairwise_logistic(want, arrays, difference, check, reduction, scale=b)


dpo = register(
    Loss(
        name="dpo",
        display_name="Direct preference optimisation (DPO)",
        task="reward/preference learning",
        input_domain="log-probability",
        slice=Slice(
            "entry",
            point=([0.0], [0.0], [0.0], [0.0]),
            vary=("policy_chosen_logps", (0,)),
            span=(-40.0, 40.0),
            label=r"policy log-ratio margin $h$",
            about="One comparison; the reference log-probabilities and the policy's "
            "log-probability of the rejected answer are 0, so the policy's log-probability of "
            "the chosen answer is the log-ratio margin h on the horizontal axis (beta = 0.1).",
        ),
        convex=True,
        formula_latex=r"-\log\sigma\Big(\beta\log\frac{\pi_\theta(y_w)}{\pi_\text{ref}(y_w)} "
        r"- \beta\log\frac{\pi_\theta(y_l)}{\pi_\text{ref}(y_l)}\Big)",
        grad_latex=r"\frac{\partial \ell}{\partial \log\pi_\theta(y_w)} = -\beta\,\sigma(-h),\ "
        r"h = \beta\log\frac{\pi_\theta(y_w)}{\pi_\text{ref}(y_w)} "
        r"- \beta\log\frac{\pi_\theta(y_l)}{\pi_\text{ref}(y_l)}",
        **fused(_dpo),
        inputs=("policy_chosen_logps", "policy_rejected_logps"),
    )
)
