r"""Array kernels of the conjugate linear-Gaussian model, on sufficient statistics.

Everything Bayesian linear regression needs from the data is

.. math::

    \Phi^T \Phi, \quad \Phi^T t, \quad t^T t, \quad N,

which are sums over rows: computed once, merged exactly across chunks. These kernels take
them (and ``xp``, keyword-only) and know nothing of estimators, bases or labels.

The evidence of PRML section 3.5 is written once, here: :class:`Eigen` holds the
eigendecomposition of :math:`\Phi^T\Phi` that every evaluation reuses,
:func:`evidence_at` gives :math:`\gamma`, :math:`E_W`, :math:`E_D` and the log evidence at
any :math:`(\alpha, \beta)`, and :func:`eigen_posterior_mean` the posterior mean in the
eigenbasis. :func:`evidence_fit` (EvidenceRegression), the comparison table and the collapsed
PyMC model (with ``xp=pytensor.tensor``) all call them.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import array_api_compat
from threadpoolctl import ThreadpoolController

from bayesfit._linalg import cholesky, cholesky_inverse, logdet_from_cholesky, solve_lower
from bayesfit._warnings import warn
from bayesfit.exceptions import BayesfitWarning, ConvergenceWarning, NumericalWarning

__all__ = [
    "Eigen",
    "EvidenceFit",
    "EvidenceTerms",
    "QRStats",
    "SufficientStats",
    "eigen_posterior_mean",
    "eigen_weight_draws",
    "evidence_at",
    "evidence_fit",
    "evidence_start",
    "gram",
    "least_squares",
    "posterior_from_stats",
]

_LOG_2PI = math.log(2.0 * math.pi)


_PARALLEL_ROWS = 100_000  # below this, thread start-up costs more than it saves


@functools.cache
def _blas_controller() -> ThreadpoolController:
    # Scanning the loaded BLAS libraries costs ~5 ms: once per process, not once per chunk.
    return ThreadpoolController()


@functools.cache
def _thread_pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="bayesfit-gram")


# A forked child (multiprocessing, PyMC's parallel chains) inherits the pool object but not its
# threads: work submitted there would wait forever. The child builds its own on first use.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_thread_pool.cache_clear)


def gram(F: Any, t: Any, *, xp: ModuleType) -> tuple[Any, Any]:
    r"""Return :math:`F^T F` and :math:`F^T t`.

    On NumPy, tall designs are cut into row blocks summed on one Python thread per core, each
    with a single BLAS thread: OpenBLAS's own threading of ``X.T @ X`` runs at a fraction of
    the GEMM peak on these machines and degrades badly when the cores are shared
    (benchmarks/README.md). The sum over blocks is exact up to round-off, like any chunking.
    """
    n = F.shape[0]
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if not array_api_compat.is_numpy_namespace(xp) or workers < 2 or n < _PARALLEL_ROWS:
        return xp.matrix_transpose(F) @ F, t @ F
    bounds = [n * i // (4 * workers) for i in range(4 * workers + 1)]
    blocks = [(F[a:b], t[a:b]) for a, b in itertools.pairwise(bounds)]
    with _blas_controller().limit(limits=1):
        parts = list(_thread_pool(workers).map(lambda ft: (ft[0].T @ ft[0], ft[1] @ ft[0]), blocks))
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


@dataclass(frozen=True)
class SufficientStats:
    r"""The sufficient statistics :math:`(\Phi^T\Phi, \Phi^T t, t^T t, N)` of a data set."""

    xtx: Any
    xty: Any
    yty: Any
    n: int

    @classmethod
    def from_design(cls, F: Any, t: Any, *, bias: bool, xp: ModuleType) -> SufficientStats:
        r"""Compute the statistics of :math:`\Phi = [1, F]` (``bias``) or :math:`\Phi = F`.

        The bias column's blocks are column sums, so :math:`\Phi` is never materialised:
        at N = 1e6 that copy would cost as much as the Gram matrix itself.
        """
        FtF, Ftt = gram(F, t, xp=xp)
        n = int(F.shape[0])
        if bias:  # the blocks of [1, F]^T [1, F] that involve the bias column
            col_sum = xp.sum(F, axis=0)
            n_arr = xp.asarray([[n]], dtype=F.dtype, device=array_api_compat.device(F))
            FtF = xp.concat(
                [
                    xp.concat([n_arr, col_sum[None, :]], axis=1),
                    xp.concat([col_sum[:, None], FtF], axis=1),
                ],
                axis=0,
            )
            Ftt = xp.concat([xp.sum(t)[None], Ftt])
        return cls(xtx=FtF, xty=Ftt, yty=xp.vecdot(t, t), n=n)

    def __add__(self, other: SufficientStats) -> SufficientStats:
        """Merge the statistics of two disjoint data sets (exact: they are sums)."""
        return SufficientStats(
            self.xtx + other.xtx, self.xty + other.xty, self.yty + other.yty, self.n + other.n
        )


def _with_bias(F: Any, *, xp: ModuleType) -> Any:
    ones = xp.ones((F.shape[0], 1), dtype=F.dtype, device=array_api_compat.device(F))
    return xp.concat([ones, F], axis=1)


@dataclass(frozen=True)
class QRStats:
    r"""The least-squares statistics :math:`(R, Q^T t, t^T t, N)` from :math:`\Phi = QR`.

    The MLE has no prior to repair the conditioning, so it must not go through
    :math:`\Phi^T\Phi` (whose condition number is the square of :math:`\Phi`'s). The R factor
    is the stable sufficient statistic instead: stacking two R factors and taking the R of the
    stack gives the R of the stacked data (TSQR), so chunks merge exactly.
    """

    R: Any
    qty: Any
    yty: Any
    n: int

    @classmethod
    def from_design(cls, F: Any, t: Any, *, bias: bool, xp: ModuleType) -> QRStats:
        r"""Compute the statistics of :math:`\Phi = [1, F]` (``bias``) or :math:`\Phi = F`."""
        Phi = _with_bias(F, xp=xp) if bias else F
        Q, R = xp.linalg.qr(Phi)
        return cls(R=R, qty=t @ Q, yty=xp.vecdot(t, t), n=int(Phi.shape[0]))

    def __add__(self, other: QRStats) -> QRStats:
        """Merge two disjoint data sets: the R of the stacked R factors (exact)."""
        xp = array_api_compat.array_namespace(self.R, other.R)
        Q, R = xp.linalg.qr(xp.concat([self.R, other.R], axis=0))
        qty = xp.concat([self.qty, other.qty]) @ Q
        return QRStats(R=R, qty=qty, yty=self.yty + other.yty, n=self.n + other.n)


def least_squares(stats: QRStats, *, xp: ModuleType) -> tuple[Any, int, Any, float]:
    r"""Minimum-norm least squares from :math:`R = U \Sigma V^T`: :math:`w = V\Sigma^+ U^T Q^T t`.

    Singular values below ``eps * max(N, M) * s_max`` (LAPACK's ``gelsd`` default) count as
    zero; they are the singular values of :math:`\Phi` itself, since :math:`Q` is orthonormal.

    Returns
    -------
    w : array of shape (M,)
    rank : int
    singular_values : array
    rss : float
        :math:`\lVert t - \Phi w\rVert^2` from the statistics: :math:`t^Tt - \lVert Q^Tt
        \rVert^2` (clipped at 0) plus what the dropped directions leave unexplained.
    """
    U, s, Vt = xp.linalg.svd(stats.R, full_matrices=False)
    eps = xp.finfo(stats.R.dtype).eps
    cutoff = eps * max(stats.n, stats.R.shape[1]) * s[0]
    keep = s > cutoff
    rank = int(xp.sum(xp.astype(keep, xp.int32)))
    s_inv = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0)
    c = stats.qty @ U
    w = xp.matrix_transpose(Vt) @ (s_inv * c)
    dropped = xp.where(keep, 0.0, c)
    outside = max(float(stats.yty) - float(xp.vecdot(stats.qty, stats.qty)), 0.0)
    return w, rank, s, outside + float(xp.vecdot(dropped, dropped))


def _prior_terms(alpha: float, M: int, prior_mean: Any, prior_cov: Any, *, xp: ModuleType, dtype):
    """Prior precision, precision-times-mean and log det of the prior covariance."""
    if prior_cov is None:
        P0 = alpha * xp.eye(M, dtype=dtype)
        logdet_S0 = -M * math.log(alpha)
    else:
        L0 = cholesky(prior_cov, "prior_cov", xp=xp)
        P0 = cholesky_inverse(L0, xp=xp)
        logdet_S0 = float(logdet_from_cholesky(L0, xp=xp))
    h0 = None if prior_mean is None else P0 @ prior_mean
    return P0, h0, logdet_S0


def posterior_from_stats(
    stats: SufficientStats,
    alpha: float,
    beta: float,
    *,
    prior_mean: Any = None,
    prior_cov: Any = None,
    xp: ModuleType,
) -> tuple[Any, Any, float]:
    r"""Posterior mean, covariance and log evidence for fixed :math:`\alpha, \beta`.

    Notes
    -----
    With prior :math:`\mathcal N(m_0, S_0)` (default :math:`m_0 = 0, S_0 = \alpha^{-1} I`):

    .. math::

        S_N^{-1} &= S_0^{-1} + \beta \Phi^T\Phi, \qquad
        m_N = S_N (S_0^{-1} m_0 + \beta \Phi^T t), \\
        \ln p(t) &= \tfrac N2 \ln \tfrac{\beta}{2\pi} - \tfrac12 \ln|S_0| + \tfrac12 \ln|S_N|
            - \tfrac12 \left(\beta t^T t + m_0^T S_0^{-1} m_0 - m_N^T S_N^{-1} m_N\right).

    With the default prior the last line is PRML eq. 3.86.
    """
    M = stats.xtx.shape[0]
    dtype = stats.xtx.dtype
    P0, h0, logdet_S0 = _prior_terms(alpha, M, prior_mean, prior_cov, xp=xp, dtype=dtype)
    precision = P0 + beta * stats.xtx
    h = beta * stats.xty if h0 is None else h0 + beta * stats.xty
    L = cholesky(
        precision,
        "the posterior precision S_0^-1 + beta Phi^T Phi",
        xp=xp,
        remedy=" (in floating point); increase alpha or use a better conditioned basis",
    )
    cov = cholesky_inverse(L, xp=xp)
    z = solve_lower(L, h, xp=xp)  # m_N = L^-T z, and m_N^T S_N^-1 m_N = z^T z
    mean = cov @ h
    logdet_SN = -float(logdet_from_cholesky(L, xp=xp))
    quad = beta * float(stats.yty) - float(xp.vecdot(z, z))
    if h0 is not None:
        quad += float(xp.vecdot(prior_mean, h0))
    log_ev = 0.5 * (stats.n * (math.log(beta) - _LOG_2PI) - logdet_S0 + logdet_SN - quad)
    return mean, cov, log_ev


@dataclass(frozen=True)
class Eigen:
    r"""The eigendecomposition of :math:`\Phi^T\Phi` that every evidence evaluation reuses.

    Attributes
    ----------
    lam : array of shape (M,)
        Eigenvalues :math:`\lambda_i` of :math:`\Phi^T\Phi` (not of
        :math:`\beta\Phi^T\Phi`), clipped at 0.
    V : array of shape (M, M)
        Eigenvectors, as columns.
    b : array of shape (M,)
        :math:`V^T \Phi^T t`, zero in the directions that are not ``positive``.
    rss_ml : float
        The least-squares residual :math:`t^Tt - \sum_i b_i^2/\lambda_i`, clipped at 0.
    positive : array of bool, shape (M,)
        Eigen-directions with :math:`\lambda_i` above round-off.
    lam_max : float
        The largest eigenvalue.
    n : int or float
        The number of data points N.
    """

    lam: Any
    V: Any
    b: Any
    rss_ml: Any
    positive: Any
    lam_max: Any
    n: Any

    @classmethod
    def of(cls, stats: SufficientStats, *, xp: ModuleType) -> Eigen:
        r"""Decompose the statistics' :math:`\Phi^T\Phi` (one ``eigh``, :math:`O(M^3)`)."""
        lam, V = xp.linalg.eigh(stats.xtx)
        lam = xp.clip(lam, 0.0, None)
        eps = float(xp.finfo(lam.dtype).eps)
        positive = lam > eps * lam.shape[0] * float(xp.max(lam))
        b = stats.xty @ V
        safe = xp.where(positive, lam, 1.0)
        explained = float(xp.sum(xp.where(positive, b * b / safe, 0.0)))
        rss_ml = max(float(stats.yty) - explained, 0.0)
        return cls(
            lam, V, xp.where(positive, b, 0.0), rss_ml, positive, float(xp.max(lam)), stats.n
        )


class EvidenceTerms(NamedTuple):
    r"""The terms of the log evidence at given :math:`(\alpha, \beta)` (PRML 3.82-3.86, 3.91).

    Each field has the shape of the :math:`\alpha, \beta` it was evaluated at.
    """

    gamma: Any  #: effective number of parameters, sum_i beta lam_i / (alpha + beta lam_i)
    E_W: Any  #: 1/2 m_N^T m_N
    E_D: Any  #: 1/2 ||t - Phi m_N||^2
    log_evidence: Any  #: ln p(t | alpha, beta)


def eigen_posterior_mean(eig: Eigen, alpha: Any, beta: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`V^T m_N`, the posterior mean in the eigenbasis of :math:`\Phi^T\Phi`.

    ``alpha`` and ``beta`` of shape (K,) give shape (K, M); with :math:`A = \alpha I +
    \beta\Phi^T\Phi` diagonal in that basis,

    .. math::

        V^T m_N = \frac{\beta\, b}{\alpha + \beta\lambda}, \qquad b = V^T\Phi^T t
        \quad \text{(PRML eq. 3.53)}.

    The weights themselves are ``c @ V.T`` (for the rows of c).
    """
    return beta[:, None] * eig.b / (alpha[:, None] + beta[:, None] * eig.lam)


def eigen_weight_draws(eig: Eigen, alpha: Any, beta: Any, z: Any, *, xp: ModuleType) -> Any:
    r"""Return exact draws :math:`w \sim \mathcal N(m_N, S_N)`, one per :math:`(\alpha, \beta)`.

    ``alpha`` and ``beta`` of shape (K,) and standard normals ``z`` of shape (K, M) give
    weights of shape (K, M). In the eigenbasis of :math:`\Phi^T\Phi` the posterior
    covariance :math:`S_N = A^{-1}` is diagonal (PRML eqs. 3.53-3.54):

    .. math::

        w = V\,\frac{\beta b + z\sqrt{\alpha + \beta\lambda}}{\alpha + \beta\lambda},
        \qquad z \sim \mathcal N(0, I).

    Draws of :math:`(\alpha, \beta)` from their posterior (MCMC or the quadrature of
    :class:`~bayesfit.FullBayesRegression`) turned into weights this way are draws from the
    joint posterior :math:`p(w, \alpha, \beta \mid t)`.
    """
    mean = eigen_posterior_mean(eig, alpha, beta, xp=xp)
    scale = 1.0 / xp.sqrt(alpha[:, None] + beta[:, None] * eig.lam)
    return (mean + z * scale) @ xp.matrix_transpose(eig.V)


def evidence_at(eig: Eigen, alpha: Any, beta: Any, *, xp: ModuleType) -> EvidenceTerms:
    r"""Return :math:`\gamma, E_W, E_D` and the log evidence at each :math:`(\alpha, \beta)`.

    Parameters
    ----------
    eig : Eigen
        The eigen-statistics of the data.
    alpha, beta : arrays of shape (K,)
        Precisions; the K pairs are evaluated together, :math:`O(KM)`.
    xp : module
        An array namespace, or ``pytensor.tensor``: the collapsed PyMC model evaluates this
        very function on symbolic tensors (``eig`` fields as ``pm.Data``). The contract with
        PyTensor is therefore part of this kernel's: only elementwise arithmetic,
        ``xp.log``, ``xp.where``, ``xp.sum(..., axis=1)``, indexing with ``[:, None]`` and
        no Python ``float()`` or ``bool()`` of an array.

    Returns
    -------
    EvidenceTerms
        Of shape (K,) each.

    Notes
    -----
    With :math:`m_N` in the eigenbasis (:func:`eigen_posterior_mean`):

    .. math::

        \gamma &= \sum_i \frac{\beta\lambda_i}{\alpha + \beta\lambda_i}, \qquad
        E_W = \tfrac12 m_N^T m_N, \qquad
        E_D = \tfrac12 \lVert t - \Phi m_N\rVert^2, \\
        \ln p(t \mid \alpha, \beta) &= \tfrac M2 \ln\alpha + \tfrac N2 \ln\beta
            - \beta E_D - \alpha E_W - \tfrac12 \sum_i \ln(\alpha + \beta\lambda_i)
            - \tfrac N2 \ln 2\pi

    (PRML eqs. 3.86, 3.91). The residual is the least-squares residual plus
    :math:`\sum_i b_i^2 \alpha^2 / (\lambda_i (\alpha + \beta\lambda_i)^2)`: a sum of
    non-negative terms, so no cancellation can drive it negative.
    """
    lam, b, n = eig.lam, eig.b, eig.n
    M = lam.shape[0]
    a, bt = alpha[:, None], beta[:, None]
    denom = a + bt * lam  # eigenvalues of A = alpha I + beta Phi^T Phi
    c = eigen_posterior_mean(eig, alpha, beta, xp=xp)
    gamma = xp.sum(bt * lam / denom, axis=1)
    mtm = xp.sum(c * c, axis=1)
    safe = xp.where(eig.positive, lam, 1.0)
    shrink = a / denom  # in (0, 1]: squaring it cannot overflow, alpha**2 could
    penalty = xp.where(eig.positive, b * b / safe * shrink * shrink, 0.0)
    rss = eig.rss_ml + xp.sum(penalty, axis=1)
    log_ev = 0.5 * (
        M * xp.log(alpha)
        + n * xp.log(beta)
        - beta * rss
        - alpha * mtm
        - xp.sum(xp.log(denom), axis=1)
        - n * _LOG_2PI
    )
    return EvidenceTerms(gamma, 0.5 * mtm, 0.5 * rss, log_ev)


@dataclass(frozen=True)
class EvidenceFit:
    """Result of :func:`evidence_fit`."""

    alpha: float
    beta: float
    gamma: float
    log_evidence: float
    n_iter: int
    converged: bool
    mean: Any
    cov: Any


def _start_grid(eig: Eigen, alpha_init: float, beta_init: float, *, xp: ModuleType):
    """Return starting points spread over log alpha and log beta, plus the user's start.

    The evidence over (alpha, beta) can have two local maxima (noise explains the data, or
    the basis does); starting the fixed-point iteration from a grid that spans both, and
    keeping the best end point, finds the global one.
    """
    # The targets arrive scaled to unit mean square (see evidence_fit), so beta ~ 1 is the
    # all-noise scale and larger betas the fits; alpha is spread around the data's lambdas.
    lam_mean = float(xp.mean(eig.lam))
    lam_scale = lam_mean if lam_mean > 0.0 else 1.0
    alphas = [lam_scale * 10.0**k for k in range(-12, 7, 2)]
    betas = [10.0**k for k in range(0, 7, 2)]
    pairs = [(a, b) for a in alphas for b in betas]
    pairs.append((alpha_init, beta_init))
    return pairs


# alpha / (beta lam_max) beyond which the prior has pinned the weights near zero: the fit
# explains the data as noise (the evidence's maximum at alpha -> infinity).
_NOISE_RATIO = 1e8
_SCAN_STEPS = 100  # phase-1 steps for every start
_POLISHED = 1  # starts carried on to convergence


def _iterate(eig: Eigen, alpha: Any, beta: Any, steps: int, tol: float, *, xp: ModuleType):
    """Up to ``steps`` re-estimation steps for all starts; stop when every one has converged."""
    dtype = eig.lam.dtype
    huge = float(xp.finfo(dtype).max) ** 0.25
    # Floors of 1/huge keep the ratios below huge**2 (finite); the clip then caps them at huge.
    floor = 1.0 / huge
    for step_count in range(1, steps + 1):
        terms = evidence_at(eig, alpha, beta, xp=xp)
        mtm, rss = 2.0 * terms.E_W, 2.0 * terms.E_D
        # Clip to a range where both precisions stay finite and positive: an alpha that runs
        # off to infinity is the "all noise" solution, and is scored as such.
        new_alpha = xp.clip(terms.gamma / xp.clip(mtm, floor, None), floor, huge)
        new_beta = xp.clip((eig.n - terms.gamma) / xp.clip(rss, floor, None), floor, huge)
        step = xp.abs(xp.log(new_alpha) - xp.log(alpha)) + xp.abs(
            xp.log(new_beta) - xp.log(beta)
        )
        alpha, beta = new_alpha, new_beta
        if bool(xp.all(step < tol)):
            return alpha, beta, step_count, True
    return alpha, beta, steps, False


def _log_evidence_or_minus_inf(eig: Eigen, alpha: Any, beta: Any, *, xp: ModuleType):
    terms = evidence_at(eig, alpha, beta, xp=xp)
    return terms.gamma, xp.where(xp.isnan(terms.log_evidence), -xp.inf, terms.log_evidence)


def evidence_fit(
    stats: SufficientStats,
    *,
    alpha_init: float | None,
    beta_init: float | None,
    max_iter: int,
    tol: float,
    global_search: bool,
    xp: ModuleType,
) -> EvidenceFit:
    r"""Maximise the evidence over :math:`(\alpha, \beta)` by PRML's re-estimation (3.91-3.95).

    One eigendecomposition of :math:`\Phi^T\Phi` is computed; each iteration then costs
    :math:`O(M)` per starting point, all starting points advanced together.

    .. math::

        \gamma = \sum_i \frac{\beta\lambda_i}{\alpha + \beta\lambda_i}, \qquad
        \alpha \leftarrow \frac{\gamma}{m_N^T m_N}, \qquad
        \frac1\beta \leftarrow \frac{\lVert t - \Phi m_N \rVert^2}{N - \gamma}.

    Iteration stops when every start has moved less than ``tol`` in
    :math:`|\Delta \ln\alpha| + |\Delta \ln\beta|`.

    The iteration runs on targets scaled to unit mean square, :math:`t' = t/s`: the maximum
    moves to :math:`(\alpha s^2, \beta s^2)` and the evidence by :math:`N \ln s`, exactly,
    and the precisions stay well inside the range where the iteration clips them (in
    float32, :math:`\beta` for targets of size 1e-8 would otherwise exceed it).
    """
    mean_square = float(stats.yty) / stats.n
    scale = mean_square if 0.0 < mean_square < math.inf else 1.0
    stats = SufficientStats(stats.xtx, stats.xty / math.sqrt(scale), stats.yty / scale, stats.n)
    eig = Eigen.of(stats, xp=xp)
    dtype = eig.lam.dtype
    a0 = float(alpha_init) * scale if alpha_init is not None else 1.0
    b0 = float(beta_init) * scale if beta_init is not None else 1.0
    pairs = _start_grid(eig, a0, b0, xp=xp) if global_search else [(a0, b0)]
    alpha = xp.asarray([p[0] for p in pairs], dtype=dtype)
    beta = xp.asarray([p[1] for p in pairs], dtype=dtype)
    huge = float(xp.finfo(dtype).max) ** 0.25
    # Float32 cannot resolve steps below a few eps: never ask for more than the dtype holds.
    tol = max(tol, 100.0 * float(xp.finfo(dtype).eps))
    # Phase 1 advances every start a few steps, enough to tell the basins apart; phase 2
    # polishes the best to convergence. Starts running off to the all-noise boundary
    # (alpha -> infinity) grow alpha by under 1% a step and would otherwise hold every start
    # hostage for max_iter steps.
    scan = min(max_iter, _SCAN_STEPS)
    alpha, beta, n_iter, converged = _iterate(eig, alpha, beta, scan, tol, xp=xp)
    if not converged:
        _, log_ev = _log_evidence_or_minus_inf(eig, alpha, beta, xp=xp)
        keep = xp.argsort(-log_ev)[:_POLISHED]
        alpha, beta = xp.take(alpha, keep), xp.take(beta, keep)
        alpha, beta, more, converged = _iterate(eig, alpha, beta, max_iter - n_iter, tol, xp=xp)
        n_iter += more
    gamma, log_ev = _log_evidence_or_minus_inf(eig, alpha, beta, xp=xp)
    best = int(xp.argmax(log_ev))
    if not converged:
        warn(
            f"the evidence iteration did not converge in max_iter={max_iter} iterations "
            f"(tol={tol:g}); increase max_iter or tol",
            ConvergenceWarning,
        )
    a, bt = alpha[best : best + 1], beta[best : best + 1]  # of the scaled targets
    if float(a[0]) > _NOISE_RATIO * float(bt[0]) * eig.lam_max or float(bt[0]) >= huge:
        warn(
            f"the evidence is maximised at a boundary (alpha={float(a[0]) / scale:g}, "
            f"beta={float(bt[0]) / scale:g}): the data are fitted exactly or explained as "
            f"pure noise; use fewer basis functions or more data",
            NumericalWarning,
        )
    mean = eig.V @ eigen_posterior_mean(eig, a, bt, xp=xp)[0, :] * math.sqrt(scale)
    denom = a + bt * eig.lam
    cov = (eig.V / (denom / scale)) @ xp.matrix_transpose(eig.V)
    a, bt = float(a[0]), float(bt[0])
    return EvidenceFit(
        alpha=a / scale,
        beta=bt / scale,
        gamma=float(gamma[best]),
        log_evidence=float(log_ev[best]) - 0.5 * stats.n * math.log(scale),
        n_iter=n_iter,
        converged=converged,
        mean=mean,
        cov=cov,
    )


def evidence_start(
    stats: SufficientStats, *, xp: ModuleType, limits: tuple[float, float] = (1e-10, 1e10)
) -> tuple[float, float]:
    r"""Return the evidence optimum :math:`(\alpha, \beta)`, clipped to ``limits``: a start.

    Samplers and the quadrature of :class:`~bayesfit.FullBayesRegression` start from it. The
    optimum can sit at a boundary (:math:`\alpha \to \infty` when the data are pure noise),
    where gradients are useless: hence the clipping. The evidence iteration's own warnings
    (a boundary, no convergence) do not concern a starting point and are not shown.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BayesfitWarning)
        fit = evidence_fit(
            stats, alpha_init=None, beta_init=None, max_iter=200, tol=1e-6, global_search=True,
            xp=xp,
        )
    lo, hi = limits
    return min(max(fit.alpha, lo), hi), min(max(fit.beta, lo), hi)
