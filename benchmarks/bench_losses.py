"""Time and peak memory of every loss in lossviz.losses on 10^6 float64 elements.

Run:  python benchmarks/bench_losses.py [--repeat 3]

Prints one row per loss: the best wall-clock time of the value and of the
gradient (reduction="mean") and the peak memory traced by tracemalloc during one
value call and one gradient call (NumPy reports its buffers to tracemalloc). The
inputs' own memory is not counted. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from lossviz import losses

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
        "bellman_td": ((q, rng.integers(0, 4, size=N // 4), rng.normal(size=N // 4),
                        rng.normal(size=(N // 4, 4)), rng.integers(0, 2, size=N // 4)), {}),
    }


def best_time(fn, repeat: int) -> float:
    """Best of ``repeat`` wall-clock timings of ``fn()``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


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
    parser.add_argument("--repeat", type=int, default=3, help="timings per loss (best kept)")
    opts = parser.parse_args()
    inputs = make_inputs(np.random.default_rng(0))
    header = (f"{'loss':<18}{'value ms':>10}{'grad ms':>10}{'value peak MB':>15}"
              f"{'grad peak MB':>14}")
    print(f"lossviz.losses on 10^6 float64 elements (best of {opts.repeat}, reduction='mean')")
    print(header)
    print("-" * len(header))
    for loss in losses.catalogue():
        args, kw = inputs[loss.name]
        t_val = best_time(lambda: loss(*args, **kw), opts.repeat)  # noqa: B023
        t_grad = best_time(lambda: loss.grad(*args, **kw), opts.repeat)  # noqa: B023
        m_val = peak_bytes(lambda: loss(*args, **kw))  # noqa: B023
        m_grad = peak_bytes(lambda: loss.grad(*args, **kw))  # noqa: B023
        print(f"{loss.name:<18}{t_val * 1e3:>10.1f}{t_grad * 1e3:>10.1f}"
              f"{m_val / 2**20:>15.1f}{m_grad / 2**20:>14.1f}")


if __name__ == "__main__":
    main()
