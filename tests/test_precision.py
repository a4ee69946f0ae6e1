import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossviz.precision import (
    FORMATS,
    DynamicLossScaler,
    clip_grad_norm,
    clip_grad_value,
    get_format,
    round_to,
    sequential_sum,
    thresholds,
)

NUMPY = {"float64": np.float64, "float32": np.float32, "float16": np.float16}


@pytest.mark.parametrize("name", ["float64", "float32", "float16"])
def test_format_constants_match_numpy_finfo(name):
    f, info = FORMATS[name], np.finfo(NUMPY[name])
    assert f.max == float(info.max)
    assert f.smallest_normal == float(info.smallest_normal)
    assert f.smallest_subnormal == float(info.smallest_subnormal)
    assert f.eps == float(info.eps)
    assert f.bits == info.bits


def test_bfloat16_constants_from_its_bit_layout():
    f = FORMATS["bfloat16"]
    assert f.eps == 2.0**-7 and f.unit_roundoff == 2.0**-8
    assert f.smallest_normal == FORMATS["float32"].smallest_normal == 2.0**-126
    assert f.smallest_subnormal == 2.0**-133
    assert math.isclose(f.max, 3.3895313892515355e38, rel_tol=1e-15)


def _awkward_values(rng):
    mags = 10.0 ** rng.uniform(-48, 40, 4000)
    vals = np.concatenate([mags, -mags, [0.0, 1.0, -1.0, 65504.0, 65519.9, 65520.0]])
    # exact halfway points between neighbours of float16 near 1 (ties to even)
    vals = np.concatenate([vals, 1.0 + (2 * np.arange(8) + 1) * 2.0**-11])
    return vals


@pytest.mark.parametrize("name", ["float32", "float16"])
def test_round_to_agrees_with_numpy_casts_including_subnormals_and_overflow(name):
    vals = _awkward_values(np.random.default_rng(0))
    with np.errstate(over="ignore"):
        expected = vals.astype(NUMPY[name]).astype(np.float64)
    np.testing.assert_array_equal(round_to(vals, name), expected)


def test_round_to_bfloat16_agrees_with_torch_on_float32_inputs():
    torch = pytest.importorskip("torch")
    vals = _awkward_values(np.random.default_rng(1))
    with np.errstate(over="ignore"):
        vals = vals.astype(np.float32).astype(np.float64)  # exact in float32: no double rounding
    expected = torch.from_numpy(vals.astype(np.float32)).to(torch.bfloat16).double().numpy()
    np.testing.assert_array_equal(round_to(vals, "bfloat16"), expected)


def test_round_to_rounds_ties_to_even_and_passes_nan_and_inf():
    out = round_to([1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8, np.nan, -np.inf], "bfloat16")
    assert out[0] == 1.0 and out[1] == 1.0 + 2.0**-6
    assert np.isnan(out[2]) and out[3] == -np.inf


@settings(max_examples=200, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e30, max_value=1e30),
    st.sampled_from(["float32", "bfloat16", "float16"]),
)
def test_round_to_is_idempotent_and_within_half_a_spacing(x, name):
    f = FORMATS[name]
    r = float(round_to(x, name))
    assert float(round_to(r, name)) == r
    if math.isfinite(r) and abs(x) >= f.smallest_normal:
        assert abs(r - x) <= f.unit_roundoff * abs(x) * (1 + 1e-12)
    elif math.isfinite(r):
        assert abs(r - x) <= f.smallest_subnormal / 2


def test_round_to_and_get_format_reject_bad_input():
    with pytest.raises(ValueError, match="fmt must be one of"):
        round_to([1.0], "float8")
    with pytest.raises(TypeError, match="fmt must be a format name"):
        get_format(16)
    with pytest.raises(TypeError, match="x must be real numbers"):
        round_to(["a"], "float16")


def test_sequential_sum_stalls_at_two_to_the_precision():
    assert sequential_sum(np.ones(3000), "float16") == 2048.0
    assert sequential_sum(np.ones(300), "bfloat16") == 256.0
    assert sequential_sum(np.ones(3000), "float32") == 3000.0


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    for max_norm, p in ((0.5, 2.0), (100.0, 2.0), (0.3, 1.0), (0.2, math.inf)):
        params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for prm, g in zip(params, grads, strict=True):
            prm.grad = torch.from_numpy(g.copy())
        total_t = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=p)
        clipped, total = clip_grad_norm(grads, max_norm, norm_type=p)
        assert math.isclose(total, float(total_t), rel_tol=1e-12)
        for c, prm in zip(clipped, params, strict=True):
            np.testing.assert_allclose(c, prm.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_matches_torch_and_can_turn_the_direction():
    torch = pytest.importorskip("torch")
    g = np.array([3.0, 0.5, -2.0])
    prm = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    prm.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_value_([prm], 1.0)
    out = clip_grad_value([g], 1.0)[0]
    np.testing.assert_array_equal(out, prm.grad.numpy())
    cos = out @ g / np.linalg.norm(out) / np.linalg.norm(g)
    assert cos < 0.99
    with pytest.raises(ValueError, match=r"clip_value must be a finite real number in \(0, inf\)"):
        clip_grad_value([g], 0.0)
    with pytest.raises(TypeError, match="max_norm must be a real number, got '1' \\(str\\)"):
        clip_grad_norm([g], "1")
    with pytest.raises(ValueError, match="non-empty list"):
        clip_grad_norm([], 1.0)


def test_dynamic_loss_scaler_follows_grad_scaler_rules():
    s = DynamicLossScaler()
    assert (s.scale, s.growth_factor, s.backoff_factor, s.growth_interval) == (
        65536.0,
        2.0,
        0.5,
        2000,
    )
    s = DynamicLossScaler(init_scale=4.0, growth_interval=3)
    for _ in range(3):
        s.update(True)
    assert s.scale == 8.0
    s.update(True)
    s.update(False)
    assert s.scale == 4.0 and s.skipped == 1 and s.good_steps == 0
    # a tiny gradient survives scaling; a large one overflows float16
    g = np.array([1e-9, 1.0])
    assert np.all(DynamicLossScaler().scale_grads(g) > 0)  # 2**16 * 1e-9 is a float16 normal
    assert round_to(1e-9, "float16") == 0.0
    big = DynamicLossScaler(init_scale=2.0**20)
    unscaled, ok = big.unscale(big.scale_grads(g))
    assert not ok and np.isinf(unscaled[1])


def test_dynamic_loss_scaler_defaults_match_torch_grad_scaler():
    torch = pytest.importorskip("torch")
    import inspect

    params = inspect.signature(torch.amp.GradScaler.__init__).parameters
    s = DynamicLossScaler()
    assert params["init_scale"].default == s.scale
    assert params["growth_factor"].default == s.growth_factor
    assert params["backoff_factor"].default == s.backoff_factor
    assert params["growth_interval"].default == s.growth_interval


def test_dynamic_loss_scaler_rejects_bad_options():
    with pytest.raises(ValueError, match="backoff_factor"):
        DynamicLossScaler(backoff_factor=1.5)
    with pytest.raises(TypeError, match="growth_interval must be an int"):
        DynamicLossScaler(growth_interval=True)


def _emulated_first(grid, fmt, compute, broken):
    """First grid value (rounded to fmt) at which compute, done in fmt, is broken."""
    z = round_to(grid, fmt)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        out = compute(z, lambda v: round_to(v, fmt))
    return z[np.argmax(broken(out))]


@pytest.mark.parametrize("name", ["float64", "float32", "bfloat16", "float16"])
def test_thresholds_match_the_emulated_arithmetic(name):
    t, f = thresholds(name), FORMATS[name]

    def spacing(v):  # the grid of representable values near v
        return max(f.eps * abs(v), 1e-3)

    sig = _emulated_first(
        np.linspace(0, 40, 80001),
        name,
        lambda z, r: r(1.0 / r(1.0 + r(np.exp(-z)))),
        lambda s: s == 1.0,
    )
    assert abs(sig - t["sigmoid_one"]) <= spacing(sig)
    ovf = _emulated_first(np.linspace(0, 800, 800001), name, lambda z, r: r(np.exp(z)), np.isinf)
    assert abs(ovf - t["exp_overflow"]) <= spacing(ovf)
    und = _emulated_first(
        -np.linspace(0, 800, 800001), name, lambda z, r: r(np.exp(z)), lambda e: e == 0
    )
    assert abs(und - t["exp_underflow"]) <= spacing(und)
    with np.errstate(over="ignore"):
        assert np.isinf(round_to(np.float64(t["square_overflow"] * (1 + 1e-3)) ** 2, name))
        assert np.isfinite(round_to(np.float64(t["square_overflow"] * (1 - 1e-3)) ** 2, name))
    assert math.isclose(-math.log(f.smallest_subnormal), t["neg_log_max"], rel_tol=1e-12)
    if f.precision < 16:  # a Python loop: only the 16-bit formats
        assert sequential_sum(np.ones(int(t["sum_stall"]) + 10), name) == t["sum_stall"]
