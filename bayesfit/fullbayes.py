r"""Exact full Bayes for the linear basis-function model: quadrature over :math:`(\alpha, \beta)`.

With hyperpriors on the weight precision :math:`\alpha` and the noise precision
:math:`\beta`, the posterior of the normal-likelihood model factorises as

.. math::

    p(w, \alpha, \beta \mid t) = \mathcal N(w \mid m_N, S_N)\; p(\alpha, \beta \mid t),
    \qquad p(\alpha, \beta \mid t) \propto p(t \mid \alpha, \beta)\, p(\alpha)\, p(\beta),

and the second factor is two-dimensional, with a log density that costs :math:`O(M)` per
point from the eigen-statistics (the evidence of PRML eq. 3.86). :class:`FullBayesRegression`
integrates it on a grid instead of sampling it: the log marginal likelihood :math:`\ln p(t)`,
the hyperparameters' moments, and independent exact draws of :math:`(\alpha, \beta, w)` come
out of one pass, in milliseconds after the sufficient statistics. MCMC through
:class:`~bayesfit.PyMCRegression`'s machinery remains available (and is needed for the
Student-t likelihood, which has no closed-form marginal).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import array_api_compat.numpy as np_xp
import numpy as np

from bayesfit import basis as _basis
from bayesfit._arviz import draws_group, observed_group
from bayesfit._backend import quiet_overflow, to_numpy
from bayesfit._bayesian_lasso import gibbs_bayesian_lasso
from bayesfit._conjugate import (
    Eigen,
    SufficientStats,
    eigen_weight_draws,
    evidence_at,
    evidence_start,
)
from bayesfit._draws import SAMPLER_CONSTRAINTS, DrawsRegressor
from bayesfit._estimator import unchanged_on_error
from bayesfit._validation import (
    Constraint,
    Options,
    check_random_state,
    validate_params,
)
from bayesfit._warnings import warn
from bayesfit.exceptions import ConvergenceWarning, NumericalWarning
from bayesfit.priors import Prior, resolve_priors

__all__ = ["FullBayesRegression", "HyperPosterior", "hyper_posterior"]

_LOG_2 = math.log(2.0)
#: The priors on the weights: Gaussian (precision alpha), or the Bayesian lasso's Laplace.
WEIGHT_PRIORS = ("gaussian", "laplace")
#: The grid grows until its edges lie this many nats below the mode (mass beyond: ~e^-25).
EDGE_NATS = 25.0
#: ... and is refined (its spacing halved) until the moments move less than this.
MOMENT_TOL = 1e-9
_START_HALF_WIDTH = 6.0  # the first grid: +-6 Laplace standard deviations ...
_START_SPACING = 0.5  # ... with half a standard deviation between points
_MAX_REFINEMENTS = 6
_MAX_POINTS_PER_AXIS = 4096
_MAX_SCALE = 2.0  # the largest first step (in ln alpha, ln beta) taken from a flat Hessian
_U_BOUND = 300.0  # |ln alpha|, |ln beta| never beyond this (e^300 is finite, e^-300 > 0)


# -- the collapsed log density -----------------------------------------------------------------
class _CollapsedDensity:
    r"""The log density of :math:`u = (\ln\alpha, \ln\beta)` given the data, up to :math:`\ln p(t)`.

    .. math::

        \ln p(t \mid \alpha, \beta) + \ln p(\alpha) + \ln\alpha + \ln p_\beta(\beta)
            + \ln\beta,

    the evidence plus the log priors and the Jacobian of the log transform; a prior on
    :math:`\sigma = \beta^{-1/2}` enters as :math:`\ln p_\sigma(\sigma) + \ln\sigma - \ln 2`.
    """

    def __init__(self, eig: Eigen, alpha_prior: Prior, noise_prior: Prior, noise_on_sigma: bool):
        self.eig = eig
        self.alpha_prior, self.noise_prior = alpha_prior, noise_prior
        self.noise_on_sigma = noise_on_sigma
        # SciPy's frozen distributions take milliseconds to make: once, not per evaluation
        self._alpha_logpdf = alpha_prior.to_scipy().logpdf
        self._noise_logpdf = noise_prior.to_scipy().logpdf

    def _terms(self, u: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
        u = np.clip(u, -_U_BOUND, _U_BOUND)
        alpha, beta = np.exp(u[:, 0]), np.exp(u[:, 1])
        return evidence_at(self.eig, alpha, beta, xp=np_xp), alpha, beta

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Return the log density at each row of ``u`` (shape (K, 2)); -inf where undefined."""
        ev, alpha, beta = self._terms(u)
        value = ev.log_evidence + self._alpha_logpdf(alpha) + np.log(alpha)
        if self.noise_on_sigma:
            sigma = beta**-0.5
            value = value + self._noise_logpdf(sigma) + np.log(sigma) - _LOG_2
        else:
            value = value + self._noise_logpdf(beta) + np.log(beta)
        return np.where(np.isnan(value), -np.inf, value)

    def gradient(self, u: np.ndarray) -> np.ndarray:
        r"""Return the gradient in :math:`u`, shape (K, 2), analytically.

        The evidence's is :math:`(\gamma/2 - \alpha E_W,\ (N - \gamma)/2 - \beta E_D)`: the
        posterior mean :math:`m_N` maximises :math:`-\beta E_D - \alpha E_W`, so only the
        explicit dependence counts (PRML eqs. 3.89-3.94).
        """
        ev, alpha, beta = self._terms(u)
        d_alpha = 0.5 * ev.gamma - alpha * ev.E_W + alpha * self.alpha_prior.dlogpdf(alpha) + 1.0
        d_beta = 0.5 * (self.eig.n - ev.gamma) - beta * ev.E_D
        if self.noise_on_sigma:
            sigma = beta**-0.5
            d_beta = d_beta - 0.5 * (sigma * self.noise_prior.dlogpdf(sigma) + 1.0)
        else:
            d_beta = d_beta + beta * self.noise_prior.dlogpdf(beta) + 1.0
        return np.stack([d_alpha, d_beta], axis=1)


_HESSIAN_STEP = 1e-5  # central differences of the analytic gradient, in ln alpha, ln beta
_NEWTON_STEPS = 100


def _gradient_and_hessian(density: _CollapsedDensity, u: np.ndarray) -> tuple[Any, Any]:
    """Return the gradient at ``u`` and the negated Hessian by central differences of it."""
    e = _HESSIAN_STEP * np.eye(2)
    grads = density.gradient(np.stack([u, u + e[0], u - e[0], u + e[1], u - e[1]]))
    hess = np.stack([grads[2] - grads[1], grads[4] - grads[3]], axis=1) / (2 * _HESSIAN_STEP)
    return grads[0], 0.5 * (hess + hess.T)


def _mode(density: _CollapsedDensity, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the mode of ``density`` near ``start`` and a lattice basis from its Hessian.

    Newton's method with the analytic gradient (a gradient step where the Hessian is not
    negative definite), each step halved until the density rises. The basis ``L`` maps
    standard coordinates z to :math:`u = \text{mode} + L z`: the Cholesky factor of the
    inverse Hessian (the Laplace covariance) where that is positive definite, else the
    diagonal scales capped at :data:`_MAX_SCALE` (a plateau, as for :math:`\alpha` when the
    data say little about it; the grid then grows along it).
    """
    u = np.clip(np.asarray(start, dtype=np.float64), -_U_BOUND, _U_BOUND)
    value = float(density(u[None])[0])
    for _ in range(_NEWTON_STEPS):
        grad, hess = _gradient_and_hessian(density, u)
        if not np.all(np.isfinite(grad)):
            break
        definite = np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0)
        step = np.linalg.solve(hess, grad) if definite else grad / max(np.abs(grad).max(), 1.0)
        step *= min(1.0, _MAX_SCALE / max(float(np.abs(step).max()), 1e-300))
        for _ in range(40):  # halve until the density rises
            candidate = np.clip(u + step, -_U_BOUND, _U_BOUND)
            new = float(density(candidate[None])[0])
            if new >= value:
                break
            step /= 2
        else:
            break
        moved = float(np.abs(candidate - u).max())
        u, value = candidate, new
        if moved < 1e-10 or (definite and float(grad @ step) < 1e-12):
            break
    _, hess = _gradient_and_hessian(density, u)
    if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0):
        L = np.linalg.cholesky(np.linalg.inv(hess))
        if np.all(np.sqrt(np.sum(L * L, axis=1)) <= _MAX_SCALE):
            return u, L
    diag = np.diag(hess)
    scales = np.where(diag > 0, 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0)), _MAX_SCALE)
    return u, np.diag(np.minimum(scales, _MAX_SCALE))


# -- the grid ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HyperPosterior:
    r"""The posterior of :math:`(\ln\alpha, \ln\beta)` on a grid, with its normalising constant.

    The grid is the lattice :math:`u = \text{mode} + L z`, :math:`z \in z_1 \times z_2` with
    spacing :math:`h`, and ``log_density`` holds the unnormalised log density at its points.

    Attributes
    ----------
    mode : ndarray of shape (2,)
        The mode in :math:`(\ln\alpha, \ln\beta)`.
    L : ndarray of shape (2, 2)
        Lower-triangular lattice basis (the Laplace covariance's Cholesky factor).
    z1, z2 : ndarray
        Lattice coordinates along each axis.
    spacing : float
        :math:`h`.
    log_density : ndarray of shape (len(z1), len(z2))
    log_marginal_likelihood : float
        :math:`\ln p(t) = \ln \iint p(t \mid \alpha, \beta) p(\alpha) p(\beta)\, d\alpha\, d\beta`.
    moments : dict
        Posterior ``mean_log_alpha``, ``sd_log_alpha``, ``mean_log_beta``, ``sd_log_beta``,
        ``corr_log``, ``mean_alpha``, ``mean_beta``, ``mean_sigma``.
    converged : bool
        Whether the moments settled within :data:`MOMENT_TOL` before the refinement limit.
    """

    mode: np.ndarray
    L: np.ndarray
    z1: np.ndarray
    z2: np.ndarray
    spacing: float
    log_density: np.ndarray
    log_marginal_likelihood: float
    moments: dict[str, float]
    converged: bool

    def points(self) -> np.ndarray:
        r"""Return the grid points in :math:`u = (\ln\alpha, \ln\beta)`, shape (n1 * n2, 2)."""
        return _to_u(self.mode, self.L, *np.meshgrid(self.z1, self.z2, indexing="ij"))

    def sample(
        self, density: _CollapsedDensity, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Return ``n`` exact independent draws of :math:`u = (\ln\alpha, \ln\beta)`.

        Rejection sampling from the grid: a cell is picked with probability proportional to
        an upper bound of the density on it (the largest of its corners raised by a margin),
        a point uniformly within it, and the point is kept with probability density / bound,
        the density evaluated exactly there. The kept points are draws from the posterior
        restricted to the grid (which holds all but ~e^-25 of it). Should a point ever exceed
        its cell's bound, the margin is doubled and the draws are made again.

        Returns
        -------
        u : ndarray of shape (n, 2)
        log_density : ndarray of shape (n,)
            The normalised log density of :math:`u` at each draw.
        """
        f = self.log_density
        corners = np.maximum(np.maximum(f[:-1, :-1], f[1:, :-1]), np.maximum(f[:-1, 1:], f[1:, 1:]))
        margin = 0.1
        while True:
            bound = corners + margin
            top = float(bound.max())
            weight = np.exp(bound - top).ravel()
            cumulative = np.cumsum(weight)
            kept: list[np.ndarray] = []
            kept_values: list[np.ndarray] = []
            n_kept, excess = 0, -math.inf
            while n_kept < n:
                m = max(2 * (n - n_kept), 256)
                cell = np.searchsorted(cumulative, rng.uniform(0.0, cumulative[-1], m), "right")
                cell = np.minimum(cell, weight.size - 1)
                i, j = np.divmod(cell, f.shape[1] - 1)
                offset = rng.uniform(0.0, 1.0, (m, 2))
                z1 = self.z1[i] + offset[:, 0] * self.spacing
                z2 = self.z2[j] + offset[:, 1] * self.spacing
                u = _to_u(self.mode, self.L, z1, z2)
                values = density(u)
                log_ratio = values - bound.ravel()[cell]
                excess = max(excess, float(log_ratio.max()))
                accept = np.log(rng.uniform(0.0, 1.0, m)) < log_ratio
                kept.append(u[accept])
                kept_values.append(values[accept])
                n_kept += int(accept.sum())
            if excess <= 0.0:
                log_density = np.concatenate(kept_values)[:n] - self.log_marginal_likelihood
                return np.concatenate(kept)[:n], log_density
            margin = 2.0 * (margin + excess)


def _to_u(mode: np.ndarray, L: np.ndarray, z1: np.ndarray, z2: np.ndarray) -> np.ndarray:
    z = np.stack([np.ravel(z1), np.ravel(z2)], axis=1)
    return mode[None, :] + z @ L.T


# Besides the density itself, the grid integrates alpha, beta and sigma times it (their
# posterior means). In u = (ln alpha, ln beta) those log integrands are the log density plus
# c . u with these exponents c.
_MEAN_EXPONENTS = {"alpha": (1.0, 0.0), "beta": (0.0, 1.0), "sigma": (0.0, -0.5)}


def _log_integrands(values: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Return the log density and the log integrands of the means, shape (4, K)."""
    exponents = np.asarray(list(_MEAN_EXPONENTS.values()))  # (3, 2)
    return np.concatenate([values.ravel()[None, :], values.ravel()[None, :] + exponents @ u.T])


def _edge_tops(g: np.ndarray) -> np.ndarray:
    """Largest value on each edge (low z1, high z1, low z2, high z2) of each integrand."""
    return np.stack(
        [g[:, 0, :].max(1), g[:, -1, :].max(1), g[:, :, 0].max(1), g[:, :, -1].max(1)], axis=1
    )


def _grown(
    density: _CollapsedDensity, mode: np.ndarray, L: np.ndarray, peak: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Return the lattice at the start spacing, grown until every edge is low.

    An edge is low for an integrand when its largest value lies :data:`EDGE_NATS` below the
    integrand's peak. The density's edges must all be low (else a ValueError). Once they
    are, a mean's integrand may push each side out by at most the lattice's extent again; a
    mean still high at such a side is not resolved (a prior tail as heavy as HalfCauchy's
    leaves :math:`\alpha\, p(\alpha \mid t)` flat: an infinite mean).

    Returns
    -------
    z1, z2 : ndarray
        The lattice coordinates.
    resolved : ndarray of bool, shape (4,)
        For the density (always True) and the means of alpha, beta, sigma.
    """
    h = _START_SPACING
    lo = np.full(2, -_START_HALF_WIDTH)
    counts = np.full(2, round(2 * _START_HALF_WIDTH / h) + 1)
    resolved = np.ones(4, dtype=bool)
    limits = None  # (lowest lo, highest count-end) per axis, once the density is settled
    while True:
        z1 = lo[0] + h * np.arange(counts[0])
        z2 = lo[1] + h * np.arange(counts[1])
        u = _to_u(mode, L, *np.meshgrid(z1, z2, indexing="ij"))
        g = _log_integrands(density(u), u).reshape(4, *counts)
        peaks = g.reshape(4, -1).max(axis=1)
        peaks[0] = max(peaks[0], peak)
        high = (_edge_tops(g) > peaks[:, None] - EDGE_NATS) & resolved[:, None]
        if high[0].any():
            if counts.max() >= _MAX_POINTS_PER_AXIS:
                raise ValueError(
                    "the posterior of (ln alpha, ln beta) does not fall 25 nats below its "
                    f"mode within {_MAX_POINTS_PER_AXIS * h:g} Laplace standard deviations: "
                    "the priors are too wide for the data to bound it; give alpha and the "
                    "noise proper, narrower priors (bayesfit.priors)"
                )
        elif limits is None:
            limits = (lo - (counts - 1) * h, lo + 2 * (counts - 1) * h)
        if limits is not None:  # sides a mean may not push further: that mean is unresolved
            at_limit = np.array([
                lo[0] <= limits[0][0], z1[-1] >= limits[1][0],
                lo[1] <= limits[0][1], z2[-1] >= limits[1][1],
            ])
            stuck = (high & at_limit[None, :]).any(axis=1)
            resolved &= ~stuck
            high &= resolved[:, None]
        sides = high.any(axis=0)
        if not sides.any():
            return z1, z2, resolved
        for axis in range(2):
            grow = max(4, counts[axis] // 4)
            if sides[2 * axis]:
                lo[axis] -= grow * h
                counts[axis] += grow
            if sides[2 * axis + 1]:
                counts[axis] += grow


def _moments(
    values: np.ndarray, u: np.ndarray, cell_log_area: float, resolved: np.ndarray
) -> dict[str, float]:
    """Return trapezoidal-rule moments of ``exp(values)`` at the lattice points ``u``.

    Means the lattice does not resolve are ``inf``.
    """
    weights = np.ones(values.shape)
    weights[[0, -1], :] *= 0.5
    weights[:, [0, -1]] *= 0.5
    log_w = np.log(weights).ravel()
    g = _log_integrands(values, u) + log_w[None, :]
    tops = g.max(axis=1)
    log_integrals = tops + np.log(np.exp(g - tops[:, None]).sum(axis=1)) + cell_log_area
    p = np.exp(g[0] - tops[0])
    p /= p.sum()
    mean = p @ u
    centred = u - mean
    cov = (p[:, None] * centred).T @ centred
    sd = np.sqrt(np.diag(cov))
    log_means = np.where(resolved[1:], log_integrals[1:] - log_integrals[0], np.inf)
    return {
        "log_marginal_likelihood": float(log_integrals[0]),
        "mean_log_alpha": float(mean[0]),
        "sd_log_alpha": float(sd[0]),
        "mean_log_beta": float(mean[1]),
        "sd_log_beta": float(sd[1]),
        "corr_log": float(cov[0, 1] / (sd[0] * sd[1])),
        **{f"log_mean_{k}": float(v) for k, v in zip(_MEAN_EXPONENTS, log_means, strict=True)},
    }


# Changes in these moments count relative to the posterior sd named (the others absolutely).
_RELATIVE_TO = {
    "mean_log_alpha": "sd_log_alpha",
    "sd_log_alpha": "sd_log_alpha",
    "mean_log_beta": "sd_log_beta",
    "sd_log_beta": "sd_log_beta",
}


def _moved(old: dict[str, float], new: dict[str, float]) -> float:
    """Return the largest change between two sets of moments."""
    return max(
        abs(new[k] - old[k]) / (new[_RELATIVE_TO[k]] if k in _RELATIVE_TO else 1.0)
        for k in new
        if math.isfinite(new[k])
    )


def hyper_posterior(density: _CollapsedDensity, start: np.ndarray) -> HyperPosterior:
    r"""Return the posterior of :math:`(\ln\alpha, \ln\beta)` on a converged grid.

    Parameters
    ----------
    density : _CollapsedDensity
        The collapsed log density.
    start : ndarray of shape (2,)
        Where the mode search starts (the evidence optimum in logs).

    Returns
    -------
    HyperPosterior

    Notes
    -----
    1. The mode in :math:`u = (\ln\alpha, \ln\beta)`, by L-BFGS with the analytic gradient,
       and the Laplace covariance from the Hessian (central differences of the gradient)
       give the lattice :math:`u = \text{mode} + L z`.
    2. The lattice (first :math:`\pm 6` in z, spacing 1/2) grows at any edge whose largest
       log density is less than :data:`EDGE_NATS` below the largest point: the posterior is
       heavy-tailed toward :math:`\alpha \to \infty` when the data say little about
       :math:`\alpha`, and there the prior's cut-off ends the plateau.
    3. The spacing is halved until the trapezoidal rule's :math:`\ln p(t)` and the moments
       of :math:`\ln\alpha, \ln\beta, \alpha, \beta, \sigma` move less than
       :data:`MOMENT_TOL` (the rule converges geometrically on smooth integrands that
       vanish at the edges).
    """
    mode, L = _mode(density, start)
    peak = float(density(mode[None])[0])
    z1, z2, resolved = _grown(density, mode, L, peak)
    h = _START_SPACING
    log_det = float(np.log(abs(np.linalg.det(L))))
    u = _to_u(mode, L, *np.meshgrid(z1, z2, indexing="ij"))
    values = density(u).reshape(z1.size, z2.size)
    moments = _moments(values, u, log_det + 2 * math.log(h), resolved)
    converged = False
    for _ in range(_MAX_REFINEMENTS):
        h /= 2
        z1 = z1[0] + h * np.arange(2 * z1.size - 1)
        z2 = z2[0] + h * np.arange(2 * z2.size - 1)
        u = _to_u(mode, L, *np.meshgrid(z1, z2, indexing="ij"))
        values = density(u).reshape(z1.size, z2.size)
        finer = _moments(values, u, log_det + 2 * math.log(h), resolved)
        change, moments = _moved(moments, finer), finer
        if change < MOMENT_TOL:
            converged = True
            break
    summary = {
        "mean_log_alpha": moments["mean_log_alpha"],
        "sd_log_alpha": moments["sd_log_alpha"],
        "mean_log_beta": moments["mean_log_beta"],
        "sd_log_beta": moments["sd_log_beta"],
        "corr_log": moments["corr_log"],
        "mean_alpha": math.exp(moments["log_mean_alpha"]),
        "mean_beta": math.exp(moments["log_mean_beta"]),
        "mean_sigma": math.exp(moments["log_mean_sigma"]),
    }
    return HyperPosterior(
        mode, L, z1, z2, h, values, moments["log_marginal_likelihood"], summary, converged
    )


# -- the estimator -----------------------------------------------------------------------------
class FullBayesRegression(DrawsRegressor):
    r"""Full Bayes over :math:`(w, \alpha, \beta)`: exact quadrature, or MCMC by PyMC.

    The last rung of the ladder: hyperpriors on the weight precision :math:`\alpha` and the
    noise, integrated over instead of optimised (:class:`~bayesfit.EvidenceRegression`).
    With ``weight_prior="laplace"`` it is the Bayesian lasso (Park & Casella 2008): the
    Laplace prior of :class:`~bayesfit.MAPRegression` ``(prior="laplace")``, scaled by the
    noise, with a hyperprior on its rate, sampled by Gibbs.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    likelihood : {"normal", "student_t"}, default "normal"
        The noise model; Student-t noise (scale :math:`\sigma`, degrees of freedom
        :math:`\nu` with a prior) is robust to outliers and needs MCMC.
    priors : dict, optional
        Hyperpriors as for :class:`~bayesfit.PyMCRegression`: :mod:`bayesfit.priors`
        objects under ``"alpha"``, ``"beta"`` *or* ``"sigma"``, and ``"nu"`` (Student-t);
        missing names take :data:`bayesfit.priors.DEFAULT_PRIORS`. The quadrature uses their
        SciPy densities (:meth:`~bayesfit.priors.Prior.to_scipy`), PyMC their PyMC twins.
        For ``weight_prior="laplace"``: :class:`~bayesfit.priors.Gamma` priors under
        ``"lambda"`` (on :math:`\lambda^2`, Park & Casella's conjugate choice) and ``"beta"``;
        defaults :data:`bayesfit.priors.LASSO_PRIORS`.
    prior_mean : array of shape (M,), optional
        Prior mean :math:`m_0` of the weights; zero by default.
    method : {"auto", "quadrature", "collapsed", "nuts", "gibbs"}, default "auto"
        ``"quadrature"``: exact integration over :math:`(\alpha, \beta)` on a grid and
        independent exact draws (normal likelihood). ``"collapsed"``: PyMC's NUTS on the
        same collapsed posterior, exact :math:`w` draws after. ``"nuts"``: NUTS on all of
        :math:`(w, \alpha, \beta[, \nu])`. ``"gibbs"``: the Bayesian lasso's Gibbs sampler
        (``weight_prior="laplace"`` only). ``"auto"``: ``"quadrature"`` for the normal
        likelihood, ``"nuts"`` for the Student-t, ``"gibbs"`` for the Laplace prior.
    draws : int, default 1000
        Draws per chain (for the quadrature, ``chains * draws`` independent draws arranged
        as chains, so the output has the shape of an MCMC run).
    chains : int, default 4
    random_seed : int or numpy.random.Generator, optional
        The same seed gives the same draws.
    log_likelihood : {"auto", True, False}, default "auto"
        Write the pointwise ``log_likelihood`` group for ``arviz.loo`` / ``arviz.compare``;
        ``"auto"`` writes it when it holds at most 1e7 numbers (draws x points).
    tune, cores, target_accept, progressbar, nuts_sampler
        MCMC settings, as for :class:`~bayesfit.PyMCRegression` (unused by the quadrature;
        the Gibbs sampler uses ``tune``, its warm-up sweeps per chain).
    weight_prior : {"gaussian", "laplace"}, default "gaussian"
        The prior on the weights: :math:`\mathcal N(0, \alpha^{-1} I)`, or the Laplace prior
        :math:`p(w_j \mid \sigma, \lambda) = \frac{\lambda}{2\sigma}
        e^{-\lambda |w_j|/\sigma}` on every weight but the bias (whose prior is flat).

    Attributes
    ----------
    idata_ : xarray.DataTree
        ArviZ data as :class:`~bayesfit.PyMCRegression`'s: ``posterior`` (``w`` with dims
        ``(chain, draw, feature)``, ``alpha``, ``beta``, ``sigma``[, ``nu``]; for the
        Laplace prior also ``lambda``, and ``alpha`` is the Laplace rate
        :math:`\lambda/\sigma`, :class:`~bayesfit.MAPRegression`'s ``alpha``),
        ``observed_data``, ``log_likelihood`` (see ``log_likelihood``) and
        ``sample_stats`` (for the quadrature ``lp``, the normalised log posterior density
        of :math:`(\ln\alpha, \ln\beta)` at each draw; MCMC's own statistics otherwise).
    coef_ : ndarray of shape (M,)
        Posterior mean of the weights (of the draws).
    alpha_, beta_ : float
        Posterior means of the precisions: exact (by quadrature) for ``"quadrature"``, of
        the draws otherwise.
    log_marginal_likelihood_ : float
        :math:`\ln p(t)`, the evidence with the hyperparameters integrated out (quadrature
        only; NaN for MCMC and Gibbs).
    method_ : str
        The method that ran.
    priors_ : dict
        The priors used, defaults filled in.
    basis_, n_features_in_, feature_names_in_
        As in :class:`~bayesfit.MLERegression`.

    Notes
    -----
    With :math:`u = (\ln\alpha, \ln\beta)` the collapsed log density is

    .. math::

        \ln p(u \mid t) = \ln p(t \mid \alpha, \beta) + \ln p(\alpha) + \ln p(\beta)
            + \ln\alpha + \ln\beta - \ln p(t),

    the evidence (PRML eq. 3.86, an :math:`O(M)` function of :math:`(\alpha, \beta)` given
    the eigendecomposition of :math:`\Phi^T\Phi`) plus the log priors and the Jacobian. Its
    mode (analytic gradient), the Laplace scales from the Hessian, a grid grown until its
    edges are 25 nats below the mode and refined until the moments settle give
    :math:`\ln p(t)` by the trapezoidal rule (:func:`hyper_posterior`). Draws of
    :math:`(\alpha, \beta)` by rejection from the grid's cells are exact and independent
    (effective sample size = number of draws), and each gets an exact
    :math:`w \sim \mathcal N(m_N, S_N)` (PRML eqs. 3.53-3.54). The data enter once, through
    the sufficient statistics :math:`(\Phi^T\Phi, \Phi^T t, t^T t, N)`, computed in the
    input's array namespace (a GPU's, say); the rest is :math:`O(M^3)` on the host. A prior
    mean :math:`m_0` is handled by shifting the statistics to those of :math:`t - \Phi m_0`.

    The Bayesian lasso writes the Laplace prior as a scale mixture of normals and samples
    :math:`(\beta, w)` given the mixing scales, then the scales, then :math:`\lambda^2`
    (:mod:`bayesfit._bayesian_lasso`): every step uses only the sufficient statistics, so a
    draw costs :math:`O(M^3)` whatever :math:`N`. Its chains are checked as MCMC's are
    (R-hat, bulk ESS: a :class:`~bayesfit.ConvergenceWarning` names the remedy).

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.linear(30, seed=0)
    >>> model = bf.FullBayesRegression(random_seed=0).fit(x, t)
    >>> model.method_, model.idata_["posterior"]["w"].dims
    ('quadrature', ('chain', 'draw', 'feature'))
    >>> [round(float(v), 1) for v in model.coef_]  # the truth is (-0.3, 0.5)
    [-0.3, 0.5]
    >>> lasso = bf.FullBayesRegression(weight_prior="laplace", random_seed=0).fit(x, t)
    >>> lasso.method_, sorted(lasso.idata_["posterior"].data_vars)
    ('gibbs', ['alpha', 'beta', 'lambda', 'sigma', 'w'])
    """

    _scalar_state = ("alpha_", "beta_", "log_marginal_likelihood_")
    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **DrawsRegressor._parameter_constraints,
        **SAMPLER_CONSTRAINTS,
        "method": [Options(("auto", "quadrature", "collapsed", "nuts", "gibbs"))],
        "weight_prior": [Options(WEIGHT_PRIORS)],
    }

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        likelihood: str = "normal",
        priors: dict[str, Any] | None = None,
        prior_mean: Any = None,
        method: str = "auto",
        draws: int = 1000,
        chains: int = 4,
        random_seed: int | np.random.Generator | None = None,
        log_likelihood: bool | str = "auto",
        tune: int = 1000,
        cores: int | None = None,
        target_accept: float = 0.8,
        progressbar: bool = True,
        nuts_sampler: str = "pymc",
        weight_prior: str = "gaussian",
    ):
        self.basis = basis
        self.likelihood = likelihood
        self.priors = priors
        self.prior_mean = prior_mean
        self.method = method
        self.draws = draws
        self.chains = chains
        self.random_seed = random_seed
        self.log_likelihood = log_likelihood
        self.tune = tune
        self.cores = cores
        self.target_accept = target_accept
        self.progressbar = progressbar
        self.nuts_sampler = nuts_sampler
        self.weight_prior = weight_prior

    @unchanged_on_error
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Integrate (or sample) the posterior of the weights and the hyperparameters.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
            Inputs, in any array namespace: the quadrature computes the sufficient
            statistics there (in float64) and works on the host after.
        y : array_like of shape (n_samples,)
            Targets.
        sample_weight : array_like of shape (n_samples,), optional
            Frequency weights (an integer weight is a repeated row), folded into the
            sufficient statistics (the quadrature and ``"collapsed"``) or multiplying each
            point's log-likelihood (``"nuts"``).

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            For bad data or settings (invalid priors, ``"quadrature"`` or ``"collapsed"``
            with the Student-t likelihood, a ``prior_mean`` of the wrong shape), before any
            work.
        """
        validate_params(self, self._parameter_constraints)
        self._resolved_method()
        resolve_priors(self.priors, self.likelihood, self.weight_prior)
        return super().fit(X, y, sample_weight)

    def _resolved_method(self) -> str:
        if self.weight_prior == "laplace":
            if self.likelihood != "normal":
                raise ValueError(
                    "weight_prior='laplace' (the Bayesian lasso) needs likelihood='normal': "
                    "its Gibbs sampler draws the weights from a normal conditional"
                )
            if self.method not in ("auto", "gibbs"):
                raise ValueError(
                    f"weight_prior='laplace' is sampled by method='gibbs' (or 'auto'); got "
                    f"method={self.method!r}"
                )
            if self.prior_mean is not None:
                raise ValueError(
                    "prior_mean is the Gaussian prior's mean; the Laplace prior is centred "
                    "at 0: leave prior_mean=None with weight_prior='laplace'"
                )
            return "gibbs"
        if self.method == "gibbs":
            raise ValueError(
                "method='gibbs' samples the Bayesian lasso: set weight_prior='laplace' (the "
                "Gaussian prior's posterior is integrated exactly by method='quadrature')"
            )
        if self.method == "auto":
            return "quadrature" if self.likelihood == "normal" else "nuts"
        if self.method in ("quadrature", "collapsed") and self.likelihood != "normal":
            raise ValueError(
                f"method={self.method!r} integrates the weights out, which needs the normal "
                "likelihood; use method='nuts' (or 'auto') for likelihood='student_t'"
            )
        return self.method

    def _fit_inputs(self, X: Any, t: Any, w: Any, *, xp: Any) -> None:
        method = self._resolved_method()
        if method == "quadrature":
            self._fit_quadrature(X, t, w, xp=xp)
        elif method == "gibbs":
            self._fit_gibbs(X, t, w, xp=xp)
        else:
            self._fit_mcmc(X, t, w, method)

    def _fit_mcmc(self, X: Any, t: Any, w: Any, method: str) -> None:
        from bayesfit.pymc_models import PyMCRegression

        engine = PyMCRegression(
            basis=self.basis_,
            **{name: getattr(self, name) for name in SAMPLER_CONSTRAINTS},
            method=method,
        )
        engine.fit(X, t, sample_weight=w)
        idata = engine.idata_
        idata["posterior"] = idata["posterior"].to_dataset().assign_coords(
            feature=self._feature_names()
        )
        self._set_draws(idata, method, engine.priors_)
        self.log_marginal_likelihood_ = math.nan
        self.stats_ = engine.stats_

    def _host_stats(self, X: Any, t: Any, w: Any, *, xp: Any) -> SufficientStats:
        """Return the checked float64 sufficient statistics of the data, on the host."""
        with quiet_overflow():  # an overflowing design is reported by _checked_stats
            features = self.basis_._design(X, bias=False)
        if features.dtype != xp.float64:  # float32 sums of squares lose the digits needed
            features, t = xp.astype(features, xp.float64), xp.astype(t, xp.float64)
            w = None if w is None else xp.astype(w, xp.float64)
        stats = SufficientStats.from_design(
            features, t, bias=self.basis_.bias, xp=xp, sample_weight=w
        )
        self._checked_stats(stats, X, t, xp=xp)
        # the sampler works on the host; the summary's residual figures too, beside coef_
        return SufficientStats(to_numpy(stats.xtx), to_numpy(stats.xty), float(stats.yty), stats.n)

    def _fit_quadrature(self, X: Any, t: Any, w: Any, *, xp: Any) -> None:
        import xarray as xr

        stats = self._host_stats(X, t, w, xp=xp)
        priors = resolve_priors(self.priors, self.likelihood)
        rng = check_random_state(self.random_seed, "random_seed")
        hyper, posterior, lp = self._quadrature_draws(stats, priors, rng)
        attrs = {"method": "quadrature", "log_marginal_likelihood": hyper.log_marginal_likelihood}
        t_host = to_numpy(t).astype(np.float64, copy=False)
        idata = xr.DataTree.from_dict(
            {
                "posterior": draws_group(posterior, self._feature_names(), attrs),
                "sample_stats": draws_group({"lp": lp}),
                "observed_data": observed_group(t_host),
            }
        )
        self._set_draws(idata, "quadrature", priors)
        self.alpha_ = hyper.moments["mean_alpha"]
        self.beta_ = hyper.moments["mean_beta"]
        self.log_marginal_likelihood_ = hyper.log_marginal_likelihood
        self._store_log_likelihood(X, t_host)
        self.stats_ = stats

    def _fit_gibbs(self, X: Any, t: Any, w: Any, *, xp: Any) -> None:
        import xarray as xr

        from bayesfit.pymc_models import convergence_warnings

        stats = self._host_stats(X, t, w, xp=xp)
        priors = resolve_priors(self.priors, self.likelihood, "laplace")
        unpenalized = (0,) if self.basis_.bias else ()
        if not stats.n > len(unpenalized):
            raise ValueError(
                f"weight_prior='laplace' needs more samples than flat-prior weights (the "
                f"bias): got {stats.n:g} sample{'' if stats.n == 1 else 's'} for "
                f"{len(unpenalized)}, which leaves nothing to learn the noise from"
            )
        draws = gibbs_bayesian_lasso(
            stats.xtx, stats.xty, float(stats.yty), stats.n,
            unpenalized=unpenalized,
            lambda2_prior=(priors["lambda"].a, priors["lambda"].b),
            beta_prior=(priors["beta"].a, priors["beta"].b),
            draws=self.draws, tune=self.tune, chains=self.chains,
            rng=check_random_state(self.random_seed, "random_seed"),
        )
        draws["alpha"] = draws["lambda"] / draws["sigma"]  # the Laplace rate: MAP's alpha
        t_host = to_numpy(t).astype(np.float64, copy=False)
        idata = xr.DataTree.from_dict(
            {
                "posterior": draws_group(draws, self._feature_names(), {"method": "gibbs"}),
                "observed_data": observed_group(t_host),
            }
        )
        for message in convergence_warnings(idata, collapsed_remedy=False):
            warn(message, ConvergenceWarning)
        self._set_draws(idata, "gibbs", priors)
        self.log_marginal_likelihood_ = math.nan
        self._store_log_likelihood(X, t_host)
        self.stats_ = stats

    def _quadrature_draws(
        self, stats: SufficientStats, priors: dict[str, Prior], rng: np.random.Generator
    ) -> tuple[HyperPosterior, dict[str, np.ndarray], np.ndarray]:
        r"""Integrate the collapsed posterior of these statistics and draw from it.

        Returns the grid, the posterior draws shaped (chains, draws[, M]) and the normalised
        log density of :math:`(\ln\alpha, \ln\beta)` at each draw; ``stats`` are on the host.
        """
        M = stats.xtx.shape[0]
        m0 = self._prior_mean(M)
        shifted = _shifted(stats, m0)
        eig = Eigen.of(shifted, xp=np_xp)
        on_sigma = "sigma" in priors
        density = _CollapsedDensity(
            eig, priors["alpha"], priors["sigma" if on_sigma else "beta"], on_sigma
        )
        start = np.log(np.asarray(evidence_start(shifted, xp=np_xp)))
        with warnings.catch_warnings():  # -inf or NaN far out in the tails is expected
            warnings.simplefilter("ignore", RuntimeWarning)
            hyper = hyper_posterior(density, start)
            u, lp = hyper.sample(density, self.chains * self.draws, rng)
        if not hyper.converged:
            warn(
                "the quadrature over (ln alpha, ln beta) did not settle within "
                f"{_MAX_REFINEMENTS} refinements (moments still moving by more than "
                f"{MOMENT_TOL:g}); the draws are exact, ln p(t) and the moments less "
                "accurate; use better-conditioned data or method='collapsed'",
                NumericalWarning,
            )
        alpha, beta = np.exp(u[:, 0]), np.exp(u[:, 1])
        z = rng.standard_normal((alpha.shape[0], M))
        w = m0 + eigen_weight_draws(eig, alpha, beta, z, xp=np_xp)
        shape = (self.chains, self.draws)
        posterior = {
            "w": w.reshape(*shape, M),
            "alpha": alpha.reshape(shape),
            "beta": beta.reshape(shape),
            "sigma": (beta**-0.5).reshape(shape),
        }
        return hyper, posterior, lp.reshape(shape)

    def _model_statistics(self) -> dict[str, Any]:
        # the evidence with the hyperparameters integrated out, p(t) = int p(t | a, b) p(a, b)
        return {**super()._model_statistics(), "log_evidence": self.log_marginal_likelihood_}

    def _summary_statistics(self) -> dict[str, Any]:
        statistics = super()._summary_statistics()
        post = self.idata_["posterior"]
        if "lambda" in post.data_vars:  # the Bayesian lasso's rate, the posterior mean
            statistics["lambda"] = float(post["lambda"].values.mean())
        return statistics


def _shifted(stats: SufficientStats, m0: np.ndarray) -> SufficientStats:
    r"""Return the statistics of :math:`t - \Phi m_0` (the same :math:`\Phi^T\Phi`)."""
    if not np.any(m0):
        return stats
    xtx_m0 = stats.xtx @ m0
    return SufficientStats(
        stats.xtx,
        stats.xty - xtx_m0,
        stats.yty - 2.0 * float(m0 @ stats.xty) + float(m0 @ xtx_m0),
        stats.n,
    )


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
