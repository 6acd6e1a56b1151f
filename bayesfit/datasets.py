r"""Toy data sets with known truth, seeded.

Each generator returns ``(x, t)`` as NumPy arrays; the noise-free function is exposed too, so
that plots and tests can compare a fit with the truth.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from bayesfit._validation import (
    BOOLEAN,
    NONNEGATIVE,
    POSITIVE_INT,
    Interval,
    as_floating,
    as_numeric,
    check_random_state,
    check_value,
)

__all__ = ["linear", "overlapping_clusters", "sinusoid", "sinusoid_fn"]



def sinusoid_fn(x: Any) -> np.ndarray:
    r"""Return the true curve of PRML ch. 1, :math:`\sin(2\pi x)`.

    Elementwise, like a NumPy ufunc: any shape, and NaN in gives NaN out.
    """
    x = as_floating(as_numeric(x, "x", xp=np), xp=np)
    return np.sin(2.0 * np.pi * np.asarray(x, dtype=np.float64))


def sinusoid(
    n: int = 10, noise: float = 0.3, seed: Any = None, *, evenly_spaced: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    r"""PRML's curve-fitting data: :math:`t = \sin(2\pi x) + \epsilon`, :math:`x \in [0, 1]`.

    Parameters
    ----------
    n : int, default 10
        Number of points (PRML uses 10 for figs. 1.4-1.7).
    noise : float, default 0.3
        Standard deviation of the Gaussian noise (so :math:`\beta = 1/0.3^2 \approx 11.1`).
    seed : None, int or numpy.random.Generator
        Randomness for x and the noise.
    evenly_spaced : bool, default False
        Put x on an even grid over [0, 1] (as PRML's figures do) instead of uniform draws.

    Returns
    -------
    x, t : numpy.ndarray of shape (n,)

    Examples
    --------
    >>> from bayesfit.datasets import sinusoid
    >>> x, t = sinusoid(10, seed=0)
    >>> x.shape, t.shape
    ((10,), (10,))
    """
    check_value("n", n, POSITIVE_INT)
    check_value("noise", noise, NONNEGATIVE)
    check_value("evenly_spaced", evenly_spaced, BOOLEAN)
    rng = check_random_state(seed, "seed")
    x = np.linspace(0.0, 1.0, n) if evenly_spaced else np.sort(rng.uniform(0.0, 1.0, n))
    return x, sinusoid_fn(x) + noise * rng.standard_normal(n)


def linear(
    n: int = 20,
    coef: tuple[float, float] = (-0.3, 0.5),
    noise: float = 0.2,
    seed: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""PRML fig. 3.7 data: :math:`t = a_0 + a_1 x + \epsilon`, :math:`x \sim U(-1, 1)`.

    Parameters
    ----------
    n : int, default 20
        Number of points.
    coef : (float, float), default (-0.3, 0.5)
        The true :math:`(a_0, a_1)`.
    noise : float, default 0.2
        Noise standard deviation (:math:`\beta = 25`).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    x, t : numpy.ndarray of shape (n,)
    """
    check_value("n", n, POSITIVE_INT)
    check_value("noise", noise, NONNEGATIVE)
    if not (
        isinstance(coef, tuple | list)
        and len(coef) == 2
        and all(Interval(numbers.Real).accepts(c) for c in coef)
    ):
        raise ValueError(f"coef must be two finite numbers (a_0, a_1); got {coef!r}")
    rng = check_random_state(seed, "seed")
    x = rng.uniform(-1.0, 1.0, n)
    return x, coef[0] + coef[1] * x + noise * rng.standard_normal(n)


def overlapping_clusters(
    n: int = 20, separation: float = 3.0, seed: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two overlapping Gaussian clusters in 2-D, one per class: the classification ladder's data.

    Class 0 is :math:`\mathcal N(-\mu, I)` and class 1 :math:`\mathcal N(\mu, I)` with
    :math:`\mu = \frac{s}{2\sqrt 2}(1, 1)`, so the means are ``separation`` apart along the
    diagonal and the Bayes-optimal boundary is :math:`x_1 + x_2 = 0` with error rate
    :math:`\Phi(-s/2)` (6.7% for s = 3). The clusters overlap, yet a small sample is often
    linearly separable (20 points: about two times in three), where the maximum-likelihood
    logistic regression does not exist and the prior of MAP / Bayes is what gives an answer.

    Parameters
    ----------
    n : int, default 20
        Number of points, ``n // 2`` of class 0 and the rest of class 1, in that order.
    separation : float, default 3.0
        Distance between the two means, in units of the clusters' standard deviation.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    X : numpy.ndarray of shape (n, 2)
    y : numpy.ndarray of shape (n,), dtype int64
        Class labels 0 and 1.

    Examples
    --------
    >>> from bayesfit.datasets import overlapping_clusters
    >>> X, y = overlapping_clusters(20, seed=0)
    >>> X.shape, y.tolist().count(1)
    ((20, 2), 10)
    """
    check_value("n", n, POSITIVE_INT)
    check_value("separation", separation, NONNEGATIVE)
    rng = check_random_state(seed, "seed")
    y = np.r_[np.zeros(n // 2, dtype=np.int64), np.ones(n - n // 2, dtype=np.int64)]
    mean = np.where(y[:, None] == 1, 1.0, -1.0) * (float(separation) / (2.0 * np.sqrt(2.0)))
    return mean + rng.standard_normal((n, 2)), y


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
