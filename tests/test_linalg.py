"""The Cholesky kernels of bayesfit._linalg against NumPy and SciPy, on every backend."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from bayesfit._backend import solve_triangular
from bayesfit._linalg import (
    cholesky,
    cholesky_inverse,
    gaussian_kl_from_cholesky,
    logdet_from_cholesky,
    solve_lower,
    solve_lower_transpose,
)
from tests.conftest import xp_assert_close


def _solve_tol(dtype_name):
    return 1e-10 if dtype_name == "float64" else 1e-4


def spd(rng, M, batch=()):
    A = rng.normal(size=(*batch, M, M))
    return A @ np.swapaxes(A, -1, -2) + 0.5 * np.eye(M)


@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular_matches_scipy(rng, xp, dtype_name, lower):
    dtype = getattr(xp, dtype_name)
    L = np.linalg.cholesky(spd(rng, 5))
    T = L if lower else L.T
    b = rng.normal(size=(5, 3))
    x = solve_triangular(xp.asarray(T, dtype=dtype), xp.asarray(b, dtype=dtype), lower=lower, xp=xp)
    ref = scipy.linalg.solve_triangular(T, b, lower=lower)
    xp_assert_close(x, ref, xp=xp, dtype=dtype_name, rtol=_solve_tol(dtype_name))


def test_solve_lower_batches_and_vectors(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    L = np.linalg.cholesky(spd(rng, 4, batch=(3,)))
    b = rng.normal(size=(3, 4))
    x = solve_lower(xp.asarray(L, dtype=dtype), xp.asarray(b, dtype=dtype), xp=xp)
    ref = np.stack([scipy.linalg.solve_triangular(L[i], b[i], lower=True) for i in range(3)])
    xp_assert_close(x, ref, xp=xp, dtype=dtype_name, rtol=_solve_tol(dtype_name))


def test_solve_lower_transpose_batches_vectors_and_matrices(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    L = np.linalg.cholesky(spd(rng, 4, batch=(3,)))
    b, B = rng.normal(size=(3, 4)), rng.normal(size=(3, 4, 2))
    Lx = xp.asarray(L, dtype=dtype)
    x = solve_lower_transpose(Lx, xp.asarray(b, dtype=dtype), xp=xp)
    X = solve_lower_transpose(Lx, xp.asarray(B, dtype=dtype), xp=xp)
    ref = np.stack([scipy.linalg.solve_triangular(L[i].T, b[i], lower=False) for i in range(3)])
    REF = np.stack([scipy.linalg.solve_triangular(L[i].T, B[i], lower=False) for i in range(3)])
    xp_assert_close(x, ref, xp=xp, dtype=dtype_name, rtol=_solve_tol(dtype_name))
    xp_assert_close(X, REF, xp=xp, dtype=dtype_name, rtol=_solve_tol(dtype_name))


def test_cholesky_inverse_and_logdet(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    S = spd(rng, 6)
    L = cholesky(xp.asarray(S, dtype=dtype), "S", xp=xp)
    tol = 1e-9 if dtype_name == "float64" else 2e-3
    xp_assert_close(cholesky_inverse(L, xp=xp), np.linalg.inv(S), xp=xp, dtype=dtype_name,
                    rtol=tol, atol=tol)
    xp_assert_close(logdet_from_cholesky(L, xp=xp), np.asarray(np.linalg.slogdet(S)[1]), xp=xp,
                    dtype=dtype_name, rtol=tol)


def test_cholesky_names_the_matrix_and_the_remedy(xp):
    bad = xp.asarray([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=r"^prior_cov is not positive definite; fix it$"):
        cholesky(bad, "prior_cov", xp=xp, remedy="; fix it")


def test_gaussian_kl_matches_the_closed_form_batched(rng, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    S0, S1 = spd(rng, 3, batch=(2,)), spd(rng, 3, batch=(2,))
    m0, m1 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    ref = []  # PRML eq. B.43 with explicit inverses and slogdet
    for i in range(2):
        inv1 = np.linalg.inv(S1[i])
        d = m1[i] - m0[i]
        ref.append(0.5 * (np.trace(inv1 @ S0[i]) + d @ inv1 @ d - 3
                          + np.linalg.slogdet(S1[i])[1] - np.linalg.slogdet(S0[i])[1]))
    L0 = xp.asarray(np.linalg.cholesky(S0), dtype=dtype)
    L1 = xp.asarray(np.linalg.cholesky(S1), dtype=dtype)
    kl = gaussian_kl_from_cholesky(xp.asarray(m0, dtype=dtype), L0, xp.asarray(m1, dtype=dtype),
                                   L1, xp=xp)
    xp_assert_close(kl, np.asarray(ref), xp=xp, dtype=dtype_name,
                    rtol=1e-9 if dtype_name == "float64" else 1e-3)
    same = gaussian_kl_from_cholesky(xp.asarray(m0, dtype=dtype), L0, xp.asarray(m0, dtype=dtype),
                                     L0, xp=xp)
    xp_assert_close(same, np.zeros(2), xp=xp, dtype=dtype_name, atol=1e-5)
