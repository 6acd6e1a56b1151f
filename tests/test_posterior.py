"""GaussianPosterior against scipy.stats.multivariate_normal and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import bayesfit as bf
from bayesfit.posterior import GaussianPosterior


def random_gaussian(rng, M=3):
    A = rng.normal(size=(M, M))
    return rng.normal(size=M), A @ A.T + 0.3 * np.eye(M)


def test_cholesky_entropy_and_kl(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    m0, S0 = random_gaussian(rng)
    m1, S1 = random_gaussian(rng)
    p = GaussianPosterior(xp.asarray(m0, dtype=dtype), xp.asarray(S0, dtype=dtype))
    q = GaussianPosterior(xp.asarray(m1, dtype=dtype), xp.asarray(S1, dtype=dtype))
    rtol = 1e-10 if dtype_name == "float64" else 1e-4
    L = bf.to_numpy(p.cov_cholesky)
    np.testing.assert_allclose(L @ L.T, S0, rtol=rtol, atol=rtol)
    assert p.entropy() == pytest.approx(scipy.stats.multivariate_normal(m0, S0).entropy(), rel=rtol)
    S1_inv = np.linalg.inv(S1)
    kl = 0.5 * (
        np.trace(S1_inv @ S0)
        + (m1 - m0) @ S1_inv @ (m1 - m0)
        - 3
        + np.linalg.slogdet(S1)[1]
        - np.linalg.slogdet(S0)[1]
    )
    assert p.kl_to(q) == pytest.approx(kl, rel=10 * rtol)
    assert p.kl_to(p) == pytest.approx(0.0, abs=10 * rtol)


def test_samples_have_the_right_moments(rng):
    m, S = random_gaussian(rng)
    draws = GaussianPosterior(m, S).sample(50_000, random_state=0)
    assert draws.shape == (50_000, 3)
    np.testing.assert_allclose(draws.mean(0), m, atol=5 * np.sqrt(np.diag(S).max() / 50_000))
    np.testing.assert_allclose(np.cov(draws.T), S, rtol=0.05, atol=0.02)


def test_same_seed_same_draws_on_every_backend(rng):
    import array_api_strict as xps

    m, S = random_gaussian(rng)
    a = GaussianPosterior(m, S).sample(5, random_state=7)
    b = GaussianPosterior(xps.asarray(m), xps.asarray(S)).sample(5, random_state=7)
    np.testing.assert_allclose(bf.to_numpy(b), a, rtol=1e-12)


def test_predictive_variance(rng):
    m, S = random_gaussian(rng)
    Phi = rng.normal(size=(4, 3))
    post = GaussianPosterior(m, S)
    np.testing.assert_allclose(post.predictive_mean(Phi), Phi @ m)
    np.testing.assert_allclose(post.predictive_var(Phi), np.einsum("ij,jk,ik->i", Phi, S, Phi))
    np.testing.assert_allclose(
        post.predictive_var(Phi, beta=4.0), np.einsum("ij,jk,ik->i", Phi, S, Phi) + 0.25
    )


@pytest.mark.parametrize(
    "cov",
    [-np.eye(2), [[1.0, 2.0], [2.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]],
    ids=["negative", "indefinite", "singular"],
)
def test_not_positive_definite_is_a_value_error_on_every_backend(xp, dtype_name, cov):
    # CuPy's Cholesky does not raise where the factorisation fails (cuSOLVER reports it in a
    # flag CuPy reads only under cupyx.errstate): the check must not rely on an exception.
    d = getattr(xp, dtype_name)
    post = GaussianPosterior(xp.zeros(2, dtype=d), xp.asarray(cov, dtype=d))
    with pytest.raises(ValueError, match="cov is not positive definite"):
        post.sample(1, random_state=0)
    with pytest.raises(ValueError, match="cov is not positive definite"):
        bf.info.gaussian_entropy(xp.asarray(cov, dtype=d))


def test_bad_input():
    with pytest.raises(ValueError, match=r"cov must have shape \(2, 2\)"):
        GaussianPosterior(np.zeros(2), np.eye(3))
    with pytest.raises(ValueError, match="cov is not positive definite"):
        GaussianPosterior(np.zeros(2), -np.eye(2)).sample(1)
    with pytest.raises(ValueError, match="mean contains NaN"):
        GaussianPosterior(np.array([0.0, np.nan]), np.eye(2))
    post = GaussianPosterior(np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="other has dimension 3"):
        post.kl_to(GaussianPosterior(np.zeros(3), np.eye(3)))
    with pytest.raises(TypeError, match="GaussianPosterior"):
        post.kl_to("prior")
