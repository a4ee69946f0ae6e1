"""Time and peak memory of every loss's value and gradient on 10^6 float64 elements.

Run:  python benchmarks/bench_losses.py [--repeat 7] [--only NAME ...]

For every loss in :func:`lossviz.losses.catalogue` that has inputs below, prints the
median wall-clock time of ``loss.value_and_grad(...)`` (reduction="mean") over
``--repeat`` runs and, when PyTorch is installed, the median time of the same loss's
forward and backward pass in PyTorch (CPU, float64, the same inputs) and the ratio
of the two. It also prints the peak memory traced by tracemalloc during one
``value_and_grad`` call (NumPy reports its buffers to tracemalloc), as a multiple of
the inputs' own bytes. Nothing here asserts a time: the machine may be shared, so
the medians of repeated runs are the figures to read.

Goals (issue 17): every ratio <= 2, the median ratio <= 1.2, peak memory <= 4x the
input bytes.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import tracemalloc

import numpy as np

from lossviz import losses

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the lossviz times alone
    torch = None

N = 10**6


def make_inputs(rng: np.random.Generator) -> dict[str, tuple[tuple, dict]]:
    """Arguments with 10^6 float64 elements in the first input of every loss."""
    sq = (1000, 1000)
    x, y = rng.normal(size=sq), rng.normal(size=sq)
    p, t01 = rng.uniform(0.01, 0.99, size=sq), rng.integers(0, 2, size=sq).astype(float)
    pm1 = 2 * t01 - 1
    logits = rng.normal(size=(N // 10, 10))
    classes = rng.integers(0, 10, size=N // 10)
    logq = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    q_p = np.exp(logits[::-1] - np.log(np.exp(logits[::-1]).sum(axis=1, keepdims=True)))
    emb = [rng.normal(size=(N // 10, 10)) for _ in range(3)]
    q = rng.normal(size=(N // 4, 4))
    td = (
        q,
        rng.integers(0, 4, size=N // 4),
        rng.normal(size=N // 4),
        rng.normal(size=(N // 4, 4)),
        rng.integers(0, 2, size=N // 4),
    )
    return {
        "mse": ((x, y), {}),
        "l1": ((x, y), {}),
        "huber": ((x, y), {}),
        "smooth_l1": ((x, y), {}),
        "log_cosh": ((x, y), {}),
        "pinball": ((x, y), {"alpha": 0.9}),
        "poisson_nll": ((x, rng.poisson(2.0, size=sq).astype(float)), {"full": True}),
        "gaussian_nll": ((x, y, rng.uniform(0.1, 2, size=sq)), {}),
        "kl_div": ((logq, q_p), {}),
        "bce": ((p, t01), {}),
        "bce_with_logits": ((x, t01), {}),
        "cross_entropy": ((logits, classes), {"label_smoothing": 0.1}),
        "nll": ((logq, classes), {}),
        "sigmoid_focal": ((x, t01), {}),
        "hinge": ((x, pm1), {}),
        "squared_hinge": ((x, pm1), {}),
        "soft_margin": ((x, pm1), {}),
        "multi_margin": ((logits, classes), {}),
        "hinge_embedding": ((np.abs(x), pm1), {}),
        "dice": ((p, t01), {}),
        "tversky": ((p, t01), {}),
        "margin_ranking": ((x, y, pm1), {}),
        "cosine_embedding": ((emb[0], emb[1], 2 * rng.integers(0, 2, size=N // 10) - 1), {}),
        "triplet_margin": (tuple(emb), {}),
        "bellman_td": (td, {}),
        **part_two_inputs(rng, x, y, logits),
    }


def part_two_inputs(rng, x, y, logits) -> dict[str, tuple[tuple, dict]]:
    """Inputs of the Part II losses, 10^6 float64 elements in the first input where it fits.

    PyTorch's CTC backward returns the gradient through a log-softmax (see the
    ``ctc`` docstring), not the partial derivative lossviz returns: the same work.
    InfoNCE compares every query with every key, so it gets a 1000 x 1000 batch (10^6
    elements, and 10^6 similarities); CTC gets log-probabilities of shape
    (T, N, C) = (50, 200, 100) and targets of 20 labels.

    CTC's gradient needs the whole forward lattice, (T, N, 2S + 1) for targets of S
    labels (the backward lattice is consumed one frame at a time), besides the
    gradient (T, N, C) itself: its peak is about 1 + (2S + 1)/C times the input
    bytes, 1.5x here. The 4x goal is out of reach for long targets over few classes
    (e.g. S = 100 characters of C = 30 classes: about 8x) unless the forward pass
    is recomputed in segments (checkpointing), trading time for memory.
    """
    n_box = N // 4
    xy = rng.uniform(-2.0, 2.0, size=(2, n_box, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(0.3, 3.0, size=(2, n_box, 2))], axis=2)
    t, b, c, s = 50, 200, 100, 20
    lp = rng.normal(size=(t, b, c))
    lp -= np.log(np.exp(lp).sum(axis=2, keepdims=True))
    ctc = (lp, rng.integers(1, c, size=(b, s)), np.full(b, t), np.full(b, s))
    rows = logits.shape
    teacher = rng.normal(size=rows)
    logps = [-np.abs(rng.normal(size=x.shape)) for _ in range(4)]
    elbo = (logits, rng.uniform(size=rows), rng.normal(size=rows), rng.normal(size=rows))
    pairs = (rng.normal(size=rows), rng.normal(size=rows), 2.0 * rng.integers(0, 2, rows[0]) - 1)
    gan = ((x, y), {})
    return {
        "l1_penalty": ((x,), {}),
        "l2_penalty": ((x,), {}),
        "uncertainty_weighted": ((x * x, y), {}),
        "iou": ((boxes[0], boxes[1]), {}),
        "giou": ((boxes[0], boxes[1]), {}),
        "diou": ((boxes[0], boxes[1]), {}),
        "ciou": ((boxes[0], boxes[1]), {"detach_alpha": True}),  # torchvision's gradient
        "ctc": (ctc, {}),
        "contrastive": (pairs, {}),
        "info_nce": ((rng.normal(size=(1000, 1000)), rng.normal(size=(1000, 1000))), {}),
        "distillation": ((logits, teacher), {}),
        "bpr": ((x, y), {}),
        "listnet": ((logits, teacher), {}),
        "bradley_terry": ((x, y), {}),
        "dpo": (tuple(logps), {}),
        "gaussian_kl": ((x, y), {}),
        "neg_elbo": (elbo, {}),
        "gan_minimax": gan,
        "gan_non_saturating": gan,
        "wasserstein_critic": gan,
        "gan_hinge": gan,
    }


# ----------------------------------------------------------- PyTorch counterparts
def _focal(z, y, alpha=0.25, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss, written out (torchvision is not required)."""
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    a_t = alpha * y + (1 - alpha) * (1 - y)
    return (a_t * ce * (1 - p_t) ** gamma).mean()


def _bellman(q, a, r, nq, d, gamma=0.99):
    target = r + gamma * (1 - d) * nq.max(dim=1).values
    return F.mse_loss(q.gather(1, a[:, None])[:, 0], target)


def _tversky(p, y, alpha=0.5, beta=0.5, eps=1e-7):
    tp = (p * y).sum()
    return 1 - tp / (tp + alpha * (p * (1 - y)).sum() + beta * ((1 - p) * y).sum() + eps)


def _boxes(kind: str):
    """torchvision's IoU-family box losses (reduction "mean"), written out in torch."""

    def loss(p, g, eps=1e-7, detach_alpha=True):  # torchvision: alpha always detached
        x1, y1, x2, y2 = p.unbind(-1)
        a1, b1, a2, b2 = g.unbind(-1)
        iw = (torch.minimum(x2, a2) - torch.maximum(x1, a1)).clamp(min=0)
        ih = (torch.minimum(y2, b2) - torch.maximum(y1, b1)).clamp(min=0)
        inter = iw * ih
        union = (x2 - x1) * (y2 - y1) + (a2 - a1) * (b2 - b1) - inter
        iou = inter / (union + eps)
        out = 1 - iou
        cw = torch.maximum(x2, a2) - torch.minimum(x1, a1)
        ch = torch.maximum(y2, b2) - torch.minimum(y1, b1)
        if kind == "giou":
            area_c = cw * ch
            out = out + (area_c - union) / (area_c + eps)
        elif kind in ("diou", "ciou"):
            rho = ((x1 + x2 - a1 - a2) / 2) ** 2 + ((y1 + y2 - b1 - b2) / 2) ** 2
            out = out + rho / (cw**2 + ch**2 + eps)
            if kind == "ciou":
                v = (4 / math.pi**2) * (
                    torch.atan((a2 - a1) / (b2 - b1)) - torch.atan((x2 - x1) / (y2 - y1))
                ) ** 2
                with torch.no_grad():  # as torchvision (lossviz differentiates alpha)
                    alpha = v / (1 - iou + v + eps)
                out = out + alpha * v
        return out.mean()

    return loss


def _kl_normal(m, lv):
    return 0.5 * (lv.exp() + m * m - 1 - lv)


TORCH_PART_TWO = (
    {
        "l1_penalty": lambda w: w.abs().sum(),
        "l2_penalty": lambda w: 0.5 * (w * w).sum(),
        "uncertainty_weighted": lambda L, s: (0.5 * torch.exp(-s) * L + 0.5 * s).sum(),
        "iou": _boxes("iou"),
        "giou": _boxes("giou"),
        "diou": _boxes("diou"),
        "ciou": _boxes("ciou"),
        "ctc": F.ctc_loss,
        "contrastive": lambda a, b, y: torch.where(
            y == 1,
            0.5 * (d := torch.linalg.vector_norm(a - b, dim=1)) ** 2,
            0.5 * torch.clamp(1.0 - d, min=0) ** 2,
        ).mean(),
        "info_nce": lambda q, k: F.cross_entropy(
            F.normalize(q) @ F.normalize(k).T / 0.1, torch.arange(q.shape[0])
        ),
        "distillation": lambda z, v: F.kl_div(
            F.log_softmax(z, 1), F.log_softmax(v, 1), reduction="batchmean", log_target=True
        ),
        "bpr": lambda a, b: -F.logsigmoid(a - b).mean(),
        "listnet": lambda s, y: -(F.softmax(y, 1) * F.log_softmax(s, 1)).sum(1).mean(),
        "bradley_terry": lambda a, b: -F.logsigmoid(a - b).mean(),
        "dpo": lambda pw, pl, rw, rl: -F.logsigmoid(0.1 * ((pw - rw) - (pl - rl))).mean(),
        "gaussian_kl": lambda m, lv: _kl_normal(m, lv).mean(),
        "neg_elbo": lambda z, x, m, lv: (
            (F.binary_cross_entropy_with_logits(z, x, reduction="sum") + _kl_normal(m, lv).sum())
            / z.shape[0]
        ),
        "gan_minimax": lambda r, f: (F.softplus(-r) + F.softplus(f)).mean(),
        "gan_non_saturating": lambda r, f: (F.softplus(-r) + F.softplus(f)).mean(),
        "wasserstein_critic": lambda r, f: (f - r).mean(),
        "gan_hinge": lambda r, f: (F.relu(1 - r) + F.relu(1 + f)).mean(),
    }
    if torch is not None
    else {}
)

TORCH = (
    {
        "mse": F.mse_loss,
        "l1": F.l1_loss,
        "huber": F.huber_loss,
        "smooth_l1": F.smooth_l1_loss,
        "log_cosh": lambda x, y: ((d := (x - y).abs()) + F.softplus(-2 * d) - math.log(2.0)).mean(),
        "pinball": lambda x, y, alpha: torch.maximum(alpha * (y - x), (alpha - 1) * (y - x)).mean(),
        "poisson_nll": F.poisson_nll_loss,
        "gaussian_nll": F.gaussian_nll_loss,
        "kl_div": F.kl_div,
        "bce": F.binary_cross_entropy,
        "bce_with_logits": F.binary_cross_entropy_with_logits,
        "cross_entropy": F.cross_entropy,
        "nll": F.nll_loss,
        "sigmoid_focal": _focal,
        "hinge": lambda z, y: torch.clamp(1 - y * z, min=0).mean(),
        "squared_hinge": lambda z, y: (torch.clamp(1 - y * z, min=0) ** 2).mean(),
        "soft_margin": F.soft_margin_loss,
        "multi_margin": F.multi_margin_loss,
        "hinge_embedding": F.hinge_embedding_loss,
        "dice": lambda p, y: 1 - 2 * (p * y).sum() / (p.sum() + y.sum() + 1e-7),
        "tversky": _tversky,
        "margin_ranking": F.margin_ranking_loss,
        "cosine_embedding": F.cosine_embedding_loss,
        "triplet_margin": F.triplet_margin_loss,
        "bellman_td": _bellman,
        **TORCH_PART_TWO,
    }
    if torch is not None
    else {}
)


def torch_step(loss: losses.Loss, args: tuple, kw: dict):
    """A function running PyTorch's forward and backward pass of ``loss`` on ``args``."""
    fn = TORCH.get(loss.name)
    if fn is None:
        return None
    names = list(loss.__signature__.parameters)
    tensors = []
    for i, a in enumerate(args):
        a = np.asarray(a)
        t = torch.from_numpy(a if a.dtype.kind == "f" else a.astype(np.int64))
        if names[i] in loss.inputs:
            t.requires_grad_(True)
        tensors.append(t)
    leaves = [t for t in tensors if t.requires_grad]

    def step():
        for t in leaves:
            t.grad = None
        fn(*tensors, **kw).backward()

    return step


# ----------------------------------------------------------------------- timing
def timings(fns: list, repeat: int) -> list[tuple[float, float, float]]:
    """Minimum and median wall-clock time and minimum CPU time (s) of each function.

    The functions run in turn (one warm-up each, then a, b, a, b, ...), so that the
    load of a shared machine weighs on all of them alike. The CPU time (of all the
    process's threads) is steadier than the wall time on a busy machine.
    """
    for fn in fns:
        fn()
    times: list[list[tuple[float, float]]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times, strict=True):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            ts.append((time.perf_counter() - wall, time.process_time() - cpu))
    return [
        (min(w for w, _ in ts), statistics.median(w for w, _ in ts), min(c for _, c in ts))
        for ts in times
    ]


def peak_bytes(fn) -> int:
    """Peak memory allocated while ``fn()`` runs, as traced by tracemalloc."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timings per loss")
    parser.add_argument("--only", nargs="*", default=None, help="names of losses to time")
    parser.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads")
    opts = parser.parse_args()
    if torch is not None and opts.torch_threads:
        torch.set_num_threads(opts.torch_threads)
    inputs = make_inputs(np.random.default_rng(0))
    with_torch = torch is not None
    threads = f"; torch {torch.__version__} CPU, {torch.get_num_threads()} threads"
    print(
        "lossviz.losses value_and_grad on 10^6 float64 elements, reduction='mean', "
        f"min and median of {opts.repeat} runs" + (threads if with_torch else "; no torch")
    )
    header = f"{'loss':<18}{'lossviz min/med ms':>19}{'peak/input':>11}"
    if with_torch:
        header += f"{'torch min/med ms':>18}{'ratio med':>10}{'ratio min':>10}{'ratio cpu':>10}"
    print(header)
    print("-" * len(header))
    ratios, ratios_min, ratios_cpu, peaks = [], [], [], []
    for loss in losses.catalogue():
        if opts.only and loss.name not in opts.only:
            continue
        if loss.name not in inputs:
            print(f"{loss.name:<18}  (no benchmark inputs)")
            continue
        args, kw = inputs[loss.name]
        in_bytes = sum(np.asarray(a).nbytes for a in args)
        ours = lambda: loss.value_and_grad(*args, **kw)  # noqa: B023, E731
        peak = peak_bytes(ours) / in_bytes
        peaks.append(peak)
        step = torch_step(loss, args, kw) if with_torch else None
        (t_min, t_med, t_cpu), *rest = timings([ours] + ([step] if step else []), opts.repeat)
        row = f"{loss.name:<18}{t_min * 1e3:>9.1f} /{t_med * 1e3:>7.1f}{peak:>11.2f}"
        if rest:
            ((s_min, s_med, s_cpu),) = rest
            ratios.append(t_med / s_med)
            ratios_min.append(t_min / s_min)
            ratios_cpu.append(t_cpu / s_cpu)
            row += f"{s_min * 1e3:>9.1f} /{s_med * 1e3:>6.1f}"
            row += f"{ratios[-1]:>10.2f}{ratios_min[-1]:>10.2f}{ratios_cpu[-1]:>10.2f}"
        print(row)
    if ratios:
        print(
            f"ratio of medians: median {statistics.median(ratios):.2f}, largest {max(ratios):.2f}, "
            f"{sum(r > 2 for r in ratios)} above 2; ratio of minima: median "
            f"{statistics.median(ratios_min):.2f}, largest {max(ratios_min):.2f}; "
            f"ratio of CPU times: median {statistics.median(ratios_cpu):.2f}, "
            f"largest {max(ratios_cpu):.2f}"
        )
    print(f"largest peak/input {max(peaks):.2f}")


if __name__ == "__main__":
    main()
