r"""Linear-algebra kernels on Cholesky factors: the one home of bayesfit's matrix maths.

Every symmetric positive definite matrix (a covariance, a posterior precision) is handled
through its lower Cholesky factor :math:`A = L L^T`: solves are triangular, log-determinants
come from the diagonal, and no explicit inverse of an ill-conditioned matrix is formed. The
kernels take ``xp`` keyword-only and batch over leading axes; the namespace-specific
triangular solve is :func:`bayesfit._backend.solve_triangular`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import array_api_compat

from bayesfit._backend import linalg_errors_raise, solve_triangular

__all__ = [
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "gaussian_kl_from_cholesky",
    "logdet_from_cholesky",
    "solve_lower",
    "solve_lower_transpose",
]


def cholesky(a: Any, name: str, *, xp: ModuleType, remedy: str = "") -> Any:
    """Return the lower Cholesky factor of ``a``, or a ValueError naming ``name``.

    Parameters
    ----------
    a : array of shape (..., M, M)
        Symmetric positive definite.
    name : str
        What ``a`` is, for the message (``"cov"``, ``"the posterior precision ..."``).
    xp : module
        The namespace of ``a``.
    remedy : str, optional
        Appended to the message: what the user can do about it.

    Raises
    ------
    ValueError
        ``"<name> is not positive definite<remedy>"``: the factorisation failed (on CuPy
        through :func:`bayesfit._backend.linalg_errors_raise`), or the factor is not finite.
    """
    message = f"{name} is not positive definite{remedy}"
    try:
        with linalg_errors_raise(xp):
            L = xp.linalg.cholesky(a)
    except ValueError as exc:  # numpy's LinAlgError is a ValueError
        raise ValueError(message) from exc
    if not bool(xp.all(xp.isfinite(L))):  # NaN from a namespace that neither raises nor flags
        raise ValueError(message)
    return L


def solve_lower(L: Any, b: Any, *, xp: ModuleType) -> Any:
    """Return :math:`L^{-1} b` for lower-triangular ``L`` of shape (..., M, M).

    ``b`` has shape (..., M, K), or (..., M) for one right-hand side per matrix.
    """
    if b.ndim == L.ndim - 1:
        return solve_triangular(L, b[..., None], lower=True, xp=xp)[..., 0]
    return solve_triangular(L, b, lower=True, xp=xp)


def solve_lower_transpose(L: Any, b: Any, *, xp: ModuleType) -> Any:
    """Return :math:`L^{-T} b` for lower-triangular ``L`` of shape (..., M, M).

    The back substitution after :func:`solve_lower`: together they solve :math:`L L^T x = b`,
    and alone it maps standard normal draws to draws of covariance :math:`(L L^T)^{-1}`.
    ``b`` has shape (..., M, K), or (..., M) for one right-hand side per matrix.
    """
    Lt = xp.matrix_transpose(L)
    if b.ndim == L.ndim - 1:
        return solve_triangular(Lt, b[..., None], lower=False, xp=xp)[..., 0]
    return solve_triangular(Lt, b, lower=False, xp=xp)


def cholesky_solve(L: Any, b: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`(L L^T)^{-1} b` by a forward and a back substitution.

    ``L`` is lower triangular (M, M); ``b`` has shape (M,) or (M, K). A Newton step
    :math:`H^{-1} g` this way costs two triangular solves, not an inverse.
    """
    return solve_lower_transpose(L, solve_lower(L, b, xp=xp), xp=xp)


def cholesky_inverse(L: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`(L L^T)^{-1} = L^{-T} L^{-1}` from the lower factor ``L`` (M, M).

    Used where the inverse itself is the answer (a posterior covariance from its precision),
    by one triangular solve against the identity.
    """
    eye = xp.eye(L.shape[-1], dtype=L.dtype, device=array_api_compat.device(L))
    L_inv = solve_lower(L, eye, xp=xp)
    return xp.matrix_transpose(L_inv) @ L_inv


def logdet_from_cholesky(L: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\ln\lvert L L^T\rvert = 2\sum_i \ln L_{ii}`, batched over leading axes."""
    return 2.0 * xp.sum(xp.log(xp.linalg.diagonal(L)), axis=-1)


def gaussian_kl_from_cholesky(m0: Any, L0: Any, m1: Any, L1: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\mathrm{KL}(\mathcal N(m_0, L_0 L_0^T) \| \mathcal N(m_1, L_1 L_1^T))`.

    Batched over leading axes; triangular solves only.

    Notes
    -----
    .. math::

        \mathrm{KL} = \tfrac12 \left[\lVert L_1^{-1} L_0 \rVert_F^2
            + \lVert L_1^{-1}(m_1 - m_0) \rVert^2 - M
            + 2 \textstyle\sum_i \ln (L_1)_{ii} - 2 \sum_i \ln (L_0)_{ii}\right]

    (PRML eq. B.43 written on the factors: :math:`\operatorname{tr}(\Sigma_1^{-1}\Sigma_0)
    = \lVert L_1^{-1} L_0\rVert_F^2`).
    """
    M = m0.shape[-1]
    A = solve_lower(L1, L0, xp=xp)
    d = solve_lower(L1, m1 - m0, xp=xp)
    trace = xp.sum(A * A, axis=(-2, -1))
    mahalanobis = xp.sum(d * d, axis=-1)
    logdet = logdet_from_cholesky(L1, xp=xp) - logdet_from_cholesky(L0, xp=xp)
    return 0.5 * (trace + mahalanobis - M + logdet)

