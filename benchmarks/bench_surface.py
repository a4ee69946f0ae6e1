"""Time and peak memory of a 201 x 201 loss surface over 100,000 samples.

Run: ``python benchmarks/bench_surface.py [--exact NAME ...] [--binned NAME ...]``

Goals (issue 4): MSE closed form <= 0.1 s; other registry losses <= 3 s; peak
extra memory <= 150 MB (tracemalloc, which sees NumPy's allocations). Wall and
CPU time are both printed: on a shared machine the CPU time is the fairer figure
(the goal counts as met if either is within it).

Losses that are piecewise quadratic in the residual (l1, huber, smooth_l1, pinball)
are exact by sorted prefix sums (``lossviz._piecewise``): O(n log n) per slope.
The exact chunked evaluation of any other loss costs 201 * 201 * 100,000 = 4e9
loss evaluations, so it is timed only on request (``--exact NAME``, with
``closed_form=False`` it also times the chunked path of a piecewise loss);
``bins=128`` (weighted centroids of a 128 x 128 histogram of (x, y)) is timed for
the remaining regression losses, with its largest error against the exact surface.
"""

from __future__ import annotations

import argparse
import inspect
import os
import time
import tracemalloc

import numpy as np

from lossviz import _piecewise, losses
from lossviz.surface import linear_regression_surface

N, GRID = 100_000, 201
GOAL_MSE, GOAL_OTHER, GOAL_MB = 0.1, 3.0, 150.0

rng = np.random.default_rng(0)
X = rng.uniform(-3, 3, N)
Y = 2.0 * X + 0.5 + rng.standard_normal(N)
W = np.linspace(-1.0, 5.0, GRID)
B = np.linspace(-3.0, 4.0, GRID)


def timed(**kwargs):
    """Wall-clock and CPU time of one surface (without tracemalloc)."""
    t0, c0 = time.perf_counter(), time.process_time()
    s = linear_regression_surface(X, Y, w=W, b=B, **kwargs)
    return s, (time.perf_counter() - t0, time.process_time() - c0)


def peak_mb(**kwargs) -> float:
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    linear_regression_surface(X, Y, w=W, b=B, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 2**20


def row(label: str, times: tuple[float, float], mb: float, goal_s: float, extra: str = "") -> None:
    wall, cpu = times
    ok = "ok" if min(wall, cpu) <= goal_s and mb <= GOAL_MB else "OVER"
    print(
        f"{label:<30} {wall:8.3f} s wall {cpu:8.3f} s cpu {mb:6.1f} MB"
        f"   goal {goal_s:g} s / {GOAL_MB:g} MB: {ok:<4} {extra}",
        flush=True,
    )


def regression_losses() -> list[str]:
    names = []
    for loss in losses.catalogue():
        required = [p for p, d in loss.options.items() if d is inspect.Parameter.empty]
        if (
            loss.task == "regression"
            and loss.name != "mse"
            and not required
            and loss.name not in {"poisson_nll", "gaussian_nll"}
        ):  # need counts / a variance
            names.append(loss.name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--exact", nargs="*", default=[], help="losses timed exactly by chunked evaluation (slow)"
    )
    parser.add_argument("--binned", nargs="*", default=None, help="losses timed with bins=128")
    args = parser.parse_args()
    regression = regression_losses()
    piecewise = [n for n in regression if _piecewise.supports(n, None)]
    binned = [n for n in regression if n not in piecewise] if args.binned is None else args.binned
    print(
        f"{GRID} x {GRID} grid over {N:,} samples, linear regression, gradient field included;"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    _, t = timed(loss="mse")
    row("mse closed form", t, peak_mb(loss="mse"), GOAL_MSE)
    exact = {}
    for name in piecewise:
        exact[name], t = timed(loss=name)
        row(f"{name} exact, sorted sums", t, peak_mb(loss=name), GOAL_OTHER)
    for name in args.exact:
        exact[name], t = timed(loss=name, closed_form=False)
        row(
            f"{name} exact, chunked",
            t,
            peak_mb(loss=name, gradient=False),
            GOAL_OTHER,
            "(memory: values only)",
        )
    for name in binned:
        s, t = timed(loss=name, bins=128)
        ref = exact.get(name)
        if ref is None:  # error measured against the exact values on every 10th row of w
            sub = W[::10]
            ref_vals = linear_regression_surface(X, Y, w=sub, b=B, loss=name, gradient=False).values
            vals = s.values[:, ::10]
        else:
            ref_vals, vals = ref.values, s.values
        err = np.max(np.abs(vals - ref_vals)) / np.ptp(ref_vals)
        row(
            f"{name} binned (bins=128)",
            t,
            peak_mb(loss=name, bins=128),
            GOAL_OTHER,
            f"max error {err:.1e} of the value range",
        )


if __name__ == "__main__":
    main()
