r"""Posteriors over the weights and the predictive distributions they imply.

- :class:`GaussianPosterior` holds :math:`\mathcal N(w \mid m, S)` with its Cholesky factor
  :math:`S = L L^T` computed once, and everything the estimators need from it: samples, the
  predictive mean and variance at a design matrix, the KL divergence to another Gaussian (the
  information gained from prior to posterior) and the entropy. Arrays stay in their namespace.
- :class:`Predictive` is the predictive distribution at a set of inputs, independent normals
  per point: what ``estimator.predictive(X)`` returns.
- :class:`PosteriorDraws` holds draws :math:`(w_s, \sigma_s[, \nu_s])` of a posterior that is
  known only through samples (MCMC, quadrature) and gives the predictive they imply: the
  moment-matched normal, the exact mixture density, function and target draws (NumPy).
"""

from __future__ import annotations

import math
import numbers
from functools import cached_property
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np
import scipy.special
import scipy.stats

from bayesfit._backend import get_namespace, to_numpy
from bayesfit._linalg import cholesky, gaussian_kl_from_cholesky, logdet_from_cholesky
from bayesfit._validation import (
    POSITIVE,
    POSITIVE_INT,
    Interval,
    as_floating,
    as_numeric,
    check_array,
    check_random_state,
    check_value,
)

__all__ = ["GaussianPosterior", "PosteriorDraws", "Predictive", "standard_normal_like"]

_LOG_2PI = math.log(2.0 * math.pi)
# Points per block when a (draws x points) matrix is formed, to bound memory.
_BLOCK = 2**22


def standard_normal_like(ref: Any, n: int, random_state: Any) -> Any:
    """Return ``n`` rows of standard normals of ``ref``'s length, namespace, dtype and device.

    The normals are drawn on the host with NumPy, so a seed gives the same draws on every
    backend, and moved to ``ref``'s device.

    Raises
    ------
    ValueError
        If ``n`` is not a positive int.
    """
    check_value("n", n, POSITIVE_INT)
    rng = check_random_state(random_state)
    z = rng.standard_normal((n, ref.shape[0]))
    xp = get_namespace(ref)
    return xp.asarray(z, dtype=ref.dtype, device=array_api_compat.device(ref))


class GaussianPosterior:
    r"""A multivariate normal :math:`\mathcal N(w \mid m, S)` over the weights.

    Parameters
    ----------
    mean : array of shape (M,)
        The mean :math:`m` (M may be 0: a posterior over no weights).
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
        if getattr(mean, "shape", None) == (0,):  # over no weights (ARD pruned them all)
            mean, cov = xp.asarray(mean), xp.asarray(cov)
        else:
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
        if self.n_features == 0 and getattr(Phi, "ndim", 0) == 2:
            return self._xp.astype(self._xp.asarray(Phi), self.mean.dtype, copy=False)
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

    def loo_log_density(self, Phi: Any, y: Any, beta: float) -> Any:
        r"""Return :math:`\ln p(y_i \mid x_i, \mathcal D_{-i})` for each row: exact leave-one-out.

        For a posterior that came from exactly the points ``(Phi, y)`` (any Gaussian prior)
        with noise precision ``beta`` held fixed, removing point i is a rank-one downdate
        of the posterior precision, :math:`S_{-i}^{-1} = S^{-1} - \beta\phi_i\phi_i^T`, and
        the predictive at the left-out point follows in closed form: :math:`O(M^2)` per
        point, no refit.

        Parameters
        ----------
        Phi : array of shape (n, M)
            The design matrix of the data the posterior was computed from.
        y : array of shape (n,)
            Their targets.
        beta : float
            The noise precision.

        Returns
        -------
        array of shape (n,)

        Raises
        ------
        ValueError
            If some :math:`\beta\,\phi_i^T S \phi_i \ge 1`: point i cannot have been part
            of the data (removing it would leave a covariance that is not positive).

        Notes
        -----
        With :math:`h_i = \phi_i^T S \phi_i`, :math:`\mu_i = \phi_i^T m` and
        :math:`s_i = 1 - \beta h_i`, Sherman-Morrison gives the left-out predictive
        mean :math:`(\mu_i - \beta h_i y_i)/s_i` and variance
        :math:`1/\beta + h_i/s_i = 1/(\beta s_i)`, so

        .. math::

            \ln p(y_i \mid x_i, \mathcal D_{-i}) = \tfrac12 \ln\frac{\beta s_i}{2\pi}
                - \frac{\beta (y_i - \mu_i)^2}{2 s_i}

        (PRML eqs. 3.58-3.59 for the data without point i).
        """
        xp = self._xp
        Phi = self._check_design(Phi)
        y = xp.astype(check_array(y, "y", ndim=1, xp=xp), self.mean.dtype, copy=False)
        if y.shape[0] != Phi.shape[0]:
            raise ValueError(f"y has {y.shape[0]} values for the {Phi.shape[0]} rows of Phi")
        check_value("beta", beta, POSITIVE)
        B = Phi @ self.cov_cholesky
        s = 1.0 - beta * xp.sum(B * B, axis=1)
        if not bool(xp.min(s) > 0):
            raise ValueError(
                "Phi has a row with beta * phi^T S phi >= 1: the posterior did not come from "
                "these points (leave-one-out needs the data it was fitted on)"
            )
        r = y - Phi @ self.mean
        return 0.5 * (xp.log(beta * s) - _LOG_2PI) - 0.5 * beta * r * r / s

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
        logdet = float(logdet_from_cholesky(self.cov_cholesky, xp=self._xp))
        return 0.5 * (self.n_features * (1.0 + math.log(2.0 * math.pi)) + logdet)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (lists of floats)."""
        return {"mean": to_numpy(self.mean).tolist(), "cov": to_numpy(self.cov).tolist()}

    def __repr__(self) -> str:
        return f"GaussianPosterior(n_features={self.n_features}, dtype={self.mean.dtype})"


class Predictive:
    r"""The predictive distribution at a set of inputs: independent normals per point.

    Parameters
    ----------
    mean, var : arrays of shape (n,), or (n, K) for K targets
        Predictive mean and variance (``var`` may be ``inf``: Student-t noise with
        :math:`\nu \le 2` has no finite variance).

    Attributes
    ----------
    mean, var : arrays of shape (n,) or (n, K)
        In the namespace and on the device of the inputs, of one floating dtype.

    Examples
    --------
    >>> import numpy as np
    >>> p = Predictive(np.array([0.0]), np.array([4.0]))
    >>> p.std
    array([2.])
    >>> lower, upper = p.interval(0.95)
    >>> lower.round(3), upper.round(3)
    (array([-3.92]), array([3.92]))
    """

    def __init__(self, mean: Any, var: Any):
        xp = get_namespace(mean, var)
        mean = check_array(mean, "mean", ndim=2 if getattr(mean, "ndim", 1) == 2 else 1, xp=xp)
        # +inf is a variance too (Student-t noise with nu <= 2): only NaN and negatives are bad
        var = as_floating(as_numeric(var, "var", xp=xp), xp=xp)
        if var.shape != mean.shape:
            raise ValueError(f"var must have the shape of mean {mean.shape}, got {var.shape}")
        if not bool(xp.min(var) >= 0):  # NaN fails the comparison too
            raise ValueError("var must be in [0, inf] (a variance); it has NaN or a negative")
        dtype = xp.result_type(mean.dtype, var.dtype)
        self.mean = xp.astype(mean, dtype, copy=False)
        self.var = xp.astype(var, dtype, copy=False)

    @property
    def std(self) -> Any:
        """Predictive standard deviation."""
        return get_namespace(self.var).sqrt(self.var)

    def interval(self, level: float = 0.95) -> tuple[Any, Any]:
        r"""Return the central ``level`` interval ``(lower, upper)`` at each point.

        :math:`\mu \pm z \sigma` with :math:`z = \Phi^{-1}(\tfrac12 + \tfrac12\,\text{level})`.
        """
        check_value("level", level, Interval(numbers.Real, 0.0, 1.0, "neither"))
        z = float(scipy.special.ndtri(0.5 + 0.5 * float(level)))
        return self.mean - z * self.std, self.mean + z * self.std

    def sample(self, n: int = 1, random_state: Any = None) -> Any:
        """Draw ``n`` samples of shape (n, n_points) (or (n, n_points, K)), each independent.

        For whole curves with the correlation between points, use the estimator's
        ``sample_functions``.
        """
        xp = get_namespace(self.mean)
        flat = xp.reshape(self.mean, (-1,))
        z = xp.reshape(standard_normal_like(flat, n, random_state), (n, *self.mean.shape))
        return self.mean[None, ...] + z * self.std[None, ...]

    def log_density(self, y: Any) -> Any:
        r"""Return :math:`\ln \mathcal N(y_i \mid \mu_i, \sigma_i^2)` for each point."""
        xp = get_namespace(self.mean)
        y = check_array(y, "y", ndim=self.mean.ndim, xp=xp)
        if y.shape != self.mean.shape:
            raise ValueError(f"y must have the shape of the mean {self.mean.shape}, got {y.shape}")
        r = y - self.mean
        return -0.5 * (xp.log(self.var) + _LOG_2PI + r * r / self.var)

    def __repr__(self) -> str:
        n = int(self.mean.shape[0])
        host_mean, host_std = to_numpy(self.mean), to_numpy(self.std)
        shown = ", ".join(
            f"{m:.4g}±{s:.3g}" for m, s in zip(host_mean[:3], host_std[:3], strict=True)
        )
        more = ", ..." if n > 3 else ""
        return f"Predictive(n_points={n}, dtype={self.mean.dtype}, mean±std=[{shown}{more}])"


class PosteriorDraws:
    r"""Draws of a posterior over the weights and the noise, and the predictive they imply.

    For posteriors known only through samples (MCMC, exact quadrature draws): the draws
    :math:`(w_s, \sigma_s)` and, for Student-t noise, :math:`\nu_s`, :math:`s = 1..S`.
    Works on the host in NumPy float64.

    Parameters
    ----------
    w : array of shape (S, M)
        Weight draws.
    sigma : array of shape (S,)
        Noise scale draws (:math:`\beta_s^{-1/2}`; the Student-t scale).
    nu : array of shape (S,), optional
        Student-t degrees of freedom; None for normal noise.

    Notes
    -----
    The predictive of new targets is the mixture

    .. math::

        p(\tilde t \mid x, t) \approx \frac1S \sum_s p(\tilde t \mid w_s^T\phi(x),
            \sigma_s[, \nu_s]),

    whose exact log density :meth:`log_density` evaluates (log-sum-exp over the draws);
    :meth:`predictive` moment-matches it by a normal with
    :math:`\operatorname{Var} = \operatorname{Var}_s[\phi^T w_s] + \mathbb E_s[\sigma_s^2]`
    (times :math:`\nu/(\nu-2)` for Student-t noise, infinite if some :math:`\nu_s \le 2`).

    Examples
    --------
    >>> import numpy as np
    >>> draws = PosteriorDraws(np.array([[0.0], [2.0]]), np.array([1.0, 1.0]))
    >>> p = draws.predictive(np.array([[1.0]]))
    >>> float(p.mean[0]), float(p.var[0])  # Var_s[w_s] + E[sigma^2] = 1 + 1
    (1.0, 2.0)
    """

    def __init__(self, w: Any, sigma: Any, nu: Any = None):
        w = np.asarray(to_numpy(w), dtype=np.float64)
        sigma = np.asarray(to_numpy(sigma), dtype=np.float64)
        if w.ndim != 2 or sigma.shape != (w.shape[0],):
            raise ValueError(
                f"w must have shape (S, M) and sigma (S,); got {w.shape} and {sigma.shape}"
            )
        if nu is not None:
            nu = np.asarray(to_numpy(nu), dtype=np.float64)
            if nu.shape != sigma.shape:
                raise ValueError(f"nu must have shape {sigma.shape} like sigma, got {nu.shape}")
        self.w, self.sigma, self.nu = w, sigma, nu

    @property
    def n_draws(self) -> int:
        """Number of draws S."""
        return int(self.w.shape[0])

    @property
    def mean(self) -> np.ndarray:
        """Posterior mean of the weights."""
        return self.w.mean(axis=0)

    def predictive(self, Phi: Any) -> Predictive:
        """Return the moment-matched normal predictive at the rows of the design ``Phi``."""
        Phi = np.asarray(Phi, dtype=np.float64)
        cov = np.cov(self.w, rowvar=False, ddof=0).reshape(self.w.shape[1], self.w.shape[1])
        func_var = np.einsum("ij,jk,ik->i", Phi, cov, Phi)
        noise = self.sigma**2
        if self.nu is not None:  # Student-t variance sigma^2 nu / (nu - 2), infinite for nu <= 2
            nu = self.nu
            noise = np.where(nu > 2, noise * nu / np.where(nu > 2, nu - 2, 1.0), np.inf)
        return Predictive(Phi @ self.mean, func_var + float(np.mean(noise)))

    def log_likelihood(self, Phi: Any, y: Any) -> np.ndarray:
        r"""Return :math:`\ln p(y_i \mid x_i, w_s, \sigma_s[, \nu_s])` per draw and point.

        The pointwise log-likelihood matrix that PSIS-LOO and WAIC read (ArviZ's
        ``log_likelihood`` group): shape (S, n), so S times the memory of ``y``.
        """
        Phi = np.asarray(Phi, dtype=np.float64)
        y = np.asarray(to_numpy(y), dtype=np.float64)
        mu = self.w @ Phi.T  # (S, n)
        if self.nu is None:
            return scipy.stats.norm.logpdf(y, mu, self.sigma[:, None])
        return scipy.stats.t.logpdf(y, self.nu[:, None], mu, self.sigma[:, None])

    def log_density(self, Phi: Any, y: Any) -> np.ndarray:
        r"""Return :math:`\ln \frac1S \sum_s p(y_i \mid x_i, w_s, \sigma_s[, \nu_s])` per point."""
        Phi = np.asarray(Phi, dtype=np.float64)
        y = np.asarray(to_numpy(y), dtype=np.float64)
        step = max(1, _BLOCK // self.n_draws)  # points per block: (S, block) stays bounded
        lpd = np.empty(y.shape[0])
        for start in range(0, y.shape[0], step):
            rows = slice(start, start + step)
            logp = self.log_likelihood(Phi[rows], y[rows])
            lpd[rows] = scipy.special.logsumexp(logp, axis=0) - math.log(self.n_draws)
        return lpd

    def sample_functions(self, Phi: Any, n: int, random_state: Any = None) -> np.ndarray:
        r"""Return ``n`` curves :math:`w_s^T\phi(x)` for draws picked without replacement.

        Raises
        ------
        ValueError
            Unless ``n`` is an int in [1, S].
        """
        check_value("n", n, Interval(numbers.Integral, 1, self.n_draws, "both"))
        rng = check_random_state(random_state)
        picked = self.w[rng.choice(self.n_draws, size=n, replace=False)]
        return picked @ np.asarray(Phi, dtype=np.float64).T

    def sample_targets(self, Phi: Any, random_state: Any = None) -> np.ndarray:
        r"""Return one draw :math:`\tilde t_s = w_s^T\phi(x) + \sigma_s\epsilon` per posterior draw.

        :math:`\epsilon` is standard normal, or Student-t with :math:`\nu_s` degrees of freedom.

        Returns
        -------
        ndarray of shape (S, n_points)
        """
        rng = check_random_state(random_state)
        mean = self.w @ np.asarray(Phi, dtype=np.float64).T
        if self.nu is not None:
            eps = rng.standard_t(self.nu[:, None], size=mean.shape)
        else:
            eps = rng.standard_normal(mean.shape)
        return mean + self.sigma[:, None] * eps

    def __repr__(self) -> str:
        noise = "normal" if self.nu is None else "student_t"
        return f"PosteriorDraws(n_draws={self.n_draws}, n_features={self.w.shape[1]}, {noise})"


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
