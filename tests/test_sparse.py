"""The Laplace and elastic-net MAP kernels of bayesfit._sparse against scikit-learn.

scikit-learn's Lasso minimises 1/(2N) ||y - Xw - b||^2 + a ||w||_1 and its ElasticNet adds
a (1 - l1_ratio)/2 ||w||^2 to a l1_ratio ||w||_1; dividing our negative log posterior
beta/2 ||t - Phi w||^2 + alpha (rho ||w||_1 + (1 - rho)/2 ||w||^2) by beta N gives the same
objective at a = alpha / (beta N), l1_ratio = rho. Its fit_intercept is our unpenalized bias.
The optimality (KKT) conditions are written out here on the design matrix itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso

from bayesfit import to_numpy
from bayesfit._sparse import (
    Profiled,
    coordinate_descent,
    elastic_net,
    elastic_net_map,
    elastic_net_map_path,
    elastic_net_path,
    kkt_residual,
)
from tests.conftest import xp_assert_close

TOL = 1e-13


def sklearn_fit(X, y, a, rho, intercept):
    """scikit-learn's coordinate descent run to its round-off floor."""
    model = (Lasso(alpha=a, fit_intercept=intercept, tol=1e-15, max_iter=1_000_000)
             if rho == 1.0 else
             ElasticNet(alpha=a, l1_ratio=rho, fit_intercept=intercept, tol=1e-15,
                        max_iter=1_000_000))
    model.fit(X, y)
    return np.r_[model.intercept_, model.coef_] if intercept else model.coef_


def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y


def correlated(rng, n=300, m=30):
    """A design with a common factor and a mean (so the bias matters), 5 true weights."""
    X = rng.normal(size=(n, m)) + 0.7 * rng.normal(size=(n, 1)) + 1.5
    w = np.zeros(m)
    w[:5] = [3.0, -2.0, 1.5, 1.0, -0.5][:m]
    return X, X @ w + 2.0 + rng.normal(size=n)


def stats(X, y, intercept):
    Phi = np.column_stack([np.ones(len(X)), X]) if intercept else X
    return Phi, Phi.T @ Phi, Phi.T @ y


def assert_kkt(Phi, t, w, alpha, beta, rho, unpenalized, *, atol):
    """The subgradient optimality conditions of the negative log posterior, on Phi itself."""
    grad = -beta * Phi.T @ (t - Phi @ w)
    penalized = np.ones(len(w), dtype=bool)
    penalized[list(unpenalized)] = False
    grad = grad + alpha * (1 - rho) * np.where(penalized, w, 0.0)
    l1 = alpha * rho
    scale = np.max(np.abs(beta * Phi.T @ t))
    on = penalized & (w != 0)
    off = penalized & (w == 0)
    assert np.all(np.abs(grad[~penalized]) <= atol * scale)
    assert np.all(np.abs(grad[on] + l1 * np.sign(w[on])) <= atol * scale)
    assert np.all(np.abs(grad[off]) <= l1 + atol * scale)


@pytest.mark.parametrize("rho", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("data", ["diabetes", "correlated"])
def test_map_equals_sklearn_at_the_mapped_alpha(data, intercept, rho, rng):
    X, y = diabetes() if data == "diabetes" else correlated(rng)
    n = len(X)
    Phi, G, b = stats(X, y, intercept)
    beta = 1.0 / np.var(y)
    for a in (0.5, 0.05, 0.005):  # sparse to dense
        alpha = a * beta * n
        fit = elastic_net_map(G, b, alpha, beta, rho, unpenalized=(0,) if intercept else (),
                              tol=TOL, max_iter=1000, xp=np)
        reference = sklearn_fit(X, y, a, rho, intercept)
        assert fit.converged and fit.kkt <= TOL
        np.testing.assert_allclose(fit.w, reference, rtol=1e-8,
                                   atol=1e-8 * np.max(np.abs(reference)))
        # exact zeros, the same ones
        np.testing.assert_array_equal(fit.w == 0, reference == 0)
        assert_kkt(Phi, y, fit.w, alpha, beta, rho, (0,) if intercept else (), atol=1e-10)


def test_lasso_gives_exact_zeros_on_irrelevant_features(rng):
    X, y = correlated(rng, n=2000, m=30)
    Phi, G, b = stats(X, y, True)
    fit = elastic_net_map(G, b, alpha=200.0, beta=1.0, l1_ratio=1.0, unpenalized=(0,),
                          tol=TOL, max_iter=1000, xp=np)
    assert np.count_nonzero(fit.w[1:]) == 5 and np.all(fit.w[6:] == 0.0)
    assert_kkt(Phi, y, fit.w, 200.0, 1.0, 1.0, (0,), atol=1e-10)


def test_a_path_equals_pointwise_fits(rng):
    X, y = correlated(rng)
    _, G, b = stats(X, y, True)
    alphas = list(np.geomspace(1e5, 0.02, 40))
    for rho in (1.0, 0.3):
        W, fits = elastic_net_map_path(G, b, alphas[::-1], 2.0, rho, unpenalized=(0,),
                                       tol=TOL, max_iter=1000, xp=np)
        assert W.shape == (40, 31) and all(f.converged for f in fits)
        for k, alpha in enumerate(alphas[::-1]):  # returned in the order given
            single = elastic_net_map(G, b, alpha, 2.0, rho, unpenalized=(0,), tol=TOL,
                                     max_iter=1000, xp=np)
            np.testing.assert_allclose(W[k], single.w, rtol=1e-10, atol=1e-10)
            np.testing.assert_array_equal(W[k] == 0, single.w == 0)
        # the largest alpha switches every penalized weight off, the smallest none
        assert np.all(W[-1, 1:] == 0) and np.all(W[0] != 0)


def test_kkt_residual_is_zero_exactly_at_the_optimum():
    # One coordinate, G = 2, b = 3, l1 = 1: w = S(3, 1)/2 = 1; the gradient 2w - 3 = -1
    # balances l1 sign(w) = 1. Move w and the violation is |2 dw|, relative to |b| = 3.
    G, b = np.array([[2.0]]), np.array([3.0])
    assert kkt_residual(G, b, np.array([1.0]), 1.0, 0.0, xp=np) == 0.0
    assert kkt_residual(G, b, np.array([1.5]), 1.0, 0.0, xp=np) == pytest.approx(1.0 / 3)
    # at w = 0 the violation is |g| - l1 = 3 - 1
    assert kkt_residual(G, b, np.array([0.0]), 1.0, 0.0, xp=np) == pytest.approx(2.0 / 3)
    assert kkt_residual(G, b, np.array([0.0]), 4.0, 0.0, xp=np) == 0.0


def test_profiling_the_bias_is_centring(rng):
    X, y = correlated(rng, n=100, m=4)
    _, G, b = stats(X, y, True)
    profiled = Profiled.of(G, b, (0,), xp=np)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    np.testing.assert_allclose(profiled.G, Xc.T @ Xc, rtol=1e-10)
    np.testing.assert_allclose(profiled.b, Xc.T @ yc, rtol=1e-10)
    # the bias that goes with any penalized weights is the least-squares one for them
    w_P = rng.normal(size=4)
    np.testing.assert_allclose(profiled.full(w_P, xp=np),
                               np.r_[np.mean(y - X @ w_P), w_P], rtol=1e-12)


def test_no_l1_is_ridge(rng):
    X, y = correlated(rng, n=80, m=6)
    _, G, b = stats(X, y, False)
    fit = elastic_net(G, b, 0.0, 3.0, tol=TOL, max_iter=100, xp=np)
    np.testing.assert_allclose(fit.w, np.linalg.solve(G + 3.0 * np.eye(6), b), rtol=1e-12)


def test_more_weights_than_data(rng):
    # N < M: G is singular, the exact active-set steps fail once the support outgrows the
    # data, and coordinate descent must converge alone; the lasso solution is still unique
    # (the design is in general position), so scikit-learn must agree.
    X = rng.normal(size=(20, 50))
    y = X[:, :3] @ np.array([2.0, -1.0, 1.0]) + 0.1 * rng.normal(size=20)
    for a in (0.1, 0.002):
        fit = elastic_net_map(X.T @ X, X.T @ y, a * 20, 1.0, 1.0, tol=1e-12,
                              max_iter=100_000, xp=np)
        assert fit.converged
        reference = sklearn_fit(X, y, a, 1.0, False)
        np.testing.assert_allclose(fit.w, reference, atol=1e-7 * np.abs(reference).max())


def test_a_constant_feature_beside_the_bias_keeps_weight_zero(rng):
    X, y = correlated(rng, n=50, m=3)
    X = np.column_stack([X, np.full(50, 4.0)])
    _, G, b = stats(X, y, True)
    fit = elastic_net_map(G, b, 1.0, 1.0, 1.0, unpenalized=(0,), tol=TOL, max_iter=100,
                          xp=np)
    assert fit.converged and fit.w[-1] == 0.0
    np.testing.assert_allclose(fit.w, sklearn_fit(X, y, 1.0 / 50, 1.0, True), rtol=1e-8,
                               atol=1e-9)


def test_too_few_iterations_is_reported_not_hidden(rng):
    X = rng.normal(size=(20, 50))
    y = X[:, :3] @ np.array([2.0, -1.0, 1.0])
    fit = coordinate_descent(X.T @ X, X.T @ y, 0.01, 0.0, tol=TOL, max_iter=1, xp=np)
    assert not fit.converged and fit.n_iter == 1 and fit.kkt > TOL


def test_kernels_on_every_backend_and_dtype(xp, dtype_name, rng):
    X, y = correlated(rng, n=200, m=8)
    _, G, b = stats(X, y, True)
    dtype = getattr(xp, dtype_name)
    Gx, bx = xp.asarray(G, dtype=dtype), xp.asarray(b, dtype=dtype)
    tol = TOL if dtype_name == "float64" else 1e-5
    reference = elastic_net_map(G, b, 300.0, 1.0, 0.8, unpenalized=(0,), tol=TOL,
                                max_iter=100, xp=np).w
    fit = elastic_net_map(Gx, bx, 300.0, 1.0, 0.8, unpenalized=(0,), tol=tol, max_iter=100,
                          xp=xp)
    assert fit.converged
    xp_assert_close(fit.w, reference, xp=xp, dtype=dtype_name,
                    atol=1e-3 * np.abs(reference).max() if dtype_name == "float32" else 0.0)
    assert np.array_equal(to_numpy(fit.w) == 0, reference == 0)
    W, _ = elastic_net_map_path(Gx, bx, [300.0, 30.0], 1.0, 0.8, unpenalized=(0,), tol=tol,
                                max_iter=100, xp=xp)
    xp_assert_close(W[0, :], reference, xp=xp, dtype=dtype_name,
                    atol=1e-3 * np.abs(reference).max() if dtype_name == "float32" else 0.0)
    assert [len(r) for r in (elastic_net_path(Gx[1:, 1:], bx[1:], [1.0], [0.0], tol=tol,
                                              max_iter=100, xp=xp))] == [4]
