"""The toy data sets against their definitions (PRML ch. 1 and fig. 3.7)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import bayesfit as bf


def test_sinusoid_is_sin_2_pi_x_plus_gaussian_noise_of_the_given_sd():
    x, t = bf.datasets.sinusoid(20_000, noise=0.3, seed=4)
    assert x.shape == t.shape == (20_000,) and np.all((x >= 0) & (x <= 1))
    assert np.all(np.diff(x) >= 0)  # sorted, as PRML draws them
    resid = t - np.sin(2 * np.pi * x)
    assert resid.std() == pytest.approx(0.3, rel=0.02)
    assert scipy.stats.normaltest(resid).pvalue > 1e-3  # Gaussian noise
    assert scipy.stats.kstest(x, "uniform").pvalue > 1e-3  # x ~ U(0, 1)


def test_sinusoid_evenly_spaced_is_prml_s_grid_n_over_n_minus_1():
    x, t = bf.datasets.sinusoid(10, noise=0.0, seed=0, evenly_spaced=True)
    np.testing.assert_allclose(x, np.arange(10) / 9, rtol=0, atol=1e-15)
    np.testing.assert_allclose(t, np.sin(2 * np.pi * np.arange(10) / 9), atol=1e-15)
    np.testing.assert_array_equal(bf.datasets.sinusoid_fn(np.array([[0.25, np.nan]])),
                                  np.array([[1.0, np.nan]]))


def test_linear_is_a0_plus_a1_x_with_x_uniform_on_minus_one_one():
    x, t = bf.datasets.linear(20_000, coef=(-0.3, 0.5), noise=0.2, seed=1)
    assert np.all((x >= -1) & (x <= 1))
    assert scipy.stats.kstest(x, "uniform", args=(-1, 2)).pvalue > 1e-3
    fit = scipy.stats.linregress(x, t)  # an independent least-squares line
    assert fit.intercept == pytest.approx(-0.3, abs=0.01)
    assert fit.slope == pytest.approx(0.5, abs=0.01)
    assert np.std(t - (-0.3 + 0.5 * x)) == pytest.approx(0.2, rel=0.02)


@pytest.mark.parametrize("make", [bf.datasets.sinusoid, bf.datasets.linear])
def test_seeds_reproduce_and_differ(make):
    a, b, c = make(50, seed=3), make(50, seed=3), make(50, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[1], c[1])
    gen = make(50, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(gen[1], a[1])  # an int seed is default_rng(seed)


def test_overlapping_clusters_are_unit_gaussians_separation_apart():
    X, y = bf.datasets.overlapping_clusters(40_000, separation=3.0, seed=2)
    assert X.shape == (40_000, 2) and y.dtype == np.int64 and y.sum() == 20_000
    mu = 3.0 / (2 * np.sqrt(2))
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [mu, mu], atol=0.02)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-mu, -mu], atol=0.02)
    np.testing.assert_allclose(np.cov(X[y == 1].T), np.eye(2), atol=0.03)
    # the Bayes-optimal boundary x1 + x2 = 0 errs with probability Phi(-s/2)
    error = np.mean((X.sum(axis=1) > 0) != (y == 1))
    assert error == pytest.approx(scipy.stats.norm.cdf(-1.5), abs=0.005)
    first, again = (bf.datasets.overlapping_clusters(20, seed=0) for _ in range(2))
    np.testing.assert_array_equal(first[0], again[0])
