"""Small seeded toy data sets, made in code (no downloads).

Every function takes ``seed`` (an ``int`` or a :class:`numpy.random.Generator`)
and returns a small frozen dataclass whose arrays are read-only, with a short
``description`` that a chapter can print or use as a caption.

Functions
---------
regression_1d
    1-D linear regression with adjustable noise and outliers.
heteroscedastic_regression
    1-D regression whose noise grows with ``|x|``.
count_data
    Poisson counts with a log-linear rate.
blobs
    Two-class or multi-class Gaussian blobs in 2-D.
imbalanced
    Two-class blobs with a chosen majority:minority ratio.
flip_labels
    Label noise: flip an exact fraction of any labels.
segmentation_image
    A small noisy image with a mask covering a chosen fraction of pixels.
chain_mdp, sample_transitions, q_values
    A tiny chain MDP for TD learning, batches of transitions and the true Q.
embeddings_2d, triplets
    Clustered 2-D embeddings and anchor/positive/negative triplets.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from lossviz._validate import as_int, as_interval, as_real

__all__ = [
    "ChainMDP",
    "ClassificationData",
    "CountData",
    "EmbeddingData",
    "NoisyLabels",
    "RegressionData",
    "SegmentationData",
    "Transitions",
    "Triplets",
    "blobs",
    "chain_mdp",
    "count_data",
    "embeddings_2d",
    "flip_labels",
    "heteroscedastic_regression",
    "imbalanced",
    "q_values",
    "regression_1d",
    "sample_transitions",
    "segmentation_image",
    "triplets",
]

# --------------------------------------------------------------------------- helpers


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    """Return a Generator from an int seed or pass a Generator through."""
    if isinstance(seed, np.random.Generator):
        return seed
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise TypeError(
            f"seed must be a non-negative int or a numpy.random.Generator, got {seed!r}"
            " (every data set is seeded so that figures are reproducible)"
        )
    return np.random.default_rng(as_int(seed, "seed", low=0))


def _frozen(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


def _array_field() -> np.ndarray:
    return field(repr=False)  # type: ignore[return-value]


# --------------------------------------------------------------------------- regression


@dataclass(frozen=True, eq=False)
class RegressionData:
    """A 1-D regression data set.

    Attributes
    ----------
    x : ndarray, shape (n,)
        Inputs, sorted increasingly.
    y : ndarray, shape (n,)
        Observed targets (noise and outliers included).
    y_clean : ndarray, shape (n,)
        The noise-free line ``slope * x + intercept``.
    noise_scale : ndarray, shape (n,)
        Standard deviation of the Gaussian noise at each point.
    outlier : ndarray of bool, shape (n,)
        True where a point was made an outlier.
    slope, intercept : float
        The true line.
    description : str
        One sentence saying what the data are.

    """

    x: np.ndarray = _array_field()
    y: np.ndarray = _array_field()
    y_clean: np.ndarray = _array_field()
    noise_scale: np.ndarray = _array_field()
    outlier: np.ndarray = _array_field()
    slope: float = 0.0
    intercept: float = 0.0
    description: str = ""


def regression_1d(
    n: int = 50,
    *,
    slope: float = 2.0,
    intercept: float = 0.5,
    noise: float = 0.5,
    n_outliers: int = 0,
    outlier_magnitude: float = 10.0,
    x_range: tuple[float, float] = (-3.0, 3.0),
    seed: int | np.random.Generator = 0,
) -> RegressionData:
    """Make 1-D linear-regression data with Gaussian noise and optional outliers.

    Parameters
    ----------
    n : int
        Number of points (>= 2).
    slope, intercept : float
        The true line ``y = slope * x + intercept``.
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    n_outliers : int
        Exactly this many points (chosen at random, 0 <= n_outliers <= n) are
        shifted by ``+/- outlier_magnitude`` (random sign) on top of the noise.
    outlier_magnitude : float
        Size of the outlier shift (>= 0), in units of ``y``.
    x_range : (float, float)
        Inputs are drawn uniformly from this interval and sorted.
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    RegressionData

    Raises
    ------
    ValueError
        If a parameter is out of range.

    Examples
    --------
    >>> d = regression_1d(20, n_outliers=3, seed=1)
    >>> d.x.shape, int(d.outlier.sum())
    ((20,), 3)

    """
    n = as_int(n, "n", low=2)
    noise = as_real(noise, "noise", low=0.0)
    n_outliers = as_int(n_outliers, "n_outliers", low=0)
    if n_outliers > n:
        raise ValueError(f"n_outliers must be at most n={n}, got {n_outliers}")
    outlier_magnitude = as_real(outlier_magnitude, "outlier_magnitude", low=0.0)
    line = _Line(n, slope, intercept, x_range, seed)
    scale = np.full(n, noise)
    y = line.y_clean + noise * line.rng.standard_normal(n)
    outlier = np.zeros(n, dtype=bool)
    idx = line.rng.choice(n, size=n_outliers, replace=False)
    outlier[idx] = True
    y[idx] += outlier_magnitude * line.rng.choice([-1.0, 1.0], size=n_outliers)
    desc = (
        f"{line.text} with Gaussian noise (sd {noise:g})"
        + (f" and {n_outliers} outliers shifted by +/-{outlier_magnitude:g}" if n_outliers else "")
        + "."
    )
    return line.data(y, scale, outlier, desc)


class _Line:
    """The part the regression data sets share: inputs drawn on ``x_range``, a true line."""

    def __init__(
        self,
        n: int,
        slope: object,
        intercept: object,
        x_range: object,
        seed: int | np.random.Generator,
    ) -> None:
        self.slope = as_real(slope, "slope")
        self.intercept = as_real(intercept, "intercept")
        lo, hi = as_interval(x_range, "x_range")
        self.rng = _rng(seed)
        self.x = np.sort(self.rng.uniform(lo, hi, n))
        self.y_clean = self.slope * self.x + self.intercept
        self.text = f"{n} points on y = {self.slope:g} x + {self.intercept:g}"

    def data(
        self, y: np.ndarray, scale: np.ndarray, outlier: np.ndarray, description: str
    ) -> RegressionData:
        """Return the frozen :class:`RegressionData` of this line and the observed ``y``."""
        _frozen(self.x, y, self.y_clean, scale, outlier)
        return RegressionData(
            self.x, y, self.y_clean, scale, outlier, self.slope, self.intercept, description
        )


def heteroscedastic_regression(
    n: int = 200,
    *,
    slope: float = 1.0,
    intercept: float = 0.0,
    noise_base: float = 0.1,
    noise_slope: float = 0.5,
    x_range: tuple[float, float] = (-3.0, 3.0),
    seed: int | np.random.Generator = 0,
) -> RegressionData:
    """Make 1-D regression data whose noise grows linearly with ``|x|``.

    The noise standard deviation at ``x`` is ``noise_base + noise_slope * |x|``,
    the setting where a Gaussian likelihood with learned variance (or a quantile
    loss) beats plain MSE.

    Parameters
    ----------
    n : int
        Number of points (>= 2).
    slope, intercept : float
        The true line.
    noise_base, noise_slope : float
        Noise standard deviation ``noise_base + noise_slope * |x|`` (both >= 0).
    x_range : (float, float)
        Interval the inputs are drawn from.
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    RegressionData
        ``noise_scale`` holds the per-point standard deviation; no outliers.

    Examples
    --------
    >>> d = heteroscedastic_regression(100, noise_base=0.1, noise_slope=1.0)
    >>> bool(d.noise_scale[0] > d.noise_scale[50])  # x[0] = -3 side is noisier
    True

    """
    n = as_int(n, "n", low=2)
    noise_base = as_real(noise_base, "noise_base", low=0.0)
    noise_slope = as_real(noise_slope, "noise_slope", low=0.0)
    line = _Line(n, slope, intercept, x_range, seed)
    scale = noise_base + noise_slope * np.abs(line.x)
    y = line.y_clean + scale * line.rng.standard_normal(n)
    desc = f"{line.text} with noise sd {noise_base:g} + {noise_slope:g}|x| (heteroscedastic)."
    return line.data(y, scale, np.zeros(n, dtype=bool), desc)


@dataclass(frozen=True, eq=False)
class CountData:
    """Poisson count data with a log-linear rate.

    Attributes
    ----------
    x : ndarray, shape (n,)
        Inputs, sorted.
    y : ndarray of int, shape (n,)
        Counts, ``y ~ Poisson(rate)``.
    rate : ndarray, shape (n,)
        The true rate ``exp(log_intercept + log_slope * x)``.
    description : str
        One sentence saying what the data are.

    """

    x: np.ndarray = _array_field()
    y: np.ndarray = _array_field()
    rate: np.ndarray = _array_field()
    description: str = ""


def count_data(
    n: int = 200,
    *,
    log_intercept: float = 0.5,
    log_slope: float = 0.8,
    x_range: tuple[float, float] = (-2.0, 2.0),
    seed: int | np.random.Generator = 0,
) -> CountData:
    """Make Poisson counts whose log-rate is linear in ``x``.

    Parameters
    ----------
    n : int
        Number of points (>= 1).
    log_intercept, log_slope : float
        ``log(rate) = log_intercept + log_slope * x``.
    x_range : (float, float)
        Interval the inputs are drawn from.
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    CountData

    Raises
    ------
    ValueError
        If the largest rate exceeds 1e6 (counts that large are not a toy).

    Examples
    --------
    >>> d = count_data(50, seed=3)
    >>> d.y.dtype.kind, bool((d.y >= 0).all())
    ('i', True)

    """
    n = as_int(n, "n", low=1)
    log_intercept = as_real(log_intercept, "log_intercept")
    log_slope = as_real(log_slope, "log_slope")
    lo, hi = as_interval(x_range, "x_range")
    max_log_rate = log_intercept + max(log_slope * lo, log_slope * hi)
    if max_log_rate > np.log(1e6):
        raise ValueError(
            f"log_intercept + log_slope * x reaches {max_log_rate:.3g} on x_range={x_range!r};"
            " expected a largest rate of at most 1e6 (log-rate <= 13.8)"
        )
    rng = _rng(seed)
    x = np.sort(rng.uniform(lo, hi, n))
    rate = np.exp(log_intercept + log_slope * x)
    y = rng.poisson(rate).astype(np.int64)
    _frozen(x, y, rate)
    desc = f"{n} Poisson counts with log-rate {log_intercept:g} + {log_slope:g} x."
    return CountData(x, y, rate, desc)


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True, eq=False)
class ClassificationData:
    """Points in 2-D with integer class labels.

    Attributes
    ----------
    X : ndarray, shape (n, 2)
        Features.
    y : ndarray of int, shape (n,)
        Labels ``0 .. n_classes - 1``.
    centers : ndarray, shape (n_classes, 2)
        The blob centres.
    description : str
        One sentence saying what the data are.

    """

    X: np.ndarray = _array_field()
    y: np.ndarray = _array_field()
    centers: np.ndarray = _array_field()
    description: str = ""

    @property
    def n_classes(self) -> int:
        """Number of classes (rows of ``centers``)."""
        return int(self.centers.shape[0])


def _circle_centers(n_classes: int, radius: float) -> np.ndarray:
    if n_classes == 2:
        return np.array([[-radius, 0.0], [radius, 0.0]])
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])


def _blobs_data(
    kind: type[ClassificationData],
    seed: int | np.random.Generator,
    counts: np.ndarray,
    centers: np.ndarray,
    spread: float,
    description: str,
) -> ClassificationData:
    """Draw ``counts[k]`` points around ``centers[k]`` (sd ``spread``), in random order."""
    rng = _rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = centers[y] + spread * rng.standard_normal((len(y), 2))
    order = rng.permutation(len(y))
    X, y = X[order], y[order].astype(np.int64)
    _frozen(X, y, centers)
    return kind(X, y, centers, description)


def blobs(
    n: int = 100,
    *,
    n_classes: int = 2,
    separation: float = 2.0,
    spread: float = 1.0,
    seed: int | np.random.Generator = 0,
) -> ClassificationData:
    """Make Gaussian blobs in 2-D, one per class, with (almost) equal class sizes.

    Parameters
    ----------
    n : int
        Total number of points (>= n_classes).
    n_classes : int
        Number of classes (>= 2). Two classes sit at ``(-separation/2, 0)`` and
        ``(separation/2, 0)``; more sit evenly on a circle of radius ``separation``.
    separation : float
        Distance scale between centres (> 0).
    spread : float
        Standard deviation of each blob (> 0).
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ClassificationData
        Points in random order; class ``k`` has ``n // n_classes`` points, the
        first ``n % n_classes`` classes one more.

    Examples
    --------
    >>> d = blobs(90, n_classes=3, seed=0)
    >>> d.X.shape, [int(c) for c in np.bincount(d.y)]
    ((90, 2), [30, 30, 30])

    """
    n_classes = as_int(n_classes, "n_classes", low=2)
    n = as_int(n, "n", low=n_classes)
    separation = as_real(separation, "separation", low=0.0, low_open=True)
    spread = as_real(spread, "spread", low=0.0, low_open=True)
    counts = np.full(n_classes, n // n_classes)
    counts[: n % n_classes] += 1
    radius = separation / 2 if n_classes == 2 else separation
    desc = f"{n} points in {n_classes} Gaussian blobs (sd {spread:g})."
    centers = _circle_centers(n_classes, radius)
    return _blobs_data(ClassificationData, seed, counts, centers, spread, desc)


def imbalanced(
    n: int = 200,
    *,
    ratio: float = 9.0,
    separation: float = 2.0,
    spread: float = 1.0,
    seed: int | np.random.Generator = 0,
) -> ClassificationData:
    """Make an imbalanced two-class set: ``ratio`` negatives (0) per positive (1).

    Parameters
    ----------
    n : int
        Total number of points (>= 2).
    ratio : float
        Majority-to-minority count ratio (>= 1). The number of positives is
        ``round(n / (1 + ratio))`` (at least 1), the rest are negatives.
    separation, spread : float
        As in :func:`blobs` (both > 0).
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ClassificationData
        Label 1 is the minority class.

    Examples
    --------
    >>> d = imbalanced(200, ratio=9, seed=0)
    >>> [int(c) for c in np.bincount(d.y)]
    [180, 20]

    """
    n = as_int(n, "n", low=2)
    ratio = as_real(ratio, "ratio", low=1.0)
    separation = as_real(separation, "separation", low=0.0, low_open=True)
    spread = as_real(spread, "spread", low=0.0, low_open=True)
    n_pos = min(max(1, round(n / (1 + ratio))), n - 1)
    counts = np.array([n - n_pos, n_pos])
    desc = (
        f"{n} points in two Gaussian blobs, {n - n_pos} negatives (0) and"
        f" {n_pos} positives (1): ratio {ratio:g}:1."
    )
    centers = _circle_centers(2, separation / 2)
    return _blobs_data(ClassificationData, seed, counts, centers, spread, desc)


@dataclass(frozen=True, eq=False)
class NoisyLabels:
    """Labels after flipping a fraction of them.

    Attributes
    ----------
    y : ndarray, shape (n,)
        The noisy labels (same dtype as the input labels).
    flipped : ndarray of bool, shape (n,)
        True where the label was changed.
    description : str
        One sentence saying what was done.

    """

    y: np.ndarray = _array_field()
    flipped: np.ndarray = _array_field()
    description: str = ""


def flip_labels(
    y: np.ndarray,
    fraction: float,
    *,
    classes: np.ndarray | None = None,
    seed: int | np.random.Generator = 0,
) -> NoisyLabels:
    """Flip exactly ``round(fraction * n)`` labels, each to a different class.

    Parameters
    ----------
    y : array_like, shape (n,)
        Labels of any type with at least two distinct classes (e.g. ``{0, 1}``,
        ``{-1, +1}`` or ``0 .. K-1``).
    fraction : float
        Fraction of labels to flip, in [0, 1].
    classes : array_like, optional
        The set of classes a label may be flipped to; by default the distinct
        values of ``y``.
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    NoisyLabels
        A flipped label is drawn uniformly from the other classes.

    Examples
    --------
    >>> noisy = flip_labels(np.array([0, 1] * 50), 0.1, seed=0)
    >>> int(noisy.flipped.sum()), int((noisy.y != np.array([0, 1] * 50)).sum())
    (10, 10)

    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"y must be a non-empty 1-D array of labels, got shape {y.shape}")
    fraction = as_real(fraction, "fraction", low=0.0, high=1.0)
    cls = np.unique(y) if classes is None else np.unique(np.asarray(classes))
    if cls.size < 2:
        raise ValueError(f"flipping needs at least two classes, got classes {cls.tolist()}")
    pos = np.searchsorted(cls, y)
    if np.any(pos >= cls.size) or np.any(cls[np.minimum(pos, cls.size - 1)] != y):
        raise ValueError(f"y holds labels outside classes={cls.tolist()}")
    rng = _rng(seed)
    n_flip = round(fraction * y.size)
    idx = rng.choice(y.size, size=n_flip, replace=False)
    # shift each chosen class index by 1..K-1 (mod K): always a different class
    shift = rng.integers(1, cls.size, size=n_flip)
    new = y.copy()
    new[idx] = cls[(pos[idx] + shift) % cls.size]
    flipped = np.zeros(y.size, dtype=bool)
    flipped[idx] = True
    _frozen(new, flipped)
    desc = f"{n_flip} of {y.size} labels ({fraction:.0%}) flipped to another class."
    return NoisyLabels(new, flipped, desc)


# --------------------------------------------------------------------------- segmentation


@dataclass(frozen=True, eq=False)
class SegmentationData:
    """A small grey-scale image with a binary foreground mask.

    Attributes
    ----------
    image : ndarray, shape (size, size)
        Pixel intensities: about 1 on the foreground, 0 on the background, plus noise.
    mask : ndarray of bool, shape (size, size)
        True on the foreground (a roundish blob).
    description : str
        One sentence saying what the data are.

    """

    image: np.ndarray = _array_field()
    mask: np.ndarray = _array_field()
    description: str = ""

    @property
    def foreground_fraction(self) -> float:
        """Fraction of pixels in the foreground."""
        return float(self.mask.mean())


def segmentation_image(
    size: int = 32,
    *,
    foreground_fraction: float = 0.05,
    noise: float = 0.3,
    seed: int | np.random.Generator = 0,
) -> SegmentationData:
    """Make a noisy image whose mask covers exactly ``round(fraction * size**2)`` pixels.

    The foreground is the set of pixels nearest a random centre (a disc), so a
    small ``foreground_fraction`` gives the class imbalance where Dice loss helps.

    Parameters
    ----------
    size : int
        Image side in pixels (4 to 512).
    foreground_fraction : float
        Fraction of foreground pixels, in (0, 1).
    noise : float
        Standard deviation of the Gaussian pixel noise (>= 0).
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    SegmentationData

    Examples
    --------
    >>> d = segmentation_image(20, foreground_fraction=0.1, seed=0)
    >>> d.image.shape, int(d.mask.sum())
    ((20, 20), 40)

    """
    size = as_int(size, "size", low=4)
    if size > 512:
        raise ValueError(f"size must be at most 512 (a toy image), got {size}")
    foreground_fraction = as_real(
        foreground_fraction, "foreground_fraction", low=0.0, high=1.0, low_open=True, high_open=True
    )
    noise = as_real(noise, "noise", low=0.0)
    rng = _rng(seed)
    k = max(1, round(foreground_fraction * size * size))
    center = rng.uniform(0.3 * size, 0.7 * size, 2)
    rows, cols = np.mgrid[0:size, 0:size]
    dist = np.hypot(rows + 0.5 - center[0], cols + 0.5 - center[1]).ravel()
    mask = np.zeros(size * size, dtype=bool)
    mask[np.argsort(dist, kind="stable")[:k]] = True
    mask = mask.reshape(size, size)
    image = mask.astype(float) + noise * rng.standard_normal((size, size))
    _frozen(image, mask)
    desc = (
        f"A {size}x{size} image with a disc covering {k} pixels"
        f" ({k / size**2:.1%}) and Gaussian noise (sd {noise:g})."
    )
    return SegmentationData(image, mask, desc)


# --------------------------------------------------------------------------- chain MDP


@dataclass(frozen=True, eq=False)
class ChainMDP:
    """A chain of states; moving right reaches a rewarding terminal state.

    States are ``0 .. n_states - 1``; actions are ``0`` (left) and ``1`` (right).
    The last state is terminal (absorbing, zero reward); entering it pays ``reward``.

    Attributes
    ----------
    n_states, n_actions : int
        Sizes (``n_actions`` is 2).
    transitions : ndarray, shape (n_states, 2, n_states)
        ``transitions[s, a, s2]`` is P(s2 | s, a); each ``[s, a]`` row sums to 1.
    rewards : ndarray, shape (n_states, 2, n_states)
        ``rewards[s, a, s2]``: reward for the transition ``s -a-> s2``.
    terminal : ndarray of bool, shape (n_states,)
        True for the terminal state.
    gamma : float
        Discount factor.
    description : str
        One sentence saying what the MDP is.

    """

    n_states: int
    n_actions: int
    transitions: np.ndarray = _array_field()
    rewards: np.ndarray = _array_field()
    terminal: np.ndarray = _array_field()
    gamma: float = 0.9
    description: str = ""


def chain_mdp(
    n_states: int = 5,
    *,
    gamma: float = 0.9,
    slip: float = 0.0,
    reward: float = 1.0,
) -> ChainMDP:
    """Make a chain MDP (deterministic, so no seed: randomness is in the sampling).

    Action 1 moves right, action 0 moves left (state 0 stays put when moving
    left). With probability ``slip`` the move goes the other way. Entering the
    last state pays ``reward`` and ends the episode.

    Parameters
    ----------
    n_states : int
        Number of states including the terminal one (>= 2).
    gamma : float
        Discount factor in [0, 1).
    slip : float
        Probability that a move goes the opposite way, in [0, 1].
    reward : float
        Reward for entering the terminal state.

    Returns
    -------
    ChainMDP

    Examples
    --------
    >>> mdp = chain_mdp(4)
    >>> mdp.transitions.shape, mdp.transitions.sum(axis=2).min()
    ((4, 2, 4), np.float64(1.0))

    """
    n_states = as_int(n_states, "n_states", low=2)
    gamma = as_real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
    slip = as_real(slip, "slip", low=0.0, high=1.0)
    reward = as_real(reward, "reward")
    S = n_states
    P = np.zeros((S, 2, S))
    R = np.zeros((S, 2, S))
    last = S - 1
    for s in range(S):
        if s == last:
            P[s, :, s] = 1.0
            continue
        left, right = max(s - 1, 0), s + 1
        P[s, 0, left] += 1 - slip
        P[s, 0, right] += slip
        P[s, 1, right] += 1 - slip
        P[s, 1, left] += slip
        R[s, :, last] = reward
    terminal = np.zeros(S, dtype=bool)
    terminal[last] = True
    _frozen(P, R, terminal)
    desc = (
        f"A chain of {S} states (state {last} terminal, reward {reward:g} for reaching it),"
        f" actions left/right, slip {slip:g}, discount {gamma:g}."
    )
    return ChainMDP(S, 2, P, R, terminal, gamma, desc)


@dataclass(frozen=True, eq=False)
class Transitions:
    """A batch of transitions ``(s, a, r, s2, done)`` as parallel arrays.

    Attributes
    ----------
    states, actions, next_states : ndarray of int, shape (n,)
        Start state, action taken and state reached.
    rewards : ndarray, shape (n,)
        Reward received.
    done : ndarray of bool, shape (n,)
        True if ``next_states`` is terminal (no bootstrapping from it).

    """

    states: np.ndarray = _array_field()
    actions: np.ndarray = _array_field()
    rewards: np.ndarray = _array_field()
    next_states: np.ndarray = _array_field()
    done: np.ndarray = _array_field()


def sample_transitions(
    mdp: ChainMDP, n: int, *, seed: int | np.random.Generator = 0
) -> Transitions:
    """Sample ``n`` transitions from uniformly random non-terminal states and actions.

    Parameters
    ----------
    mdp : ChainMDP
        The MDP.
    n : int
        Batch size (>= 1).
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Transitions

    Examples
    --------
    >>> batch = sample_transitions(chain_mdp(5), 8, seed=0)
    >>> batch.states.shape, bool((batch.next_states < 5).all())
    ((8,), True)

    """
    n = as_int(n, "n", low=1)
    rng = _rng(seed)
    start = np.flatnonzero(~mdp.terminal)
    s = rng.choice(start, size=n)
    a = rng.integers(0, mdp.n_actions, size=n)
    cdf = np.cumsum(mdp.transitions[s, a], axis=1)
    u = rng.random(n)[:, None]
    s2 = np.minimum((u >= cdf).sum(axis=1), mdp.n_states - 1)
    r = mdp.rewards[s, a, s2]
    done = mdp.terminal[s2]
    s, a, s2 = s.astype(np.int64), a.astype(np.int64), s2.astype(np.int64)
    _frozen(s, a, r, s2, done)
    return Transitions(s, a, r, s2, done)


def q_values(mdp: ChainMDP, *, tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    r"""Return the optimal action values Q*(s, a) by value iteration.

    Parameters
    ----------
    mdp : ChainMDP
        The MDP.
    tol : float
        Stop when the largest change of Q is below ``tol``.
    max_iter : int
        Safety cap on the iterations.

    Returns
    -------
    ndarray, shape (n_states, n_actions)
        Zero on the terminal state.

    Notes
    -----
    Iterates :math:`Q(s,a) \leftarrow \sum_{s'} P(s'|s,a)\,[R(s,a,s') +
    \gamma\,(1-\mathrm{done}(s'))\max_{a'} Q(s',a')]`.

    Examples
    --------
    >>> q = q_values(chain_mdp(4, gamma=0.5))
    >>> [float(v) for v in q[:, 1]]  # moving right: 0.25, 0.5, 1, terminal 0
    [0.25, 0.5, 1.0, 0.0]

    """
    P, R = mdp.transitions, mdp.rewards
    cont = (~mdp.terminal).astype(float)
    expected_r = (P * R).sum(axis=2)
    q = np.zeros((mdp.n_states, mdp.n_actions))
    for _ in range(as_int(max_iter, "max_iter", low=1)):
        v = cont * q.max(axis=1)
        new = expected_r + mdp.gamma * P @ v
        new[mdp.terminal] = 0.0
        delta = np.abs(new - q).max()
        q = new
        if delta < tol:
            break
    return q


# --------------------------------------------------------------------------- metric learning


@dataclass(frozen=True, eq=False)
class EmbeddingData(ClassificationData):
    """Clustered 2-D embeddings with class labels.

    The fields are those of :class:`ClassificationData`: ``X`` holds the embeddings,
    ``y`` the class of each, ``centers`` the cluster centres (on a circle).
    """


def embeddings_2d(
    n_per_class: int = 20,
    *,
    n_classes: int = 4,
    radius: float = 2.0,
    spread: float = 0.4,
    seed: int | np.random.Generator = 0,
) -> EmbeddingData:
    """Make 2-D embeddings in ``n_classes`` clusters on a circle.

    Parameters
    ----------
    n_per_class : int
        Points per class (>= 2, so every anchor has a positive).
    n_classes : int
        Number of clusters (>= 2).
    radius : float
        Radius of the circle of centres (> 0).
    spread : float
        Standard deviation of each cluster (> 0).
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    EmbeddingData

    Examples
    --------
    >>> e = embeddings_2d(5, n_classes=3)
    >>> e.X.shape, e.centers.shape
    ((15, 2), (3, 2))

    """
    n_per_class = as_int(n_per_class, "n_per_class", low=2)
    n_classes = as_int(n_classes, "n_classes", low=2)
    radius = as_real(radius, "radius", low=0.0, low_open=True)
    spread = as_real(spread, "spread", low=0.0, low_open=True)
    desc = f"{n_classes} clusters of {n_per_class} 2-D embeddings (sd {spread:g})."
    counts = np.full(n_classes, n_per_class)
    centers = _circle_centers(n_classes, radius)
    return _blobs_data(EmbeddingData, seed, counts, centers, spread, desc)


@dataclass(frozen=True, eq=False)
class Triplets:
    """Anchor/positive/negative triplets.

    Attributes
    ----------
    anchor, positive, negative : ndarray, shape (n, d)
        The embeddings; ``positive[i]`` shares ``anchor[i]``'s class, ``negative[i]`` does not.
    anchor_index, positive_index, negative_index : ndarray of int, shape (n,)
        Row indices into the embedding array the triplets were drawn from.

    """

    anchor: np.ndarray = _array_field()
    positive: np.ndarray = _array_field()
    negative: np.ndarray = _array_field()
    anchor_index: np.ndarray = _array_field()
    positive_index: np.ndarray = _array_field()
    negative_index: np.ndarray = _array_field()


def triplets(
    X: np.ndarray, y: np.ndarray, n: int, *, seed: int | np.random.Generator = 0
) -> Triplets:
    """Draw ``n`` random triplets (anchor, positive of the same class, negative of another).

    Parameters
    ----------
    X : array_like, shape (m, d)
        Embeddings.
    y : array_like, shape (m,)
        Class labels; every class must have at least two members, and there
        must be at least two classes.
    n : int
        Number of triplets (>= 1).
    seed : int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Triplets
        The positive is never the anchor itself.

    Examples
    --------
    >>> e = embeddings_2d(5, n_classes=3)
    >>> t = triplets(e.X, e.y, 10, seed=1)
    >>> bool((e.y[t.anchor_index] == e.y[t.positive_index]).all())
    True

    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X must be (m, d) and y (m,) with the same m, got X {X.shape} and y {y.shape}"
        )
    n = as_int(n, "n", low=1)
    cls, counts = np.unique(y, return_counts=True)
    if cls.size < 2 or counts.min() < 2:
        raise ValueError(
            "triplets need at least two classes with at least two members each, got"
            f" class counts {dict(zip(cls.tolist(), counts.tolist(), strict=True))}"
        )
    rng = _rng(seed)
    a = rng.integers(0, y.size, size=n)
    p = np.empty(n, dtype=np.int64)
    q = np.empty(n, dtype=np.int64)
    for i, ai in enumerate(a):
        same = np.flatnonzero(y == y[ai])
        same = same[same != ai]
        other = np.flatnonzero(y != y[ai])
        p[i] = rng.choice(same)
        q[i] = rng.choice(other)
    a = a.astype(np.int64)
    out = (X[a], X[p], X[q], a, p, q)
    _frozen(*out)
    return Triplets(*out)
