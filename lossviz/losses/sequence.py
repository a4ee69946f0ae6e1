r"""Sequence losses: connectionist temporal classification (CTC).

:func:`ctc` follows ``torch.nn.functional.ctc_loss``; :func:`ctc_forward_backward`
returns the log-space forward and backward lattices of one sequence (the chapter
draws them) and :func:`ctc_collapse` applies CTC's collapse rule to a path.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_array, as_bool, as_int, check_reduction
from ._registry import GRAD, Loss, Slice, fused, register

__all__ = ["ctc", "ctc_collapse", "ctc_forward_backward", "extended_labels"]


# ------------------------------------------------------------------ helpers
def _int_array(x, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """Validate an array of integers (ints, or floats with integer values) -> int64."""
    raw = np.asarray(x)
    if raw.size == 0 and allow_empty:
        if raw.dtype.kind not in "iuf":
            raise TypeError(f"{name} must hold integers, got dtype {raw.dtype}")
        return raw.astype(np.int64)
    arr = as_array(x, name)
    frac = arr != np.round(arr)
    if frac.any():
        raise ValueError(f"{name} must hold integers, got {arr[frac][:3].tolist()}")
    if np.any(np.abs(arr) > 2**62):
        raise ValueError(f"{name} holds values too large for an index: {arr.max()!r}")
    return arr.astype(np.int64)


def extended_labels(target, blank: int = 0) -> np.ndarray:
    """Return the extended label sequence ``[blank, l1, blank, l2, ..., lS, blank]``.

    Examples
    --------
    >>> from lossviz.losses.sequence import extended_labels
    >>> extended_labels([3, 3, 1]).tolist()
    [0, 3, 0, 3, 0, 1, 0]

    """
    t = np.asarray(target, dtype=np.int64).ravel()
    ext = np.full(2 * t.size + 1, blank, dtype=np.int64)
    ext[1::2] = t
    return ext


def ctc_collapse(path, blank: int = 0) -> list[int]:
    """Apply CTC's collapse rule to a frame-by-frame path: merge repeats, then drop blanks.

    Examples
    --------
    >>> from lossviz.losses.sequence import ctc_collapse
    >>> ctc_collapse([1, 1, 0, 1, 2, 2, 0])
    [1, 1, 2]

    """
    out: list[int] = []
    prev = None
    for k in (int(v) for v in np.asarray(path).ravel()):
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """Shift ``a`` by ``k`` places along its last axis (right for k > 0), filling with -inf."""
    out = np.full_like(a, -np.inf)
    m = a.shape[-1] - abs(k)
    if m > 0:
        if k >= 0:
            out[..., k:] = a[..., :m]
        else:
            out[..., :m] = a[..., -k:]
    return out


def _lse3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Elementwise log(e^a + e^b + e^c); -inf entries stay harmless (no warning)."""
    return np.logaddexp(np.logaddexp(a, b), c)


class _Lattice:
    """The CTC lattice of a batch: extended labels padded to one length ``L``, and its passes.

    The lattices of all samples run together, frame by frame: the extended label
    sequences are padded with states whose emission is -inf (so they never carry
    probability), and each sample's backward pass starts at its own last frame.
    """

    def __init__(self, lp: np.ndarray, seqs: list, il: np.ndarray, blank: int):
        self.lp = lp  # (T, N, C)
        n_batch = lp.shape[1]
        n_states = 2 * max((len(q) for q in seqs), default=0) + 1
        self.ext = np.full((n_batch, n_states), blank, dtype=np.int64)
        self.real = np.zeros((n_batch, n_states), dtype=bool)  # the states of each sample
        self.skip = np.zeros((n_batch, n_states), dtype=bool)  # s - 2 -> s allowed
        for n, q in enumerate(seqs):
            e = extended_labels(q, blank)
            self.ext[n, : e.size] = e
            self.real[n, : e.size] = True
            self.skip[n, 2 : e.size] = (e[2:] != blank) & (e[2:] != e[:-2])
        self.rows = np.arange(n_batch)
        self.last = self.real.sum(axis=1) - 1  # index of each sample's final state
        self.final = il - 1  # each sample's final frame

    def emit(self, t: int) -> np.ndarray:
        """Log-probabilities (N, L) of the extended labels at frame ``t``; -inf on padding."""
        return np.where(self.real, np.take_along_axis(self.lp[t], self.ext, axis=1), -np.inf)

    def forward(self, keep: bool):
        """Log-alpha (T, N, L) if ``keep`` (else None) and its rows at each sample's final frame."""
        ninf = -np.inf
        n_frames = self.lp.shape[0]
        prev = np.full(self.ext.shape, ninf)
        prev[:, :2] = self.emit(0)[:, :2]
        alpha = np.full((n_frames, *self.ext.shape), ninf) if keep else None
        at_end = np.empty(self.ext.shape)
        for t in range(n_frames):
            if t:
                one, two = _shift(prev, 1), _shift(prev, 2)
                prev = self.emit(t) + _lse3(prev, one, np.where(self.skip, two, ninf))
            if keep:
                alpha[t] = prev
            ending = self.final == t
            at_end[ending] = prev[ending]
        return alpha, at_end

    def log_likelihood(self, at_end: np.ndarray) -> np.ndarray:
        """Log p(target | log_probs) per sample (N,) from the forward rows at the final frames."""
        rows, last = self.rows, self.last
        both = np.logaddexp(at_end[rows, last], at_end[rows, last - 1])
        log_like = np.where(last > 0, both, -np.inf)
        return np.where(last == 0, at_end[rows, 0], log_like)

    def backward(self):
        """Yield ``(t, log-beta row (N, L), emissions (N, L))`` for t = T - 1 down to 0.

        Only one row of the backward lattice is held at a time.
        """
        ninf = -np.inf
        n_batch, n_states = self.ext.shape
        skip_from = np.zeros_like(self.skip)  # s -> s + 2 allowed
        skip_from[:, : max(n_states - 2, 0)] = self.skip[:, 2:]
        ends = np.zeros((n_batch, n_states), dtype=bool)  # the states a path may end in
        ends[self.rows, self.last] = True
        ends[self.rows, np.maximum(self.last - 1, 0)] = True
        beta = np.full((n_batch, n_states), ninf)
        for t in range(self.lp.shape[0] - 1, -1, -1):
            emit = self.emit(t)
            if t < self.lp.shape[0] - 1:
                one, two = _shift(beta, -1), _shift(beta, -2)
                beta = emit + _lse3(beta, one, np.where(skip_from, two, ninf))
            start = (self.final == t)[:, None]
            beta = np.where(start, np.where(ends, emit, ninf), beta)
            yield t, beta, emit


def ctc_forward_backward(log_probs, target, blank: int = 0):
    r"""Forward and backward lattices of CTC for one sequence, in log space.

    Parameters
    ----------
    log_probs : array_like
        Log-probabilities of shape ``(T, C)`` (frames by classes).
    target : array_like
        The label sequence, integers in ``[0, C)`` other than ``blank``, length ``S``.
    blank : int, default 0
        Index of the blank class.

    Returns
    -------
    log_alpha, log_beta : numpy.ndarray
        Shape ``(T, 2S + 1)``: :math:`\log\alpha_t(s)` and :math:`\log\beta_t(s)` over
        the extended labels (both include frame :math:`t`'s own probability).
    log_likelihood : float
        :math:`\log p(\mathbf l \mid \mathbf x)`, ``-inf`` if no alignment fits.

    Notes
    -----
    Both lattices include the frame's own probability (Graves' convention), so
    ``log_alpha[t, s] + log_beta[t, s] - log_probs[t, l'[s]]`` is the log of the summed
    probability of the alignments that are in state ``s`` at frame ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> from lossviz.losses.sequence import ctc_forward_backward
    >>> la, lb, ll = ctc_forward_backward(np.log(np.full((2, 2), 0.5)), [1])
    >>> round(float(np.exp(ll)), 4)  # alignments 1-, -1, 11 of "1" in 2 frames
    0.75

    """
    if np.ndim(log_probs) != 2:
        raise ValueError(f"log_probs must have shape (T, C), got shape {np.shape(log_probs)}")
    lp, seqs, il, _, _ = _parts(log_probs, target, None, None, blank, False)
    lattice = _Lattice(lp, seqs, il, int(blank))
    alpha, at_end = lattice.forward(keep=True)
    beta = np.stack([row for _, row, _ in lattice.backward()][::-1])
    return alpha[:, 0], beta[:, 0], float(lattice.log_likelihood(at_end)[0])


# -------------------------------------------------------------- validation
def _parts(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
    """Validate CTC arguments.

    Returns the log-probabilities as (T, N, C), the list of N target arrays, the
    input lengths (N,), the target lengths (N,) and whether the call was unbatched.
    ``input_lengths``/``target_lengths`` None means "all frames" / "whole target"
    (used by :func:`ctc_forward_backward`).
    """
    lp = as_array(log_probs, "log_probs")
    if lp.ndim not in (2, 3):
        raise ValueError(
            f"log_probs must have shape (T, N, C) or, unbatched, (T, C); got shape {lp.shape}"
        )
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp[:, None, :]
    n_frames, n_batch, n_classes = lp.shape
    blank = as_int(blank, "blank", low=0, high=n_classes - 1)
    zero_infinity = as_bool(zero_infinity, "zero_infinity")
    tg = _int_array(targets, "targets", allow_empty=True)
    if unbatched and tg.ndim != 1:
        raise ValueError(f"targets must be 1-D (S,) for log_probs of shape (T, C); got {tg.shape}")
    if tg.ndim not in (1, 2):
        raise ValueError(f"targets must be padded (N, S) or concatenated 1-D; got shape {tg.shape}")
    if input_lengths is None:
        il = np.full(n_batch, n_frames, dtype=np.int64)
    else:
        il = _int_array(input_lengths, "input_lengths").reshape(-1)
    if target_lengths is None:
        tl = np.full(n_batch, tg.shape[-1], dtype=np.int64)
    else:
        tl = _int_array(target_lengths, "target_lengths").reshape(-1)
    for name, arr, given in (
        ("input_lengths", il, input_lengths),
        ("target_lengths", tl, target_lengths),
    ):
        if arr.shape != (n_batch,):
            want = "a single length" if unbatched else f"N = {n_batch} lengths, shape ({n_batch},)"
            raise ValueError(
                f"{name} must hold {want} for log_probs of shape {np.shape(log_probs)}; "
                f"got shape {np.shape(given)}"
            )
    if np.any(il < 1) or np.any(il > n_frames):
        raise ValueError(f"input_lengths must lie in [1, T = {n_frames}], got {il.tolist()}")
    if np.any(tl < 0):
        raise ValueError(f"target_lengths must be >= 0, got {tl.tolist()}")
    if tg.ndim == 2 and not unbatched:
        if tg.shape[0] != n_batch:
            raise ValueError(f"padded targets must have shape (N = {n_batch}, S); got {tg.shape}")
        if np.any(tl > tg.shape[1]):
            raise ValueError(
                f"target_lengths must be <= the padded target width S = {tg.shape[1]}, "
                f"got {tl.tolist()}"
            )
        seqs = [tg[n, : tl[n]] for n in range(n_batch)]
    else:
        if int(tl.sum()) != tg.size:
            raise ValueError(
                f"concatenated targets must hold sum(target_lengths) = {int(tl.sum())} "
                f"labels, got {tg.size}"
            )
        ends = np.cumsum(tl)
        seqs = [tg[e - k : e] for e, k in zip(ends, tl, strict=True)]
    for n, s in enumerate(seqs):
        bad = (s < 0) | (s >= n_classes) | (s == blank)
        if bad.any():
            raise ValueError(
                f"targets of sample {n} must be class indices in [0, {n_classes - 1}] other "
                f"than blank = {blank}; got {s[bad][:3].tolist()}"
            )
    return lp, seqs, il, tl, unbatched


def _per_sample(lp, seqs, il, blank, want_grad):
    """Per-sample losses (N,) and, if asked, d(loss_n)/d(log_probs) stacked (T, N, C).

    Only the forward lattice (T, N, L) is stored, and only for the gradient; the
    backward pass runs one frame at a time and turns each of its rows into that
    frame's gradient at once.
    """
    lattice = _Lattice(lp, seqs, il, blank)
    alpha, at_end = lattice.forward(keep=want_grad)
    log_like = lattice.log_likelihood(at_end)
    losses = -log_like
    if not want_grad:
        return losses, None
    n_batch, n_classes = lp.shape[1:]
    ok = np.isfinite(log_like)
    through = lattice.real & ok[:, None]
    norm = np.where(ok, log_like, 0.0)[:, None]
    bins = (lattice.rows[:, None] * n_classes + lattice.ext).ravel()  # (sample, class) of a state
    grad = np.empty(lp.shape)
    for t, beta, emit in lattice.backward():
        # log of the summed probability of the alignments through (t, s), per sample
        occ = np.where(through, alpha[t] + beta - np.where(lattice.real, emit, 0.0), -np.inf)
        occ -= norm
        np.exp(occ, out=occ)
        # 0 - sum, not -sum: entries no alignment passes through get +0, not -0
        total = np.bincount(bins, occ.ravel(), minlength=n_batch * n_classes)
        grad[t] = np.subtract(0.0, total, out=total).reshape(n_batch, n_classes)
    return losses, grad


def _scale(losses, tl, reduction):
    """Per-sample weights of the reduction: 1 ("sum"/"none") or 1/(N max(S_n, 1))."""
    if reduction == "mean":
        return 1.0 / (losses.size * np.maximum(tl, 1))
    return np.ones_like(losses)


def _finish(losses, grad, tl, reduction, zero_infinity, unbatched):
    inf = np.isinf(losses)
    if zero_infinity:
        losses = np.where(inf, 0.0, losses)
    w = _scale(losses, tl, reduction)
    if reduction == "none":
        value = losses[0] if unbatched else losses
        value = np.asarray(value)
    elif reduction == "sum":
        value = float(np.sum(losses))
    else:
        value = float(np.sum(losses * w))
    if grad is None:
        return value, None
    if inf.any() and not zero_infinity:
        bad = np.flatnonzero(inf).tolist()
        raise ValueError(
            f"the CTC loss of sample(s) {bad} is infinite (no alignment of the target fits "
            "in input_lengths frames), so its gradient is undefined; shorten the target, "
            "lengthen the input or pass zero_infinity=True"
        )
    grad *= w[None, :, None]
    return value, grad[:, 0] if unbatched else grad


def _ctc(
    want,
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    *,
    blank=0,
    reduction="mean",
    zero_infinity=False,
):
    r"""Connectionist temporal classification (CTC) loss, as ``torch.nn.functional.ctc_loss``.

    Parameters
    ----------
    log_probs : array_like
        Log-probabilities of shape ``(T, N, C)`` (frames, batch, classes), or
        ``(T, C)`` for one unbatched sequence; usually a log-softmax over classes.
        Any finite reals are accepted (they are not checked to be normalised).
    targets : array_like
        Label indices: padded ``(N, S)`` (row ``n`` uses its first
        ``target_lengths[n]`` entries; the rest is ignored) or concatenated 1-D of
        length ``sum(target_lengths)`` (``(S,)`` when unbatched). Used labels must lie
        in ``[0, C)`` and differ from ``blank``.
    input_lengths : array_like
        Frames used per sample, shape ``(N,)``, each in ``[1, T]``.
    target_lengths : array_like
        Labels per sample, shape ``(N,)``, each >= 0.
    blank : int, default 0
        Index of the blank class.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none": the ``(N,)`` per-sample losses; "sum": their sum; "mean": each loss
        divided by its target length (clamped to at least 1), then averaged over the
        batch, as PyTorch does.
    zero_infinity : bool, default False
        Replace infinite losses (targets that cannot be aligned in the available
        frames) and their gradients by zero.

    Returns
    -------
    float or numpy.ndarray
        The reduced loss, or the per-sample losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        For non-numeric arguments, a non-integer ``blank`` or a non-bool ``zero_infinity``.
    ValueError
        For shapes or lengths that do not fit, labels out of range or equal to
        ``blank``, NaN/inf, or an unknown reduction; ``.grad`` also raises when a
        loss is infinite and ``zero_infinity`` is False (its gradient is undefined;
        PyTorch returns NaN).

    Notes
    -----
    With :math:`y^t_k = \exp(\text{log\_probs}[t, k])`, the extended labels
    :math:`\mathbf l' = (\varnothing, l_1, \varnothing, \dots, l_S, \varnothing)` and
    :math:`\mathcal B` the collapse map (merge repeats, then drop blanks),

    .. math:: \ell = -\log \sum_{\pi \in \mathcal B^{-1}(\mathbf l)} \prod_{t=1}^{T} y^t_{\pi_t}
              = -\log\big(\alpha_T(|\mathbf l'|) + \alpha_T(|\mathbf l'| - 1)\big),

    with the forward recursion, computed in log space,
    :math:`\alpha_t(s) = y^t_{l'_s}\big(\alpha_{t-1}(s) + \alpha_{t-1}(s-1)
    + [l'_s \ne \varnothing,\ l'_s \ne l'_{s-2}]\,\alpha_{t-1}(s-2)\big)`.
    With the backward variables :math:`\beta_t(s)` (which also include :math:`y^t_{l'_s}`),
    ``.grad`` is the partial derivative with respect to the log-probabilities
    themselves:

    .. math:: \frac{\partial\ell}{\partial \log y^t_k} = -\gamma_t(k), \qquad
              \gamma_t(k) = \frac{1}{p(\mathbf l \mid \mathbf x)}
              \sum_{s:\, l'_s = k} \frac{\alpha_t(s)\beta_t(s)}{y^t_k},

    the posterior probability that frame :math:`t` emits :math:`k` (zero for frames
    beyond ``input_lengths``), scaled by the reduction's weights. PyTorch's
    ``ctc_loss`` backward returns :math:`y^t_k - \gamma_t(k)` instead: the gradient
    with respect to the logits :math:`z` when ``log_probs = log_softmax(z)``. The two
    agree once composed with ``log_softmax``: :math:`\partial\ell/\partial z_k =
    g_k - y^t_k \sum_j g_j` with :math:`g = -\gamma_t`, :math:`\sum_j \gamma_t(j) = 1`.

    The loss is concave in ``log_probs`` (minus a log-sum-exp of sums of its entries),
    so it is registered as not convex. Labels equal to ``blank`` raise here; PyTorch
    does not check them.

    Examples
    --------
    >>> import numpy as np
    >>> from lossviz.losses import ctc
    >>> lp = np.log(np.full((2, 1, 2), 0.5))  # 2 frames, 1 sample, classes {blank, 1}
    >>> round(ctc(lp, [[1]], [2], [1]), 6)  # -log(3/4): paths 1-, -1, 11
    0.287682

    """
    check_reduction(reduction)
    lp, seqs, il, tl, unbatched = _parts(
        log_probs, targets, input_lengths, target_lengths, blank, zero_infinity
    )
    losses, grad = _per_sample(lp, seqs, il, int(blank), want_grad=bool(want & GRAD))
    return _finish(losses, grad, tl, reduction, zero_infinity, unbatched)


ctc = register(
    Loss(
        name="ctc",
        display_name="Connectionist temporal classification (CTC)",
        task="sequence modelling",
        input_domain="log-probability",
        target_domain="class",
        slice=Slice(
            "entry",
            point=([[[-math.log(3.0)] * 3]] * 3, [[1, 2]], [3], [2]),
            vary=("log_probs", (1, 0, 1)),
            span=(-6.0, 0.0),
            label=r"log-probability of label 1 at frame 1",
            about="Three frames, three classes (blank 0) and the target sequence (1, 2); every "
            "log-probability is log(1/3) except that of label 1 at the middle frame, which "
            "varies along the horizontal axis.",
        ),
        convex=False,
        formula_latex=r"-\log \sum_{\pi \in \mathcal B^{-1}(\mathbf l)} "
        r"\prod_{t=1}^{T} y^t_{\pi_t}",
        grad_latex=r"-\gamma_t(k) = -\frac{1}{p(\mathbf l\mid\mathbf x)}"
        r"\sum_{s:\,l'_s = k} \frac{\alpha_t(s)\,\beta_t(s)}{y^t_k}",
        **fused(_ctc),
        inputs=("log_probs",),
        torch_name="torch.nn.functional.ctc_loss",
        keras_name="keras.losses.CTC",
    )
)
