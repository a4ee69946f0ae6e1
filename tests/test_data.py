import numpy as np
import pytest

from lossviz import data


def test_regression_is_reproducible_by_seed_and_generator():
    a = data.regression_1d(30, n_outliers=4, seed=7)
    b = data.regression_1d(30, n_outliers=4, seed=7)
    c = data.regression_1d(30, n_outliers=4, seed=np.random.default_rng(7))
    d = data.regression_1d(30, n_outliers=4, seed=8)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.y, c.y)
    assert not np.array_equal(a.y, d.y)


def test_regression_has_exactly_the_requested_outliers_of_the_requested_size():
    d = data.regression_1d(100, noise=0.0, n_outliers=7, outlier_magnitude=5.0, seed=1)
    assert d.outlier.sum() == 7
    resid = d.y - d.y_clean
    np.testing.assert_allclose(np.abs(resid[d.outlier]), 5.0)
    np.testing.assert_allclose(resid[~d.outlier], 0.0)
    assert np.all(np.diff(d.x) >= 0)


def test_regression_noise_has_requested_scale():
    d = data.regression_1d(20_000, noise=0.3, seed=2)
    assert np.std(d.y - d.y_clean) == pytest.approx(0.3, rel=0.03)


def test_arrays_are_read_only_and_result_is_frozen():
    d = data.regression_1d(10)
    with pytest.raises(ValueError):
        d.y[0] = 1.0
    with pytest.raises(AttributeError):
        d.slope = 3.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n": 1}, "n must be an integer >= 2, got 1"),
        ({"noise": -1.0}, "noise must be"),
        ({"n": 5, "n_outliers": 6}, "n_outliers must be at most n=5, got 6"),
        ({"x_range": (1, 0)}, "x_range"),
        ({"noise": float("nan")}, "noise"),
    ],
)
def test_regression_rejects_bad_parameters_naming_them(kwargs, words):
    with pytest.raises(ValueError, match=words):
        data.regression_1d(**kwargs)


def test_x_range_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"x_range must be a pair \(low, high\) of real numbers"):
        data.regression_1d(10, x_range=3.0)
    with pytest.raises(TypeError, match="x_range\\[1\\] must be a real number, got 'b'"):
        data.count_data(10, x_range=(0.0, "b"))
    with pytest.raises(ValueError, match="x_range must be a pair \\(low, high\\), got 3 values"):
        data.heteroscedastic_regression(10, x_range=(0, 1, 2))


def test_seed_must_be_int_or_generator():
    with pytest.raises(TypeError, match="seed"):
        data.regression_1d(10, seed=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        data.regression_1d(10, seed=-1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 10.0}, r"n must be an integer, got 10.0 \(float\)"),
        ({"n": True}, "n must be an integer, got True"),
        ({"noise": "0.1"}, "noise must be a real number, got '0.1'"),
    ],
)
def test_wrong_types_raise_type_error_naming_the_argument(kwargs, message):
    with pytest.raises(TypeError, match=message):
        data.regression_1d(**kwargs)


def test_heteroscedastic_noise_grows_with_abs_x():
    d = data.heteroscedastic_regression(40_000, noise_base=0.1, noise_slope=0.5, seed=0)
    np.testing.assert_allclose(d.noise_scale, 0.1 + 0.5 * np.abs(d.x))
    resid = d.y - d.y_clean
    inner, outer = np.abs(d.x) < 0.5, np.abs(d.x) > 2.5
    assert np.std(resid[outer]) > 3 * np.std(resid[inner])
    # standardised residuals are unit normal
    assert np.std(resid / d.noise_scale) == pytest.approx(1.0, rel=0.03)


def test_count_data_are_nonnegative_integers_with_the_given_rate():
    d = data.count_data(20_000, log_intercept=1.0, log_slope=0.0, seed=0)
    assert d.y.dtype.kind == "i" and d.y.min() >= 0
    np.testing.assert_allclose(d.rate, np.e)
    assert d.y.mean() == pytest.approx(np.e, rel=0.03)


def test_count_data_rejects_huge_rates():
    with pytest.raises(ValueError, match="rate"):
        data.count_data(log_intercept=20.0)


def test_blobs_have_balanced_classes_around_their_centres():
    d = data.blobs(301, n_classes=3, spread=0.1, seed=0)
    assert d.n_classes == 3
    assert np.bincount(d.y).tolist() == [101, 100, 100]
    for k in range(3):
        np.testing.assert_allclose(d.X[d.y == k].mean(axis=0), d.centers[k], atol=0.05)


def test_two_blobs_are_separated_along_x():
    d = data.blobs(100, separation=4.0, seed=0)
    np.testing.assert_allclose(d.centers, [[-2.0, 0.0], [2.0, 0.0]])


@pytest.mark.parametrize(("n", "ratio", "n_pos"), [(200, 9, 20), (100, 1, 50), (50, 99, 1)])
def test_imbalanced_has_requested_ratio(n, ratio, n_pos):
    d = data.imbalanced(n, ratio=ratio, seed=0)
    assert np.bincount(d.y).tolist() == [n - n_pos, n_pos]


def test_imbalanced_rejects_ratio_below_one():
    with pytest.raises(ValueError, match=r"ratio must be .* got 0.5"):
        data.imbalanced(ratio=0.5)


def test_flip_labels_flips_exactly_the_fraction_to_other_classes():
    y = np.repeat(np.arange(4), 25)
    noisy = data.flip_labels(y, 0.2, seed=3)
    assert noisy.flipped.sum() == 20
    np.testing.assert_array_equal(noisy.y != y, noisy.flipped)
    assert set(np.unique(noisy.y)) <= {0, 1, 2, 3}


def test_flip_labels_works_on_plus_minus_one_labels():
    y = np.array([-1, 1] * 10)
    noisy = data.flip_labels(y, 0.5, seed=0)
    np.testing.assert_array_equal(noisy.y[noisy.flipped], -y[noisy.flipped])
    assert noisy.flipped.sum() == 10


def test_flip_labels_rejects_bad_fraction_and_single_class():
    with pytest.raises(ValueError, match="fraction"):
        data.flip_labels(np.array([0, 1]), 1.5)
    with pytest.raises(ValueError, match="two classes"):
        data.flip_labels(np.zeros(5, dtype=int), 0.1)


@pytest.mark.parametrize("fraction", [0.01, 0.05, 0.3])
def test_segmentation_mask_has_requested_fraction_and_is_one_blob(fraction):
    d = data.segmentation_image(40, foreground_fraction=fraction, noise=0.0, seed=1)
    assert d.mask.sum() == round(fraction * 1600)
    np.testing.assert_array_equal(d.image, d.mask.astype(float))
    rows, cols = np.nonzero(d.mask)
    # a disc: its bounding box is nearly square and not much bigger than its area
    h, w = np.ptp(rows) + 1, np.ptp(cols) + 1
    assert abs(h - w) <= 1 and h * w <= 1.6 * d.mask.sum() + 4


def test_segmentation_rejects_fraction_of_one():
    with pytest.raises(ValueError, match="foreground_fraction"):
        data.segmentation_image(foreground_fraction=1.0)


def test_chain_q_values_match_hand_computation():
    # deterministic chain of 5 states, gamma = 0.9; entering state 4 pays 1.
    # Q(s, right) = 0.9 ** (3 - s); Q(s, left) = 0.9 * V(max(s - 1, 0)).
    q = data.q_values(data.chain_mdp(5, gamma=0.9))
    right = [0.729, 0.81, 0.9, 1.0, 0.0]
    left = [0.9 * 0.729, 0.9 * 0.729, 0.9 * 0.81, 0.9 * 0.9, 0.0]
    np.testing.assert_allclose(q[:, 1], right, atol=1e-10)
    np.testing.assert_allclose(q[:, 0], left, atol=1e-10)


def test_chain_transitions_are_distributions_and_slip_mixes_directions():
    mdp = data.chain_mdp(4, slip=0.25)
    np.testing.assert_allclose(mdp.transitions.sum(axis=2), 1.0)
    assert mdp.transitions[1, 1, 2] == 0.75 and mdp.transitions[1, 1, 0] == 0.25


def test_sampled_transitions_satisfy_bellman_equation_with_true_q():
    mdp = data.chain_mdp(6, gamma=0.8)
    q = data.q_values(mdp)
    b = data.sample_transitions(mdp, 200, seed=0)
    target = b.rewards + mdp.gamma * (~b.done) * q[b.next_states].max(axis=1)
    np.testing.assert_allclose(target, q[b.states, b.actions], atol=1e-10)
    assert b.done.any() and not b.done.all()
    assert not mdp.terminal[b.states].any()


def test_sampled_transitions_follow_slip_probability():
    mdp = data.chain_mdp(5, slip=0.3)
    b = data.sample_transitions(mdp, 20_000, seed=0)
    went_right = b.next_states > b.states
    moved_as_asked = np.where(b.actions == 1, went_right, ~went_right)
    assert moved_as_asked.mean() == pytest.approx(0.7, abs=0.015)


def test_triplets_pair_same_class_positive_and_other_class_negative():
    e = data.embeddings_2d(6, n_classes=3, seed=0)
    t = data.triplets(e.X, e.y, 50, seed=0)
    assert np.all(e.y[t.anchor_index] == e.y[t.positive_index])
    assert np.all(e.y[t.anchor_index] != e.y[t.negative_index])
    assert np.all(t.anchor_index != t.positive_index)
    np.testing.assert_array_equal(t.anchor, e.X[t.anchor_index])


def test_embedding_clusters_sit_on_a_circle():
    e = data.embeddings_2d(50, n_classes=5, radius=3.0, spread=0.1, seed=0)
    np.testing.assert_allclose(np.hypot(*e.centers.T), 3.0)
    for k in range(5):
        assert np.linalg.norm(e.X[e.y == k].mean(axis=0) - e.centers[k]) < 0.1


def test_triplets_reject_singleton_classes():
    with pytest.raises(ValueError, match="two members"):
        data.triplets(np.zeros((3, 2)), np.array([0, 0, 1]), 5)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(data, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0
