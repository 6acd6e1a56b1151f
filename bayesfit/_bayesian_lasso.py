r"""The Bayesian lasso (Park & Casella 2008): a Gibbs sampler on the sufficient statistics.

The model, with the noise precision :math:`\beta = 1/\sigma^2` and the penalized weights
:math:`P` (all but the unpenalized ones :math:`U`, the bias by default, whose prior is flat):

.. math::

    t \mid w, \sigma^2 &\sim \mathcal N(\Phi w, \sigma^2 I), \qquad
    w_j \mid \sigma^2, \lambda \sim \text{Laplace}(0, \sigma/\lambda)
    = \frac{\lambda}{2\sigma} e^{-\lambda |w_j|/\sigma} \quad (j \in P), \\
    \lambda^2 &\sim \text{Gamma}(r, \delta), \qquad \beta \sim \text{Gamma}(a, b),

the Laplace prior scaled by the noise as Park & Casella's (which keeps the posterior unimodal).
Written as a scale mixture of normals (Andrews & Mallows 1974),
:math:`w_j \mid \sigma^2, \tau_j^2 \sim \mathcal N(0, \sigma^2\tau_j^2)` with
:math:`\tau_j^2 \sim \text{Exp}(\lambda^2/2)`, every full conditional is standard. With
:math:`D_\tau^{-1} = \operatorname{diag}(1/\tau_j^2)` (0 for :math:`j \in U`) and
:math:`A = \Phi^T\Phi + D_\tau^{-1} = L L^T`, one sweep draws

.. math::

    \beta \mid \tau, t &\sim \text{Gamma}\big(a + \tfrac{N - |U|}2,\;
        b + \tfrac12 (t^Tt - c^Tc)\big), \quad c = L^{-1}\Phi^T t, \\
    w \mid \beta, \tau, t &\sim \mathcal N\big(L^{-T}c,\; \beta^{-1} A^{-1}\big)
        = L^{-T}(c + \beta^{-1/2} z), \\
    1/\tau_j^2 \mid w, \beta, \lambda &\sim
        \text{InverseGaussian}\big(\lambda\sigma/|w_j|,\; \lambda^2\big), \\
    \lambda^2 \mid \tau &\sim \text{Gamma}\big(r + |P|,\; \delta + \tfrac12\textstyle\sum_j
        \tau_j^2\big).

The first two lines draw :math:`(\beta, w)` jointly given :math:`\tau` (``w`` integrated out
of :math:`\beta`'s conditional): the two-block sampler of Rajaratnam, Sparks, Khare & Zhang
(2019), which mixes faster than Park & Casella's three-block original and has the same
stationary distribution. Each sweep needs only :math:`\Phi^T\Phi, \Phi^T t, t^T t, N`: one
Cholesky factorisation of an :math:`M \times M` matrix, so its cost does not grow with
:math:`N`. The chains run side by side, batched. This module works on the host, in NumPy
float64, as the draws do.
"""

from __future__ import annotations

import array_api_compat.numpy as np_xp
import numpy as np

from bayesfit._linalg import cholesky, solve_lower, solve_lower_transpose

__all__ = ["gibbs_bayesian_lasso"]


def gibbs_bayesian_lasso(
    xtx: np.ndarray,
    xty: np.ndarray,
    yty: float | np.ndarray,
    n: float,
    *,
    unpenalized: tuple[int, ...],
    lambda2_prior: tuple[float, float],
    beta_prior: tuple[float, float],
    draws: int,
    tune: int,
    chains: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    r"""Return posterior draws of the Bayesian lasso by Gibbs sampling.

    Parameters
    ----------
    xtx, xty, yty, n
        The sufficient statistics :math:`\Phi^T\Phi` (M, M), :math:`\Phi^T t` (M,),
        :math:`t^T t` and :math:`N`, float64 on the host. A leading axis of length
        ``chains`` on ``xtx``, ``xty`` and ``yty`` gives every chain its own data set (of the
        same N): independent problems sampled side by side, as simulation studies want.
    unpenalized : tuple of int
        The weights with a flat prior (the bias).
    lambda2_prior, beta_prior : (shape, rate)
        The Gamma priors on :math:`\lambda^2` and on the noise precision :math:`\beta`.
    draws, tune, chains : int
        Kept draws per chain, discarded warm-up sweeps, independent chains.
    rng : numpy.random.Generator
        The only source of randomness: the same generator state gives the same draws.

    Returns
    -------
    dict
        ``w`` (chains, draws, M); ``beta``, ``sigma`` and ``lambda`` (chains, draws).

    Raises
    ------
    ValueError
        When :math:`\Phi^T\Phi` restricted to the unpenalized weights is singular (their
        flat prior then leaves the posterior improper).
    """
    M = xtx.shape[-1]
    penalized = np.ones(M, dtype=bool)
    penalized[list(unpenalized)] = False
    r, delta = lambda2_prior
    a, b = beta_prior
    if unpenalized:
        idx = np.asarray(unpenalized)
        cholesky(
            xtx[..., idx[:, None], idx[None, :]],
            "Phi^T Phi of the unpenalized weights (the bias)",
            xp=np_xp,
            remedy="; their flat prior then gives an improper posterior",
        )
    beta_shape = a + 0.5 * (n - len(unpenalized))

    # Start each chain from its own prior-like draw of 1/tau^2, so that the chains differ.
    P = np.flatnonzero(penalized)
    inv_tau2 = np.zeros((chains, M))
    inv_tau2[:, P] = rng.exponential(1.0, size=(chains, P.size)) + 0.5
    lam2 = np.full(chains, r / delta if delta > 0 else 1.0)
    out_w = np.empty((chains, draws, M))
    out_beta = np.empty((chains, draws))
    out_lam2 = np.empty((chains, draws))
    gram = np.broadcast_to(xtx, (chains, M, M))
    rhs = np.broadcast_to(xty, (chains, M))
    A = np.empty((chains, M, M))
    diagonal = np.arange(M)
    tiny = np.finfo(np.float64).tiny
    for sweep in range(tune + draws):
        np.copyto(A, gram)
        A[:, diagonal, diagonal] += inv_tau2
        L = cholesky(
            A, "Phi^T Phi + D_tau^-1", xp=np_xp,
            remedy=" (a draw of the noise precision or of the mixing scales under- or "
            "overflowed): give the noise precision a proper Gamma prior, or rescale the data",
        )
        c = solve_lower(L, rhs, xp=np_xp)
        quad = np.maximum(yty - np.einsum("cm,cm->c", c, c), 0.0)
        beta = rng.gamma(beta_shape, 1.0 / (b + 0.5 * quad))
        sigma = 1.0 / np.sqrt(beta)
        z = rng.standard_normal((chains, M))
        w = solve_lower_transpose(L, c + z * sigma[:, None], xp=np_xp)
        lam = np.sqrt(lam2)
        mean = (lam * sigma)[:, None] / np.maximum(np.abs(w[:, P]), tiny)
        inv_tau2[:, P] = rng.wald(mean, np.broadcast_to(lam2[:, None], mean.shape))
        tau2_sum = np.sum(1.0 / inv_tau2[:, P], axis=1)
        lam2 = rng.gamma(r + P.size, 1.0 / (delta + 0.5 * tau2_sum))
        if sweep >= tune:
            k = sweep - tune
            out_w[:, k], out_beta[:, k], out_lam2[:, k] = w, beta, lam2
    return {
        "w": out_w,
        "beta": out_beta,
        "sigma": 1.0 / np.sqrt(out_beta),
        "lambda": np.sqrt(out_lam2),
    }


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
