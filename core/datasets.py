"""Built-in datasets, each drawn from a seed so a lecture is repeatable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` (n_samples, n_features), labels ``y`` in {0, 1}, and words."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    description: str

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


def tumour() -> Dataset:
    """The classic six-point toy set: tumour size 0..5, malignant from 3 on."""
    return Dataset(
        "Tumour size (toy)",
        np.arange(6.0)[:, None],
        np.array([0, 0, 0, 1, 1, 1], dtype=float),
        ("tumour size",),
        "Six tumours of size 0 to 5; the three largest are malignant. Perfectly "
        "separable, so log loss keeps falling as the weight grows.",
    )


def one_d(n=200, separation=2.0, noise=1.0, balance=0.5, seed=0) -> Dataset:
    """Two overlapping Gaussian classes on one feature.

    Negatives centre on ``-separation / 2``, positives on ``+separation / 2``, both with
    standard deviation ``noise``; ``balance`` is the share of positives.
    """
    if n < 2 or not 0 < balance < 1 or noise <= 0:
        raise ValueError("Need n >= 2, 0 < balance < 1 and noise > 0.")
    rng = np.random.default_rng(seed)
    n_pos = int(np.clip(round(n * balance), 1, n - 1))
    y = np.r_[np.zeros(n - n_pos), np.ones(n_pos)]
    x = (y - 0.5) * separation + rng.normal(0.0, noise, n)
    return Dataset(
        "1-D overlapping classes",
        x[:, None],
        y,
        ("x",),
        f"{n} points, classes {separation:g} apart with noise {noise:g}, "
        f"{n_pos / n:.0%} positive (seed {seed}).",
    )


def two_d(kind="blobs", n=300, noise=0.2, seed=0) -> Dataset:
    """scikit-learn's blobs, moons or circles, two features."""
    from sklearn import datasets as skd

    if kind == "blobs":
        X, y = skd.make_blobs(
            n, centers=2, cluster_std=1.0 + 5 * noise, random_state=seed
        )
        text = "two Gaussian blobs that overlap more as the noise grows"
    elif kind == "moons":
        X, y = skd.make_moons(n, noise=noise, random_state=seed)
        text = "two interleaving half-moons: a straight line cannot separate them"
    elif kind == "circles":
        X, y = skd.make_circles(n, noise=noise / 2, factor=0.5, random_state=seed)
        text = "a ring around a disc: needs polynomial features"
    else:
        raise ValueError(f"Unknown 2-D dataset {kind!r}.")
    return Dataset(
        f"2-D {kind}", X.astype(float), y.astype(float), ("x1", "x2"),
        f"{n} points, {text} (noise {noise:g}, seed {seed}).",
    )


def breast_cancer() -> Dataset:
    """scikit-learn's Wisconsin breast cancer data (569 x 30), standardised.

    Positive = malignant (scikit-learn codes malignant as 0, so labels are flipped).
    """
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = data.data
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return Dataset(
        "Breast cancer (real)",
        X,
        (data.target == 0).astype(float),
        tuple(data.feature_names),
        "569 real tumours, 30 measurements each (standardised); 37% malignant.",
    )
