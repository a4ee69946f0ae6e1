"""Time and peak memory of a 201 x 201 loss surface over 100,000 samples.

Run: ``python benchmarks/bench_surface.py [loss ...]`` (default: mse and every
other registered regression loss that takes no required option).

Goals (issue 4): MSE closed form <= 0.1 s; other registry losses <= 3 s; peak
extra memory <= 150 MB (tracemalloc, which sees NumPy's allocations).
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np

from lossviz import losses
from lossviz.surface import linear_regression_surface

N, GRID = 100_000, 201
GOAL_MSE, GOAL_OTHER, GOAL_MB = 0.1, 3.0, 150.0


def measure(**kwargs):
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    s = linear_regression_surface(X, Y, w=W, b=B, **kwargs)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return s, seconds, (peak - base) / 2**20


def row(label, seconds, mb, goal_s, extra=""):
    ok = "ok" if seconds <= goal_s and mb <= GOAL_MB else "OVER"
    print(f"{label:<38} {seconds:8.3f} s  {mb:7.1f} MB  (goal {goal_s:g} s, {GOAL_MB:g} MB) "
          f"{ok} {extra}")


rng = np.random.default_rng(0)
X = rng.uniform(-3, 3, N)
Y = 2.0 * X + 0.5 + rng.standard_normal(N)
W = np.linspace(-1.0, 5.0, GRID)
B = np.linspace(-3.0, 4.0, GRID)

if __name__ == "__main__":
    names = sys.argv[1:] or [
        loss.name for loss in losses.catalogue()
        if loss.task == "regression" and loss.name != "mse"
        and all(p.default is not p.empty for p in
                __import__("inspect").signature(loss.value_fn).parameters.values()
                if p.kind is p.KEYWORD_ONLY)
        and loss.name not in {"poisson_nll", "gaussian_nll"}
    ]
    print(f"{GRID} x {GRID} grid over {N:,} samples (linear regression, gradient field included)")
    s, t, mb = measure(loss="mse")
    row("mse closed form", t, mb, GOAL_MSE)
    for name in names:
        s_exact, t, mb = measure(loss=name, gradient=False)
        row(f"{name} chunked exact (values only)", t, mb, GOAL_OTHER)
        s_exact_g, t, mb = measure(loss=name)
        row(f"{name} chunked exact (+ gradient)", t, mb, GOAL_OTHER)
        for bins in (64, 128):
            s_bin, t, mb = measure(loss=name, bins=bins)
            err = np.max(np.abs(s_bin.values - s_exact.values))
            rel = err / np.ptp(s_exact.values)
            row(f"{name} binned, bins={bins} (+ gradient)", t, mb, GOAL_OTHER,
                f"max |err| {err:.2e} = {rel:.1e} of range")
