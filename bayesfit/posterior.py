r"""Gaussian distributions over weights: the prior and posterior of the linear models.

:class:`GaussianPosterior` holds :math:`\mathcal N(w \mid m, S)` with its Cholesky factor
:math:`S = L L^T` computed once, and everything the estimators need from it: samples, the
predictive mean and variance at a design matrix, the KL divergence to another Gaussian (the
information gained from prior to posterior) and the entropy. Arrays stay in their namespace.
"""

from __future__ import annotations

import math
from functools import cached_property
from types import ModuleType
from typing import Any

import array_api_compat

from bayesfit._backend import get_namespace, to_numpy
from bayesfit._validation import POSITIVE, check_array, check_random_state

__all__ = ["GaussianPosterior"]


def cholesky(a: Any, name: str, *, xp: ModuleType, remedy: str = "") -> Any:
    """Lower Cholesky factor of ``a``, or a ValueError naming ``name`` if it is not SPD."""
    message = f"{name} is not positive definite{remedy}"
    try:
        L = xp.linalg.cholesky(a)
    except ValueError as exc:  # numpy's LinAlgError is a ValueError
        raise ValueError(message) from exc
    if not bool(xp.all(xp.isfinite(L))):  # CuPy returns NaN instead of raising
        raise ValueError(message)
    return L


def _solve_lower(L: Any, b: Any, *, xp: ModuleType) -> Any:
    """Solve ``L x = b`` for lower-triangular ``L`` (batched); the standard has no trsm."""
    return xp.linalg.solve(L, b)


def standard_normal_like(ref: Any, n: int, random_state: Any) -> Any:
    """Return ``n`` rows of standard normals of ``ref``'s length, namespace, dtype and device.

    The normals are drawn on the host with NumPy, so a seed gives the same draws on every
    backend, and moved to ``ref``'s device.

    Raises
    ------
    ValueError
        If ``n`` is not a positive int.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    rng = check_random_state(random_state)
    z = rng.standard_normal((n, ref.shape[0]))
    xp = get_namespace(ref)
    return xp.asarray(z, dtype=ref.dtype, device=array_api_compat.device(ref))


def _log_det_from_cholesky(L: Any, *, xp: ModuleType) -> Any:
    return 2.0 * xp.sum(xp.log(xp.linalg.diagonal(L)), axis=-1)


def gaussian_kl_from_cholesky(m0: Any, L0: Any, m1: Any, L1: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\mathrm{KL}(\mathcal N(m_0, L_0 L_0^T) \| \mathcal N(m_1, L_1 L_1^T))`.

    Batched over leading axes; works from the Cholesky factors with triangular solves only.

    Notes
    -----
    .. math::

        \mathrm{KL} = \tfrac12 \left[\lVert L_1^{-1} L_0 \rVert_F^2
            + \lVert L_1^{-1}(m_1 - m_0) \rVert^2 - M
            + 2 \textstyle\sum_i \ln (L_1)_{ii} - 2 \sum_i \ln (L_0)_{ii}\right]
    """
    M = m0.shape[-1]
    A = _solve_lower(L1, L0, xp=xp)
    d = _solve_lower(L1, (m1 - m0)[..., None], xp=xp)[..., 0]
    trace = xp.sum(A * A, axis=(-2, -1))
    mahalanobis = xp.sum(d * d, axis=-1)
    logdet = _log_det_from_cholesky(L1, xp=xp) - _log_det_from_cholesky(L0, xp=xp)
    return 0.5 * (trace + mahalanobis - M + logdet)


class GaussianPosterior:
    r"""A multivariate normal :math:`\mathcal N(w \mid m, S)` over the weights.

    Parameters
    ----------
    mean : array of shape (M,)
        The mean :math:`m`.
    cov : array of shape (M, M)
        The covariance :math:`S`, symmetric positive definite.

    Attributes
    ----------
    cov_cholesky : array of shape (M, M)
        Lower-triangular :math:`L` with :math:`S = L L^T`, computed once on first use.

    Notes
    -----
    For Bayesian linear regression with prior :math:`\mathcal N(m_0, S_0)` and noise
    precision :math:`\beta` the posterior is (PRML eqs. 3.49-3.51)

    .. math::

        S_N^{-1} = S_0^{-1} + \beta \Phi^T \Phi, \qquad
        m_N = S_N (S_0^{-1} m_0 + \beta \Phi^T t).

    Examples
    --------
    >>> import numpy as np
    >>> from bayesfit.posterior import GaussianPosterior
    >>> post = GaussianPosterior(np.zeros(2), np.eye(2))
    >>> post.predictive_var(np.array([[1.0, 1.0]]), beta=4.0)
    array([2.25])
    """

    def __init__(self, mean: Any, cov: Any):
        xp = get_namespace(mean, cov)
        mean = check_array(mean, "mean", ndim=1, xp=xp)
        cov = check_array(cov, "cov", xp=xp)
        if cov.shape != (mean.shape[0], mean.shape[0]):
            raise ValueError(
                f"cov must have shape {(mean.shape[0], mean.shape[0])} to match mean, "
                f"got {cov.shape}"
            )
        dtype = xp.result_type(mean.dtype, cov.dtype)
        self.mean = xp.astype(mean, dtype, copy=False)
        self.cov = xp.astype(cov, dtype, copy=False)

    @property
    def _xp(self) -> ModuleType:
        # Looked up, not stored: a module attribute would make the object unpicklable.
        return get_namespace(self.mean)

    @property
    def n_features(self) -> int:
        """Dimension M of the weight vector."""
        return int(self.mean.shape[0])

    @cached_property
    def cov_cholesky(self) -> Any:
        """Lower Cholesky factor of the covariance."""
        return cholesky(self.cov, "cov", xp=self._xp)

    def sample(self, n: int = 1, random_state: Any = None) -> Any:
        r"""Draw ``n`` weight vectors :math:`w = m + L z`, :math:`z \sim \mathcal N(0, I)`.

        Parameters
        ----------
        n : int, default 1
            Number of draws.
        random_state : None, int or numpy.random.Generator
            The normals are drawn on the host with NumPy (so a seed gives the same draws on
            every backend) and moved to the mean's device.

        Returns
        -------
        array of shape (n, M)
        """
        z = standard_normal_like(self.mean, n, random_state)
        return self.mean[None, :] + z @ self._xp.matrix_transpose(self.cov_cholesky)

    def _check_design(self, Phi: Any) -> Any:
        Phi = check_array(Phi, "Phi", xp=self._xp)
        if Phi.shape[1] != self.n_features:
            raise ValueError(f"Phi has {Phi.shape[1]} columns, expected {self.n_features}")
        return self._xp.astype(Phi, self.mean.dtype, copy=False)

    def predictive_mean(self, Phi: Any) -> Any:
        r"""Return :math:`\Phi m`, the mean of :math:`y(x) = w^T \phi(x)` at each row."""
        return self._check_design(Phi) @ self.mean

    def predictive_var(self, Phi: Any, beta: float | None = None) -> Any:
        r"""Return :math:`\phi(x)^T S \phi(x)` (+ :math:`1/\beta` if given) for each row.

        Parameters
        ----------
        Phi : array of shape (n, M)
            Design matrix.
        beta : float, optional
            Noise precision; when given the noise variance is added (PRML eq. 3.59).

        Returns
        -------
        array of shape (n,)
        """
        if beta is not None and not POSITIVE.accepts(beta):
            raise ValueError(f"beta must be {POSITIVE.describe()} or None, got {beta!r}")
        B = self._check_design(Phi) @ self.cov_cholesky
        var = self._xp.sum(B * B, axis=1)
        return var if beta is None else var + 1.0 / beta

    def kl_to(self, other: GaussianPosterior) -> float:
        r"""Return :math:`\mathrm{KL}(\text{self} \,\|\, \text{other})` in nats.

        With ``other`` the prior this is the information the data gave about the weights.

        Parameters
        ----------
        other : GaussianPosterior
            Of the same dimension.

        Returns
        -------
        float
        """
        if not isinstance(other, GaussianPosterior):
            raise TypeError(f"other must be a GaussianPosterior, got {type(other).__name__}")
        if other.n_features != self.n_features:
            raise ValueError(
                f"other has dimension {other.n_features}, expected {self.n_features}"
            )
        kl = gaussian_kl_from_cholesky(
            self.mean, self.cov_cholesky, other.mean, other.cov_cholesky, xp=self._xp
        )
        return float(kl)

    def entropy(self) -> float:
        r"""Return the differential entropy :math:`\tfrac12 \ln |2 \pi e S|` in nats."""
        logdet = float(_log_det_from_cholesky(self.cov_cholesky, xp=self._xp))
        return 0.5 * (self.n_features * (1.0 + math.log(2.0 * math.pi)) + logdet)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (lists of floats)."""
        return {"mean": to_numpy(self.mean).tolist(), "cov": to_numpy(self.cov).tolist()}

    def __repr__(self) -> str:
        return f"GaussianPosterior(n_features={self.n_features}, dtype={self.mean.dtype})"
