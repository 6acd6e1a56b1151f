"""GaussianPosterior against scipy.stats.multivariate_normal and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
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


def test_predictive_repr_says_what_it_holds():
    p = bf.Predictive(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 4.0, 9.0, 16.0]))
    assert repr(p) == "Predictive(n_points=4, dtype=float64, mean±std=[0±1, 1±2, 2±3, ...])"


def test_posterior_draws_predictive_against_scipy(rng):
    from bayesfit.posterior import PosteriorDraws

    S, M = 400, 3
    w = rng.normal(size=(S, M))
    sigma = rng.uniform(0.5, 1.5, S)
    Phi = rng.normal(size=(5, M))
    y = rng.normal(size=5)
    draws = PosteriorDraws(w, sigma)
    mu = w @ Phi.T  # (S, 5)
    # the mixture density, written out draw by draw
    mixture = np.log(np.mean(scipy.stats.norm.pdf(y, mu, sigma[:, None]), axis=0))
    np.testing.assert_allclose(draws.log_density(Phi, y), mixture, rtol=1e-10)
    p = draws.predictive(Phi)  # moment matching: the law of total variance
    np.testing.assert_allclose(p.mean, mu.mean(0), rtol=1e-12)
    np.testing.assert_allclose(p.var, mu.var(0) + np.mean(sigma**2), rtol=1e-10)
    nu = rng.uniform(1.5, 6.0, S)
    t_draws = PosteriorDraws(w, sigma, nu)
    mixture_t = np.log(np.mean(scipy.stats.t.pdf(y, nu[:, None], mu, sigma[:, None]), axis=0))
    np.testing.assert_allclose(t_draws.log_density(Phi, y), mixture_t, rtol=1e-10)
    assert np.all(np.isinf(t_draws.predictive(Phi).var))  # some nu <= 2: no finite variance
    # target draws: one per posterior draw, with the draws' spread
    targets = PosteriorDraws(np.zeros((20_000, 1)), np.full(20_000, 2.0)).sample_targets(
        np.ones((1, 1)), random_state=0
    )
    assert targets.shape == (20_000, 1) and targets.std() == pytest.approx(2.0, rel=0.03)
    curves = draws.sample_functions(Phi, 7, random_state=1)
    assert curves.shape == (7, 5)
    assert all(any(np.allclose(c, m) for m in mu) for c in curves)  # whole draws, not mixtures
    with pytest.raises(ValueError, match=r"n must be an int in \[1, 400\]"):
        draws.sample_functions(Phi, 401)
    with pytest.raises(ValueError, match="w must have shape"):
        PosteriorDraws(w, sigma[:-1])


def test_loo_log_density_equals_refits_without_each_point(rng, xp, dtype_name):
    # The rank-one downdate against the textbook: the posterior of the other n - 1 points
    # (any Gaussian prior), its predictive N(phi^T m, 1/beta + phi^T S phi) at the left-out
    # point, all in NumPy float64 written here.
    from tests.conftest import xp_assert_close

    n, M, beta = 9, 3, 4.0
    Phi = rng.normal(size=(n, M))
    y = Phi @ rng.normal(size=M) + rng.normal(size=n) / np.sqrt(beta)
    m0, S0 = rng.normal(size=M), np.diag(rng.uniform(0.5, 2.0, M))
    P0 = np.linalg.inv(S0)

    def posterior(rows):
        S = np.linalg.inv(P0 + beta * Phi[rows].T @ Phi[rows])
        return S @ (P0 @ m0 + beta * Phi[rows].T @ y[rows]), S

    m, S = posterior(np.arange(n))
    want = []
    for i in range(n):
        mi, Si = posterior(np.arange(n) != i)
        var = 1 / beta + Phi[i] @ Si @ Phi[i]
        want.append(scipy.stats.norm.logpdf(y[i], Phi[i] @ mi, np.sqrt(var)))
    dtype = getattr(xp, dtype_name)
    post = GaussianPosterior(xp.asarray(m, dtype=dtype), xp.asarray(S, dtype=dtype))
    got = post.loo_log_density(xp.asarray(Phi, dtype=dtype), xp.asarray(y, dtype=dtype), beta)
    xp_assert_close(got, np.asarray(want), xp=xp, dtype=dtype_name,
                    rtol=1e-10 if dtype_name == "float64" else 1e-3)


def test_loo_log_density_refuses_points_that_were_not_in_the_data():
    post = GaussianPosterior(np.zeros(2), np.eye(2))  # the prior: no point was seen
    with pytest.raises(ValueError, match="did not come from these points"):
        post.loo_log_density(np.ones((1, 2)), np.zeros(1), beta=1.0)
    with pytest.raises(ValueError, match="beta must be"):
        post.loo_log_density(np.ones((1, 2)), np.zeros(1), beta=-1.0)


def test_posterior_draws_log_likelihood_is_pointwise_per_draw(rng):
    w, sigma, nu = rng.normal(size=(5, 2)), rng.uniform(0.5, 2, 5), rng.uniform(1, 9, 5)
    Phi, y = rng.normal(size=(3, 2)), rng.normal(size=3)
    for draws, dist in (
        (bf.posterior.PosteriorDraws(w, sigma), lambda s: scipy.stats.norm(Phi @ w[s], sigma[s])),
        (bf.posterior.PosteriorDraws(w, sigma, nu),
         lambda s: scipy.stats.t(nu[s], Phi @ w[s], sigma[s])),
    ):
        want = np.stack([dist(s).logpdf(y) for s in range(5)])
        np.testing.assert_allclose(draws.log_likelihood(Phi, y), want, rtol=1e-12)
        np.testing.assert_allclose(draws.log_density(Phi, y),
                                   scipy.special.logsumexp(want, axis=0) - np.log(5), rtol=1e-12)
