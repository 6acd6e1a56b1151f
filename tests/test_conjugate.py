"""The sufficient-statistics kernels of bayesfit._conjugate against NumPy and SciPy.

Each kernel is checked against the formula written out here on the whole design matrix
(explicit Phi, np.linalg.solve, scipy's multivariate normal), on NumPy and array-api-strict.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from bayesfit import to_numpy
from bayesfit._conjugate import (
    Eigen,
    QRStats,
    SufficientStats,
    eigen_posterior_mean,
    evidence_at,
    evidence_fit,
    gram,
    least_squares,
    posterior_from_stats,
)
from tests.conftest import xp_assert_close


def design(rng, n=40, m=4):
    F = rng.normal(size=(n, m))
    t = F @ rng.normal(size=m) + 0.5 + 0.3 * rng.normal(size=n)
    return F, t, np.hstack([np.ones((n, 1)), F])


def _tol(dtype_name):
    return 1e-9 if dtype_name == "float64" else 2e-3


def test_statistics_with_an_implicit_bias_column_and_merging(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    F, t, Phi = design(rng)
    stats = SufficientStats.from_design(
        xp.asarray(F, dtype=dtype), xp.asarray(t, dtype=dtype), bias=True, xp=xp
    )
    xp_assert_close(stats.xtx, Phi.T @ Phi, xp=xp, dtype=dtype_name, rtol=_tol(dtype_name))
    xp_assert_close(stats.xty, Phi.T @ t, xp=xp, dtype=dtype_name, rtol=_tol(dtype_name))
    assert stats.n == 40 and float(stats.yty) == pytest.approx(t @ t, rel=_tol(dtype_name))
    halves = [
        SufficientStats.from_design(
            xp.asarray(F[s], dtype=dtype), xp.asarray(t[s], dtype=dtype), bias=True, xp=xp
        )
        for s in (slice(0, 13), slice(13, None))
    ]
    merged = halves[0] + halves[1]
    xp_assert_close(merged.xtx, Phi.T @ Phi, xp=xp, dtype=dtype_name, rtol=_tol(dtype_name))
    assert merged.n == 40


def test_blocked_gram_equals_the_plain_product(rng):
    import array_api_compat.numpy as npx

    F = rng.normal(size=(150_000, 5))  # above the threshold where row blocks run in threads
    t = rng.normal(size=150_000)
    FtF, Ftt = gram(F, t, xp=npx)
    np.testing.assert_allclose(FtF, F.T @ F, rtol=1e-10)
    np.testing.assert_allclose(Ftt, F.T @ t, rtol=1e-10)


def test_qr_statistics_merge_and_least_squares(rng, xp):
    F, t, Phi = design(rng)
    F[:, 1] *= 1e6  # badly scaled columns: the SVD is taken after equilibrating them
    Phi = np.hstack([np.ones((len(F), 1)), F])
    parts = [
        QRStats.from_design(xp.asarray(F[s]), xp.asarray(t[s]), bias=True, xp=xp)
        for s in (slice(0, 9), slice(9, 25), slice(25, None))
    ]
    stats = parts[0] + parts[1] + parts[2]
    R = to_numpy(stats.R_aug)
    A = np.column_stack([Phi, t])
    np.testing.assert_allclose(R.T @ R, A.T @ A, rtol=1e-10)  # R^T R = [Phi t]^T [Phi t]
    fit = least_squares(stats, xp=xp)
    ref, ref_rss, ref_rank, _ = np.linalg.lstsq(Phi, t)
    xp_assert_close(fit.coef, ref, xp=xp, rtol=1e-8)  # lstsq itself sees kappa ~ 1e6
    assert fit.rank == ref_rank and stats.n == len(t)
    unit = Phi / np.linalg.norm(Phi, axis=0)  # the equilibrated design, up to powers of two
    kappa = np.linalg.cond(unit)
    assert float(fit.singular_values[0] / fit.singular_values[-1]) == pytest.approx(kappa, rel=1)
    assert kappa < 10.0 < np.linalg.cond(Phi) / 1e5
    assert fit.rss == pytest.approx(float(ref_rss[0]), rel=1e-9)
    assert stats.rss_ls == pytest.approx(float(ref_rss[0]), rel=1e-9)
    xp_assert_close(fit.cov_unscaled, np.linalg.inv(Phi.T @ Phi), xp=xp, rtol=1e-8)
    assert stats.tss(centred=True) == pytest.approx(np.sum((t - t.mean()) ** 2), rel=1e-10)
    assert stats.tss(centred=False) == pytest.approx(t @ t, rel=1e-10)


def test_least_squares_of_a_rank_deficient_design_is_numpys_pinv(rng, xp):
    F = rng.normal(size=(12, 2)) * [1.0, 1e4]
    F = np.column_stack([F, F[:, 0] + 1e-4 * F[:, 1]])  # exactly collinear, badly scaled
    t = rng.normal(size=12)
    Phi = np.hstack([np.ones((12, 1)), F])
    fit = least_squares(QRStats.from_design(xp.asarray(F), xp.asarray(t), bias=True, xp=xp),
                        xp=xp)
    assert fit.rank == 3
    pinv = np.linalg.pinv(Phi)
    xp_assert_close(fit.coef, pinv @ t, xp=xp, rtol=1e-8)
    xp_assert_close(fit.cov_unscaled, pinv @ pinv.T, xp=xp, rtol=1e-7, atol=1e-14)


def test_weighted_statistics_are_those_of_the_rows_scaled_by_sqrt_w(rng, xp):
    F, t, Phi = design(rng)
    w = rng.integers(0, 4, size=len(t)).astype(float)
    stats = SufficientStats.from_design(xp.asarray(F), xp.asarray(t), bias=True, xp=xp,
                                        sample_weight=xp.asarray(w))
    xp_assert_close(stats.xtx, Phi.T @ (w[:, None] * Phi), xp=xp, rtol=1e-12)
    xp_assert_close(stats.xty, Phi.T @ (w * t), xp=xp, rtol=1e-12)
    assert float(stats.yty) == pytest.approx(w @ t**2, rel=1e-12) and stats.n == w.sum()
    qr = QRStats.from_design(xp.asarray(F), xp.asarray(t), bias=True, xp=xp,
                             sample_weight=xp.asarray(w))
    A = np.sqrt(w)[:, None] * np.column_stack([Phi, t])
    R = to_numpy(qr.R_aug)
    np.testing.assert_allclose(R.T @ R, A.T @ A, rtol=1e-10, atol=1e-12)
    assert qr.n == w.sum()


def test_a_nan_inf_or_overflowing_square_shows_in_the_statistics(rng, xp):
    F, t, _ = design(rng)
    for bad in (np.nan, np.inf, 1e300):
        G = F.copy()
        G[7, 2] = bad
        for cls in (SufficientStats, QRStats):
            ok = cls.from_design(xp.asarray(F), xp.asarray(t), bias=True, xp=xp)
            broken = cls.from_design(xp.asarray(G), xp.asarray(t), bias=True, xp=xp)
            broken_y = cls.from_design(xp.asarray(F), xp.asarray(G[:, 2]), bias=True, xp=xp)
            assert ok.is_finite() and not broken.is_finite() and not broken_y.is_finite()


def _explicit_posterior(Phi, t, alpha, beta):
    A = alpha * np.eye(Phi.shape[1]) + beta * Phi.T @ Phi
    m = beta * np.linalg.solve(A, Phi.T @ t)
    return m, np.linalg.inv(A), A


def test_posterior_from_stats_against_the_explicit_formulas(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    _, t, Phi = design(rng)
    alpha, beta = 0.7, 9.0
    stats = SufficientStats.from_design(
        xp.asarray(Phi, dtype=dtype), xp.asarray(t, dtype=dtype), bias=False, xp=xp
    )
    mean, cov, log_ev = posterior_from_stats(stats, alpha, beta, xp=xp)
    m, S, _ = _explicit_posterior(Phi, t, alpha, beta)
    xp_assert_close(mean, m, xp=xp, dtype=dtype_name, rtol=_tol(dtype_name))
    xp_assert_close(cov, S, xp=xp, dtype=dtype_name, rtol=_tol(dtype_name), atol=1e-7)
    marginal = scipy.stats.multivariate_normal(
        np.zeros(40), np.eye(40) / beta + Phi @ Phi.T / alpha
    ).logpdf(t)  # the N x N marginal Gaussian p(t | alpha, beta)
    assert log_ev == pytest.approx(marginal, rel=_tol(dtype_name))


def test_evidence_at_against_the_explicit_formulas(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    _, t, Phi = design(rng)
    stats = SufficientStats.from_design(
        xp.asarray(Phi, dtype=dtype), xp.asarray(t, dtype=dtype), bias=False, xp=xp
    )
    eig = Eigen.of(stats, xp=xp)
    alphas, betas = np.array([1e-3, 0.7, 30.0]), np.array([2.0, 9.0, 0.1])
    terms = evidence_at(
        eig, xp.asarray(alphas, dtype=dtype), xp.asarray(betas, dtype=dtype), xp=xp
    )
    ref = {"gamma": [], "E_W": [], "E_D": [], "log_evidence": []}
    for alpha, beta in zip(alphas, betas, strict=True):
        m, _, _ = _explicit_posterior(Phi, t, alpha, beta)
        lam = np.linalg.eigvalsh(beta * Phi.T @ Phi)  # PRML eq. 3.87
        ref["gamma"].append(np.sum(lam / (alpha + lam)))  # eq. 3.91
        ref["E_W"].append(0.5 * m @ m)
        ref["E_D"].append(0.5 * np.sum((t - Phi @ m) ** 2))
        ref["log_evidence"].append(scipy.stats.multivariate_normal(
            np.zeros(40), np.eye(40) / beta + Phi @ Phi.T / alpha
        ).logpdf(t))
    for name, values in ref.items():
        xp_assert_close(getattr(terms, name), np.asarray(values), xp=xp, dtype=dtype_name,
                        rtol=_tol(dtype_name), err_msg=name)
    coords = eigen_posterior_mean(eig, xp.asarray(alphas, dtype=dtype),
                                  xp.asarray(betas, dtype=dtype), xp=xp)
    V = to_numpy(eig.V)
    for i, (alpha, beta) in enumerate(zip(alphas, betas, strict=True)):
        m, _, _ = _explicit_posterior(Phi, t, alpha, beta)
        np.testing.assert_allclose(V @ to_numpy(coords)[i], m, rtol=_tol(dtype_name) * 10,
                                   atol=1e-6)


def test_evidence_at_runs_on_pytensor_as_its_docstring_promises(rng):
    # The collapsed PyMC model evaluates this very kernel symbolically.
    import array_api_compat.numpy as npx
    import pytensor
    import pytensor.tensor as pt

    _, t, Phi = design(rng)
    stats = SufficientStats.from_design(Phi, t, bias=False, xp=npx)
    eig = Eigen.of(stats, xp=npx)
    a, b = pt.dvector("a"), pt.dvector("b")
    shared = Eigen(pt.as_tensor(eig.lam), None, pt.as_tensor(eig.b), eig.rss_ml,
                   pt.as_tensor(eig.positive), None, float(eig.n))
    f = pytensor.function([a, b], evidence_at(shared, a, b, xp=pt).log_evidence)
    alphas, betas = np.array([0.5, 2.0]), np.array([3.0, 8.0])
    np.testing.assert_allclose(
        f(alphas, betas), evidence_at(eig, alphas, betas, xp=npx).log_evidence, rtol=1e-12
    )


def test_evidence_fit_is_a_fixed_point_of_prml_3_92_and_3_95(rng, xp):
    _, t, Phi = design(rng, n=60, m=6)
    stats = SufficientStats.from_design(xp.asarray(Phi), xp.asarray(t), bias=False, xp=xp)
    fit = evidence_fit(stats, alpha_init=None, beta_init=None, max_iter=1000, tol=1e-12,
                       global_search=True, xp=xp)
    m, _, _ = _explicit_posterior(Phi, t, fit.alpha, fit.beta)
    lam = np.linalg.eigvalsh(fit.beta * Phi.T @ Phi)
    gamma = np.sum(lam / (fit.alpha + lam))
    assert fit.gamma == pytest.approx(gamma, rel=1e-9)
    assert fit.alpha == pytest.approx(gamma / (m @ m), rel=1e-8)  # eq. 3.92
    assert 1 / fit.beta == pytest.approx(np.sum((t - Phi @ m) ** 2) / (60 - gamma), rel=1e-8)
    np.testing.assert_allclose(to_numpy(fit.mean), m, rtol=1e-8)
    # and no (alpha, beta) on a grid around it has a higher N x N marginal likelihood
    best = max(
        scipy.stats.multivariate_normal(np.zeros(60), np.eye(60) / b + Phi @ Phi.T / a).logpdf(t)
        for a in fit.alpha * np.logspace(-1, 1, 9)
        for b in fit.beta * np.logspace(-0.5, 0.5, 9)
    )
    assert fit.log_evidence >= best - 1e-9
    assert fit.log_evidence == pytest.approx(
        scipy.stats.multivariate_normal(
            np.zeros(60), np.eye(60) / fit.beta + Phi @ Phi.T / fit.alpha
        ).logpdf(t), rel=1e-10
    )
    assert math.isfinite(fit.log_evidence)
