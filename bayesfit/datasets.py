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

__all__ = ["linear", "sinusoid", "sinusoid_fn"]



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


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
