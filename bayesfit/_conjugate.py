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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import array_api_compat

from bayesfit._backend import (
    device_of,
    qr_r,
    quiet_overflow,
    single_blas_thread,
    solve_triangular,
    to_numpy,
)
from bayesfit._linalg import cholesky, cholesky_inverse, logdet_from_cholesky, solve_lower
from bayesfit._warnings import warn
from bayesfit.exceptions import BayesfitWarning, ConvergenceWarning, NumericalWarning

__all__ = [
    "ARDFit",
    "Eigen",
    "EvidenceFit",
    "EvidenceTerms",
    "LeastSquares",
    "QRStats",
    "SufficientStats",
    "ard_fit",
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
# Row blocks of the TSQR: small enough (about 2 MB) that each block's QR runs in cache. A QR
# of the whole tall matrix streams its panels through memory once per column and ran 10-20x
# slower than these blocks at (1e6, 100).
_QR_BLOCK_BYTES = 1 << 21


@functools.cache
def _thread_pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="bayesfit-gram")


# A forked child (multiprocessing, PyMC's parallel chains) inherits the pool object but not its
# threads: work submitted there would wait forever. The child builds its own on first use.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_thread_pool.cache_clear)


def _workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _map_row_blocks(fn: Callable[[int, int], Any], n: int, *, xp: ModuleType) -> list[Any]:
    """Return ``[fn(a, b) for each row block a:b]``, the blocks on one thread per core.

    On NumPy, tall data are cut into row blocks processed on one Python thread per core, each
    with a single BLAS thread: OpenBLAS's own threading of ``X.T @ X`` runs at a fraction of
    the GEMM peak on these machines and degrades badly when the cores are shared
    (benchmarks/README.md). Elsewhere (CuPy, other namespaces) and for short data, one block.
    """
    workers = _workers()
    if not array_api_compat.is_numpy_namespace(xp) or workers < 2 or n < _PARALLEL_ROWS:
        return [fn(0, n)]
    bounds = [n * i // (4 * workers) for i in range(4 * workers + 1)]
    with single_blas_thread():
        return list(_thread_pool(workers).map(lambda ab: fn(*ab), itertools.pairwise(bounds)))


def gram(F: Any, t: Any, *, xp: ModuleType) -> tuple[Any, Any]:
    r"""Return :math:`F^T F` and :math:`F^T t`, summed over row blocks (see _map_row_blocks).

    The sum over blocks is exact up to round-off, like any chunking.
    """

    def block(a: int, b: int) -> tuple[Any, Any]:
        Fb = F[a:b, ...]
        return xp.matrix_transpose(Fb) @ Fb, t[a:b] @ Fb

    parts = _map_row_blocks(block, F.shape[0], xp=xp)
    return functools.reduce(_add_pairs, parts)


def _add_pairs(p: tuple[Any, ...], q: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(a + b for a, b in zip(p, q, strict=True))


def _sqrt_weights(sample_weight: Any, *, xp: ModuleType) -> Any:
    return None if sample_weight is None else xp.sqrt(sample_weight)


@dataclass(frozen=True)
class SufficientStats:
    r"""The sufficient statistics :math:`(\Phi^T W\Phi, \Phi^T W t, t^T W t, N)` of a data set.

    :math:`W` holds the sample (frequency) weights on its diagonal, and :math:`N = \sum_n
    w_n`: an integer weight is a repeated row. Without weights :math:`W = I`.

    With K targets :math:`T` (an (N, K) ``y``) sharing :math:`\Phi`, ``xty`` is the
    :math:`M \times K` matrix :math:`\Phi^T W T` and ``yty`` the K sums
    :math:`t_k^T W t_k`; :meth:`outputs` gives each target's own statistics. A 1-D ``y``
    keeps ``xty`` of shape (M,) and ``yty`` a scalar.
    """

    xtx: Any
    xty: Any
    yty: Any
    n: float

    @classmethod
    def from_design(
        cls, F: Any, t: Any, *, bias: bool, xp: ModuleType, sample_weight: Any = None
    ) -> SufficientStats:
        r"""Compute the statistics of :math:`\Phi = [1, F]` (``bias``) or :math:`\Phi = F`.

        One pass over ``F``, in row blocks (:func:`gram`'s threads): each block gives its
        :math:`F_b^T F_b` and, in one more product with the two columns :math:`[1, t_b]`,
        the bias column's sums :math:`1^T F_b` beside :math:`t_b^T F_b`. :math:`\Phi` is never
        materialised (at N = 1e6 that copy would cost as much as the Gram matrix itself), and
        the weights enter as :math:`\sqrt{w}` on each block's rows.
        """
        sw = _sqrt_weights(sample_weight, xp=xp)
        T = t if t.ndim == 2 else t[:, None]  # the K targets as columns

        def block(a: int, b: int) -> tuple[Any, Any]:
            with quiet_overflow():  # is_finite() tells, and the estimator names the culprit
                Fb, Tb = F[a:b, ...], T[a:b, :]
                if sw is not None:
                    Fb, Tb = Fb * sw[a:b, None], Tb * sw[a:b, None]
                FtF = xp.matrix_transpose(Fb) @ Fb
                rows = xp.matrix_transpose(Tb)
                if bias:  # rows: 1^T W F_b, then t_k^T W F_b
                    ones = xp.ones_like(Tb[:, 0]) if sw is None else sw[a:b]
                    rows = xp.concat([ones[None, :], rows], axis=0)
                return FtF, rows @ Fb

        with quiet_overflow():
            FtF, side = functools.reduce(_add_pairs, _map_row_blocks(block, F.shape[0], xp=xp))
            TW = T if sample_weight is None else sample_weight[:, None] * T
            yty = xp.vecdot(TW, T, axis=-2)  # over the rows: t_k^T W t_k for each k
        n = float(xp.sum(sample_weight)) if sample_weight is not None else int(F.shape[0])
        if not bias:
            return cls._of_targets(FtF, xp.matrix_transpose(side), yty, n, one=t.ndim == 1)
        col_sum, FtT = side[0, :], xp.matrix_transpose(side[1:, :])
        n_arr = xp.asarray([[n]], dtype=F.dtype, device=array_api_compat.device(F))
        xtx = xp.concat(
            [
                xp.concat([n_arr, col_sum[None, :]], axis=1),
                xp.concat([col_sum[:, None], FtF], axis=1),
            ],
            axis=0,
        )
        xty = xp.concat([xp.sum(TW, axis=0)[None, :], FtT], axis=0)
        return cls._of_targets(xtx, xty, yty, n, one=t.ndim == 1)

    @classmethod
    def _of_targets(cls, xtx: Any, xty: Any, yty: Any, n: float, *, one: bool):
        """Return the statistics, ``xty`` (M, K) and ``yty`` (K,) squeezed for a 1-D ``y``."""
        return cls(xtx, xty[:, 0], yty[0], n) if one else cls(xtx, xty, yty, n)

    @property
    def n_targets(self) -> int | None:
        """K for a 2-D ``y`` of shape (N, K); None for a 1-D ``y``."""
        return None if self.xty.ndim == 1 else int(self.xty.shape[1])

    def outputs(self) -> list[SufficientStats]:
        """Return the statistics of each target alone (``[self]`` for a 1-D ``y``)."""
        if self.n_targets is None:
            return [self]
        return [
            SufficientStats(self.xtx, self.xty[:, k], self.yty[k], self.n)
            for k in range(self.n_targets)
        ]

    def __add__(self, other: SufficientStats) -> SufficientStats:
        """Merge the statistics of two disjoint data sets (exact: they are sums)."""
        return SufficientStats(
            self.xtx + other.xtx, self.xty + other.xty, self.yty + other.yty, self.n + other.n
        )

    @property
    def xp(self) -> ModuleType:
        """The namespace of the statistics' arrays."""
        return array_api_compat.array_namespace(self.xtx)

    def is_finite(self) -> bool:
        r"""Whether the data were finite and their squares summed without overflow.

        A NaN or inf anywhere in :math:`\Phi` or :math:`t`, or an entry whose square
        overflows, shows in the diagonal of :math:`\Phi^T W\Phi` or in :math:`t^TWt`: this
        :math:`O(M)` look replaces a separate :math:`O(NM)` pass over the data.
        """
        xp = self.xp
        diag = xp.linalg.diagonal(self.xtx)
        return bool(xp.all(xp.isfinite(diag))) and bool(xp.all(xp.isfinite(self.yty)))

    def rss_at(self, w: Any) -> float:
        r"""Return :math:`\lVert t - \Phi w\rVert_W^2 = t^TWt - 2w^T\Phi^TWt + w^T\Phi^TW\Phi w`.

        For one target (a 1-D ``y``; see :meth:`outputs`). From the statistics alone
        (clipped at 0): it loses the digits of
        :math:`t^TWt / \lVert t - \Phi w\rVert^2` to cancellation, which is harmless for a
        summary's few digits and is why the MLE keeps the R factor instead.
        """
        xp = self.xp
        quad = float(xp.vecdot(w, self.xtx @ w)) - 2.0 * float(xp.vecdot(w, self.xty))
        return max(float(self.yty) + quad, 0.0)

    def tss(self, *, centred: bool) -> float:
        """Return the total sum of squares about the weighted mean (``centred``) or zero.

        For one target (see :meth:`outputs`). Centring needs the bias as the first column.
        """
        if not centred:
            return float(self.yty)
        total = float(self.xty[0])  # the bias column's row: sum_n w_n t_n
        return max(float(self.yty) - total * total / self.n, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as JSON-safe lists (float64 round-trips exactly)."""
        return {
            "xtx": to_numpy(self.xtx).tolist(),
            "xty": to_numpy(self.xty).tolist(),
            "yty": to_numpy(self.yty).tolist(),
            "n": self.n,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, xp: ModuleType, dtype: Any) -> SufficientStats:
        """Rebuild statistics written by :meth:`to_dict`."""
        return cls(
            xp.asarray(d["xtx"], dtype=dtype),
            xp.asarray(d["xty"], dtype=dtype),
            xp.asarray(d["yty"], dtype=dtype),
            d["n"],
        )


@dataclass(frozen=True)
class QRStats:
    r"""The R factor of the weighted, augmented design :math:`W^{1/2} [\Phi, t] = QR`.

    The MLE has no prior to repair the conditioning, so it must not go through
    :math:`\Phi^T\Phi` (whose condition number is the square of :math:`\Phi`'s). The R factor
    is the stable sufficient statistic instead: stacking two R factors and taking the R of the
    stack gives the R of the stacked data (TSQR), so chunks merge exactly. Taking the target
    as a last column keeps the residual too: with :math:`M` columns in :math:`\Phi`,

    .. math::

        R = \begin{pmatrix} R_\Phi & Q_\Phi^T t \\ 0 & \rho \end{pmatrix}, \qquad
        \rho^2 = \min_w \lVert t - \Phi w\rVert_W^2,

    so the least-squares residual is read off without the cancellation of
    :math:`t^Tt - \lVert Q^Tt\rVert^2`, and with the bias first, the centred total sum of
    squares is :math:`\sum_{i \ge 1} R_{i,M}^2`. ``n`` is :math:`\sum_n w_n`.

    K targets sharing :math:`\Phi` take K last columns, :math:`W^{1/2}[\Phi, T]`: the
    lower right block is then a K x K triangle whose column norms are the K residuals
    (``n_targets`` is K; None for a 1-D ``y``), and :meth:`outputs` splits it.
    """

    R_aug: Any
    n: float
    n_targets: int | None = None

    @classmethod
    def from_design(
        cls, F: Any, t: Any, *, bias: bool, xp: ModuleType, sample_weight: Any = None
    ) -> QRStats:
        r"""Compute the statistics of :math:`\Phi = [1, F]` (``bias``) or :math:`\Phi = F`.

        A TSQR: on NumPy, each thread of :func:`gram`'s pool takes a range of rows and works
        through it in sub-blocks of about 2 MB, each built and factorised in cache together
        with the R factor so far; the threads' factors are merged at the end.
        """
        sw = _sqrt_weights(sample_weight, xp=xp)
        T = t if t.ndim == 2 else t[:, None]
        width = F.shape[1] + int(bias) + T.shape[1]
        n_rows = F.shape[0]
        # On NumPy, cache-sized sub-blocks; elsewhere (a GPU) one factorisation of the whole.
        rows = max(2 * width, _QR_BLOCK_BYTES // (8 * width))
        if not array_api_compat.is_numpy_namespace(xp):
            rows = n_rows

        def augmented(a: int, b: int) -> Any:
            tb = T[a:b, :]
            cols = [xp.ones_like(tb[:, :1]), F[a:b, ...], tb] if bias else [F[a:b, ...], tb]
            A = xp.concat(cols, axis=1)
            return A if sw is None else A * sw[a:b, None]

        def block(a: int, b: int) -> Any:
            # Sequential TSQR: each sub-block is factorised together with the R so far.
            R = None
            with quiet_overflow():  # is_finite() tells, and the estimator names the culprit
                for start in range(a, b, rows):
                    A = augmented(start, min(start + rows, b))
                    R = qr_r(A if R is None else xp.concat([R, A], axis=0), xp=xp)
            return R

        with quiet_overflow():
            R = _merge_r(_map_row_blocks(block, n_rows, xp=xp), xp=xp)
        n = float(xp.sum(sample_weight)) if sample_weight is not None else int(n_rows)
        return cls(R_aug=R, n=n, n_targets=None if t.ndim == 1 else int(T.shape[1]))

    def __add__(self, other: QRStats) -> QRStats:
        """Merge two disjoint data sets: the R of the stacked R factors (exact)."""
        R = _merge_r([self.R_aug, other.R_aug], xp=self.xp)
        return QRStats(R_aug=R, n=self.n + other.n, n_targets=self.n_targets)

    def outputs(self) -> list[QRStats]:
        r"""Return the statistics of each target alone (``[self]`` for a 1-D ``y``).

        Target k's R factor is :math:`R_\Phi` beside :math:`Q_\Phi^T t_k`, with its residual
        norm :math:`\rho_k` (the norm of column k of the lower right triangle) below: the R
        of :math:`W^{1/2}[\Phi, t_k]`.
        """
        if self.n_targets is None:
            return [self]
        xp, M = self.xp, self.n_params
        m = min(self.R_aug.shape[0], M)
        parts = []
        for k in range(self.n_targets):
            top = xp.concat([self.R_aug[:m, :M], self.R_aug[:m, M + k : M + k + 1]], axis=1)
            if self.R_aug.shape[0] > M:
                tail = self.R_aug[M:, M + k]
                rho = xp.sqrt(xp.vecdot(tail, tail))
                last = xp.concat([xp.zeros_like(top[0, :M]), rho[None]])
                top = xp.concat([top, last[None, :]], axis=0)
            parts.append(QRStats(R_aug=top, n=self.n))
        return parts

    @property
    def xp(self) -> ModuleType:
        """The namespace of the statistics' arrays."""
        return array_api_compat.array_namespace(self.R_aug)

    @property
    def n_params(self) -> int:
        r"""M, the number of columns of :math:`\Phi`."""
        return self.R_aug.shape[1] - (self.n_targets or 1)

    @property
    def R(self) -> Any:
        r"""The R factor of :math:`W^{1/2}\Phi`, of shape (min(rows, M), M)."""
        m = min(self.R_aug.shape[0], self.n_params)
        return self.R_aug[:m, : self.n_params]

    @property
    def qty(self) -> Any:
        r""":math:`Q_\Phi^T W^{1/2} t`, of shape (M,), or (M, K) for K targets."""
        M = self.n_params
        m = min(self.R_aug.shape[0], M)
        return self.R_aug[:m, M] if self.n_targets is None else self.R_aug[:m, M:]

    @property
    def rss_ls(self) -> Any:
        r""":math:`\rho^2`, the least-squares residual on the full column space.

        A float, or an array of the K targets' residuals.
        """
        M = self.n_params
        tail = self.R_aug[M:, M:]
        rss = self.xp.sum(tail * tail, axis=0)
        return float(rss[0]) if self.n_targets is None else rss

    def with_residual(self, rss: float) -> QRStats:
        r"""Return the statistics with :math:`\rho^2` replaced by ``rss``.

        ``rss`` is the same residual summed directly from the data (for a full-rank fit with
        more rows than columns), for a 1-D ``y``.
        """
        xp, M = self.xp, self.n_params
        last = xp.concat(
            [
                xp.zeros_like(self.R_aug[M, :M]),
                xp.asarray(
                    [math.sqrt(rss)], dtype=self.R_aug.dtype, device=device_of(self.R_aug)
                ),
            ]
        )
        R = xp.concat([self.R_aug[:M, :], last[None, :], self.R_aug[M + 1 :, :]], axis=0)
        return QRStats(R_aug=R, n=self.n)

    def tss(self, *, centred: bool) -> float:
        """Return the total sum of squares about the weighted mean (``centred``) or zero.

        For one target (see :meth:`outputs`). Centring needs the bias as the first column;
        both come from the last column of R, without cancellation.
        """
        last = self.R_aug[int(centred) :, self.n_params]
        return float(self.xp.vecdot(last, last))

    def is_finite(self) -> bool:
        r"""Whether the data were finite and their squares summed without overflow.

        The column norms of R are those of :math:`W^{1/2}[\Phi, t]`: a NaN or inf in the data
        or a square that overflows shows there, in :math:`O(M^2)`.
        """
        xp = self.xp
        with quiet_overflow():
            return bool(xp.all(xp.isfinite(xp.sum(self.R_aug * self.R_aug, axis=0))))

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as JSON-safe lists (float64 round-trips exactly)."""
        return {"R_aug": to_numpy(self.R_aug).tolist(), "n": self.n, "n_targets": self.n_targets}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, xp: ModuleType, dtype: Any) -> QRStats:
        """Rebuild statistics written by :meth:`to_dict`."""
        return cls(xp.asarray(d["R_aug"], dtype=dtype), d["n"], d.get("n_targets"))


def _merge_r(parts: list[Any], *, xp: ModuleType) -> Any:
    """Return the R factor of the stacked R factors ``parts``, merged pairwise (a TSQR tree)."""
    while len(parts) > 1:
        paired = [
            qr_r(xp.concat([a, b], axis=0), xp=xp)
            for a, b in zip(parts[::2], parts[1::2], strict=False)
        ]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


class LeastSquares(NamedTuple):
    """Result of :func:`least_squares`."""

    coef: Any  #: w, the minimum-norm least-squares weights: (M,), or (M, K) for K targets
    rank: int  #: numerical rank of the column-equilibrated design
    singular_values: Any  #: of the column-equilibrated design, descending
    rss: Any  #: ||t - Phi w||_W^2: a float, or an array (K,) for K targets
    cov_unscaled: Any  #: (Phi^T W Phi)^+, so that sigma^2 times it is the covariance of w


def least_squares(stats: QRStats, *, rcond: float | None = None, xp: ModuleType) -> LeastSquares:
    r"""Minimum-norm least squares on the column-equilibrated design, from its R factor.

    With :math:`D` scaling each column of :math:`\Phi` to unit norm (by a power of two, so
    exactly) and :math:`RD = U\Sigma V^T`:

    .. math::

        w = D V \Sigma^+ U^T Q^T t, \qquad (\Phi^T\Phi)^+ = D V \Sigma^{+2} V^T D.

    Column scaling changes neither the least-squares fit nor R's accuracy (Householder QR is
    backward stable column by column), but it does change the SVD's: an SVD solve loses
    digits to :math:`\kappa` of the matrix it is given, and the raw powers of a polynomial can
    have :math:`\kappa = 10^{13}` where the equilibrated columns have 18 (NIST's Pontius).
    The rank is decided there too: singular values below ``rcond * s_max`` count as zero,
    ``rcond`` defaulting to ``eps * max(N, M)`` (LAPACK's ``gelsd`` default). A
    rank-deficient design gets the solution of least :math:`\lVert w\rVert` (as
    :func:`numpy.linalg.pinv`), not of least :math:`\lVert D^{-1}w\rVert`. K targets share
    the one SVD.
    """
    R = stats.R
    M = R.shape[1]
    norms = xp.sqrt(xp.sum(R * R, axis=0))
    # A power of two nearest 1/norm: the scaling is exact, and zero columns stay as they are.
    d = xp.where(norms > 0.0, 2.0 ** (-xp.round(xp.log2(xp.where(norms > 0.0, norms, 1.0)))), 1.0)
    U, s, Vt = xp.linalg.svd(R * d, full_matrices=False)
    eps = float(xp.finfo(R.dtype).eps)
    tol = eps * max(stats.n, M) if rcond is None else rcond
    keep = s > tol * s[0]
    rank = int(xp.sum(xp.astype(keep, xp.int32)))
    s_inv = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0)
    c = xp.matrix_transpose(U) @ stats.qty
    per_target = (slice(None),) + (None,) * (c.ndim - 1)  # s and keep against c's rows
    DV = d[:, None] * xp.matrix_transpose(Vt)
    w = DV @ (s_inv[per_target] * c)
    if rank == M and R.shape[0] == M:
        # Full rank: the covariance from the triangular inverse of R D, which keeps a digit
        # or two more of the standard errors than the SVD's (NIST's Pontius).
        eye = xp.eye(M, dtype=R.dtype, device=array_api_compat.device(R))
        B = solve_triangular(R * d, eye, lower=False, xp=xp) * d[:, None]
    else:
        B = DV * s_inv
    cov = B @ xp.matrix_transpose(B)
    if rank < M:
        # w is the solution of least norm in the scaled coordinates; the one of least norm in
        # w itself (numpy's pinv) is its projection on the row space of Phi, spanned by
        # D^-1 V_kept. The same projector P gives (Phi^T Phi)^+ = P D V S^-2 V^T D P.
        Q, _ = xp.linalg.qr(xp.matrix_transpose(Vt[:rank, :]) / d[:, None])
        P = Q @ xp.matrix_transpose(Q)
        w, cov = P @ w, P @ cov @ P
    dropped = xp.where(keep[per_target], 0.0, c)
    rss = stats.rss_ls + xp.sum(dropped * dropped, axis=0)
    return LeastSquares(w, rank, s, float(rss) if c.ndim == 1 else rss, cov)


def _prior_terms(
    alpha: float, M: int, prior_mean: Any, prior_cov: Any, *, xp: ModuleType, dtype, device
):
    """Prior precision, precision-times-mean and log det of the prior covariance."""
    if prior_cov is None:
        P0 = alpha * xp.eye(M, dtype=dtype, device=device)
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

    With the default prior the last line is PRML eq. 3.86. For K targets (``stats.xty`` of
    shape (M, K), ``prior_mean`` then (M, K)) one Cholesky factor serves all: the mean has
    shape (M, K), the covariance is shared and the log evidence is an array of K values.
    """
    M = stats.xtx.shape[0]
    dtype = stats.xtx.dtype
    P0, h0, logdet_S0 = _prior_terms(
        alpha, M, prior_mean, prior_cov, xp=xp, dtype=dtype, device=device_of(stats.xtx)
    )
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
    # The difference of two sums of squares, in float64 whatever the data's dtype.
    yty = xp.astype(xp.asarray(stats.yty), xp.float64)  # an array, or a float (a 1-D y)
    quad = beta * yty - xp.astype(xp.sum(z * z, axis=0), xp.float64)
    if h0 is not None:
        quad = quad + xp.astype(xp.sum(prior_mean * h0, axis=0), xp.float64)
    log_ev = 0.5 * (stats.n * (math.log(beta) - _LOG_2PI) - logdet_S0 + logdet_SN - quad)
    return mean, cov, float(log_ev) if stats.xty.ndim == 1 else log_ev


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
        r"""Decompose the statistics' :math:`\Phi^T\Phi` (one ``eigh``, :math:`O(M^3)`).

        For one target (a 1-D ``y``); :meth:`of_targets` serves K targets.
        """
        return cls.of_targets(stats, xp=xp)[0]

    @classmethod
    def of_targets(cls, stats: SufficientStats, *, xp: ModuleType) -> list[Eigen]:
        r"""Return the eigen-statistics of each target, all from one ``eigh`` of :math:`\Phi^T\Phi`.

        The targets share :math:`\lambda` and :math:`V`; only :math:`b = V^T\Phi^T t_k` and
        the residual differ.
        """
        lam, V = xp.linalg.eigh(stats.xtx)
        lam = xp.clip(lam, 0.0, None)
        eps = float(xp.finfo(lam.dtype).eps)
        lam_max = float(xp.max(lam))
        positive = lam > eps * lam.shape[0] * lam_max
        safe = xp.where(positive, lam, 1.0)
        eigs = []
        for target in stats.outputs():
            b = target.xty @ V
            explained = float(xp.sum(xp.where(positive, b * b / safe, 0.0)))
            rss_ml = max(float(target.yty) - explained, 0.0)
            eigs.append(
                cls(lam, V, xp.where(positive, b, 0.0), rss_ml, positive, lam_max, stats.n)
            )
        return eigs

    def scaled(self, scale: float) -> Eigen:
        r"""Return the eigen-statistics of the targets divided by :math:`\sqrt{scale}`."""
        return Eigen(
            self.lam,
            self.V,
            self.b / math.sqrt(scale),
            self.rss_ml / scale,
            self.positive,
            self.lam_max,
            self.n,
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
        beta_step = xp.abs(xp.log(new_beta) - xp.log(beta))
        step = xp.abs(xp.log(new_alpha) - xp.log(alpha)) + beta_step
        # A start on its way to the all-noise boundary grows alpha by a constant factor a
        # step and never meets tol in ln alpha; past the boundary the weights are pinned at
        # zero, beta no longer moves, and the evidence has reached its limit (to 1e-8 of
        # gamma): it has converged there.
        at_boundary = (
            (new_alpha > _NOISE_RATIO * new_beta * eig.lam_max)
            & (new_alpha >= alpha)
            & (beta_step < tol)
        )
        alpha, beta = new_alpha, new_beta
        if bool(xp.all((step < tol) | at_boundary)):
            return alpha, beta, step_count, True
    return alpha, beta, steps, False


def _log_evidence_or_minus_inf(eig: Eigen, alpha: Any, beta: Any, *, xp: ModuleType):
    terms = evidence_at(eig, alpha, beta, xp=xp)
    return terms.gamma, xp.where(xp.isnan(terms.log_evidence), -xp.inf, terms.log_evidence)


def _posterior_at(
    stats: SufficientStats, eig: Eigen, alpha: float, beta: float, scale: float, *, xp: ModuleType
) -> tuple[Any, Any]:
    r"""Posterior mean and covariance at the evidence optimum, from the whole of :math:`A`.

    The Cholesky solve of :math:`A = \alpha I + \beta\Phi^T\Phi` keeps the directions whose
    eigenvalues the eigen-statistics treat as round-off (``Eigen.positive``): the prior
    :math:`\alpha` can determine them well even so (on Longley's data dropping them moved
    the bias weight by 0.7 %). Only where :math:`A` itself is not positive definite in
    floating point (:math:`\alpha` below round-off of :math:`\beta\lambda_{max}`) does the
    eigenbasis solution of the scaled problem stand in.
    """
    try:
        mean, cov, _ = posterior_from_stats(stats, alpha, beta, xp=xp)
        return mean, cov
    except ValueError:
        a = xp.asarray([alpha * scale], dtype=eig.lam.dtype, device=device_of(eig.lam))
        bt = xp.asarray([beta * scale], dtype=eig.lam.dtype, device=device_of(eig.lam))
        mean = eig.V @ eigen_posterior_mean(eig, a, bt, xp=xp)[0, :] * math.sqrt(scale)
        cov = (eig.V / ((a + bt * eig.lam) / scale)) @ xp.matrix_transpose(eig.V)
        return mean, cov


def evidence_fit(
    stats: SufficientStats,
    *,
    alpha_init: float | None,
    beta_init: float | None,
    max_iter: int,
    tol: float,
    global_search: bool,
    xp: ModuleType,
    eig: Eigen | None = None,
) -> EvidenceFit:
    r"""Maximise the evidence over :math:`(\alpha, \beta)` by PRML's re-estimation (3.91-3.95).

    For one target. One eigendecomposition of :math:`\Phi^T\Phi` is computed (or ``eig``,
    the target's from :meth:`Eigen.of_targets`, reused: K targets share one); each iteration
    then costs :math:`O(M)` per starting point, all starting points advanced together.

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
    data = stats
    stats = SufficientStats(stats.xtx, stats.xty / math.sqrt(scale), stats.yty / scale, stats.n)
    eig = Eigen.of(stats, xp=xp) if eig is None else eig.scaled(scale)
    dtype = eig.lam.dtype
    a0 = float(alpha_init) * scale if alpha_init is not None else 1.0
    b0 = float(beta_init) * scale if beta_init is not None else 1.0
    pairs = _start_grid(eig, a0, b0, xp=xp) if global_search else [(a0, b0)]
    alpha = xp.asarray([p[0] for p in pairs], dtype=dtype, device=device_of(eig.lam))
    beta = xp.asarray([p[1] for p in pairs], dtype=dtype, device=device_of(eig.lam))
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
    a, bt = float(a[0]), float(bt[0])
    mean, cov = _posterior_at(data, eig, a / scale, bt / scale, scale, xp=xp)
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


# -- automatic relevance determination (PRML 7.2.1) ----------------------------------------------


@dataclass(frozen=True)
class ARDFit:
    """Result of :func:`ard_fit`, in the units of the data."""

    alpha: Any  #: (M,) weight precisions, inf where a weight is pruned
    beta: float  #: noise precision
    relevant: Any  #: (M,) bool, the kept weights
    mean: Any  #: (M,) posterior mean, exactly 0 where pruned
    cov: Any  #: (k, k) posterior covariance of the k kept weights
    gamma: Any  #: (M,) 1 - alpha_i Sigma_ii, how well the data determine each weight
    log_evidence: float  #: ln p(t | alpha, beta), the kept weights integrated out
    n_iter: int
    converged: bool


class _ARDState(NamedTuple):
    """The posterior at one (alpha, beta) on the normalised problem, and what the steps need."""

    keep: tuple[int, ...]  # indices of the kept weights
    alpha: Any  # (M,), inf where pruned
    beta: float
    L_inv: Any  # (k, k), the inverse Cholesky factor of A = diag(alpha_K) + beta C_KK
    mean: Any  # (k,)
    gamma: Any  # (k,)
    rss: float
    log_evidence: float
    s: Any  # (M,) sparsity factors: the precision the data and the other weights give w_i
    q: Any  # (M,) quality factors


def _ard_state(C, h, yty, n, alpha, beta, keep, *, xp, dtype) -> _ARDState:
    r"""Return the posterior over the kept weights and every weight's sparsity and quality.

    With :math:`\Sigma = A^{-1}` over the kept set K, the factors of Tipping and Faul (2003)
    are :math:`s_i = 1/\Sigma_{ii} - \alpha_i`, :math:`q_i = m_i/\Sigma_{ii}` for i in K
    (the precision and the projected target of :math:`w_i` with the other weights
    integrated out) and :math:`S_i = \beta c_{ii} - \beta^2 c_i^T \Sigma c_i`,
    :math:`Q_i = \beta h_i - \beta^2 c_i^T\Sigma h` otherwise. All :math:`O(k^2 M)`.
    """
    M, device = C.shape[0], device_of(C)
    if not keep:  # every weight pruned: the data are noise alone
        rss = float(yty)
        log_ev = 0.5 * n * (math.log(beta) - _LOG_2PI) - 0.5 * beta * rss
        empty = xp.zeros((0,), dtype=dtype, device=device)
        return _ARDState(
            keep, alpha, beta, xp.zeros((0, 0), dtype=dtype, device=device), empty, empty, rss,
            log_ev,
            beta * xp.linalg.diagonal(C), beta * h,
        )
    idx = xp.asarray(keep, device=device)
    CK = xp.take(C, idx, axis=0)  # (k, M)
    aK = xp.take(alpha, idx)
    eye = xp.eye(len(keep), dtype=dtype, device=device)
    A = beta * xp.take(CK, idx, axis=1) + eye * aK[None, :]
    L = cholesky(A, "the ARD posterior precision", xp=xp)
    L_inv = solve_lower(L, eye, xp=xp)
    hK = xp.take(h, idx)
    z = L_inv @ hK
    mean = beta * (xp.matrix_transpose(L_inv) @ z)
    sigma_diag = xp.sum(L_inv * L_inv, axis=0)
    gamma = 1.0 - aK * sigma_diag
    fitted = xp.take(CK, idx, axis=1) @ mean
    rss = max(float(yty) - float(2.0 * xp.vecdot(mean, hK) - xp.vecdot(mean, fitted)), 0.0)
    log_ev = 0.5 * (
        float(xp.sum(xp.log(aK)))
        + n * math.log(beta)
        - beta * rss
        - float(xp.vecdot(aK * mean, mean))
        - float(logdet_from_cholesky(L, xp=xp))
        - n * _LOG_2PI
    )
    Z = L_inv @ CK  # (k, M)
    S = beta * xp.linalg.diagonal(C) - beta * beta * xp.sum(Z * Z, axis=0)
    Q = beta * h - beta * beta * (xp.matrix_transpose(Z) @ z)
    # For a kept weight, s_i = alpha_i S_i / (alpha_i - S_i) and q_i = alpha_i Q_i / (alpha_i -
    # S_i) keep their digits where the prior dominates (alpha_i Sigma_ii near 1, a weight about
    # to be pruned); 1/Sigma_ii - alpha_i and m_i/Sigma_ii where the data do.
    S_K, Q_K = xp.take(S, idx), xp.take(Q, idx)
    prior_led = aK * sigma_diag > 0.5
    gap = xp.where(prior_led, aK - S_K, 1.0)
    s_K = xp.where(prior_led, aK * S_K / gap, 1.0 / sigma_diag - aK)
    q_K = xp.where(prior_led, aK * Q_K / gap, mean / sigma_diag)
    # row j: the unit vector of keep[j]
    spread = xp.take(xp.eye(M, dtype=dtype, device=device), idx, axis=0)
    kept = xp.sum(spread, axis=0) > 0.5
    s = xp.where(kept, s_K @ spread, S)
    q = xp.where(kept, q_K @ spread, Q)
    return _ARDState(keep, alpha, beta, L_inv, mean, gamma, rss, log_ev, s, q)


def _ard_proposals(state: _ARDState, n, threshold, *, xp, bounds) -> list[tuple[Any, float]]:
    r"""Return the next (alpha, beta): Tipping and Faul's optimum per weight, then MacKay's.

    Weight i alone maximises the evidence at :math:`\alpha_i = s_i^2/(q_i^2 - s_i)` if
    :math:`q_i^2 > s_i`, else at :math:`\alpha_i = \infty` (pruned); updating all weights
    at once from one state can overshoot where weights are correlated, hence the second
    proposal, PRML's :math:`\alpha_i = \gamma_i / m_i^2` (eq. 7.87) on the kept weights.
    Both prune where :math:`\alpha_i > ` ``threshold`` :math:`\cdot\, s_i`, and take
    :math:`\beta = (N - \sum_i\gamma_i)/\lVert t - \Phi m\rVert^2` (eq. 7.88).
    """
    floor, huge = bounds
    s, q = state.s, state.q
    beta = min(max((n - float(xp.sum(state.gamma))) / max(state.rss, floor), floor), huge)
    # A keeps its Cholesky factor while alpha_i / beta stays above the round-off of C (unit
    # diagonal, norm at most M); below, the prior no longer matters anyway.
    floor = max(floor, 1e3 * s.shape[0] * float(xp.finfo(s.dtype).eps) * beta)
    # A weight the others explain (s_i at round-off of the data's precision) is never added.
    resolvable = s > 1e3 * float(xp.finfo(s.dtype).eps) * state.beta
    theta = q * q - s
    device = device_of(s)
    inf = xp.asarray(xp.inf, dtype=s.dtype, device=device)
    addable = resolvable & (theta * threshold > s)
    tipping = xp.where(addable, xp.clip(s * s / xp.where(addable, theta, 1.0), floor, huge), inf)
    proposals = [(tipping, beta)]
    if state.keep:
        idx = xp.asarray(state.keep, device=device)
        spread = xp.take(xp.eye(s.shape[0], dtype=s.dtype, device=device), idx, axis=0)
        m2 = xp.clip(state.mean * state.mean, floor, None)
        mackay = xp.clip(state.gamma / m2, floor, huge) @ spread
        kept = xp.sum(spread, axis=0) > 0.5
        mackay = xp.where(kept & resolvable & (mackay < threshold * s), mackay, inf)
        proposals.append((mackay, beta))
    return proposals


def _kept(alpha: Any, *, xp: ModuleType) -> tuple[int, ...]:
    return tuple(int(i) for i in to_numpy(xp.nonzero(xp.isfinite(alpha))[0]))


def ard_fit(
    stats: SufficientStats, *, threshold: float, max_iter: int, tol: float, xp: ModuleType
) -> ARDFit:
    r"""Maximise the evidence over one precision per weight and the noise precision.

    The type-II maximum likelihood of PRML section 7.2.1 (Tipping 2001), from the
    statistics alone: each step factorises a :math:`k \times k` matrix (k kept weights) and
    never touches the data. It runs on the columns of :math:`\Phi` scaled to unit norm and
    the targets to unit mean square, which changes nothing but the round-off: the evidence,
    the kept set and the posterior are the same for any scaling of a column or of the
    targets.

    Each step proposes the per-weight optima of Tipping and Faul (2003) for all weights at
    once (pruned weights come back where :math:`q_i^2/s_i` has grown above
    :math:`1 + 1/\text{threshold}`) and keeps the proposal if it raised the evidence, else
    takes MacKay's step (:func:`_ard_proposals`). It stops when the kept set stays and every
    :math:`\ln\alpha_i` and :math:`\ln\beta` moves less than ``tol``, or the gradient of
    the evidence in them is below ``tol`` (:func:`_ard_gradient`; on a ridge, as for
    duplicated columns, the precisions drift while the evidence stays put).

    The :math:`M \times M` work runs in float64 whatever the statistics' dtype, and the
    result is cast back: the residual :math:`t^Tt - 2m^T\Phi^Tt + m^T\Phi^T\Phi m` is a
    difference that loses three digits at :math:`R^2 = 0.999`, which in float32 moved
    :math:`\beta` by more than the tolerance from one step to the next.
    """
    data_dtype, dtype = stats.xtx.dtype, xp.float64
    n = stats.n
    xtx, xty = xp.astype(stats.xtx, dtype), xp.astype(stats.xty, dtype)
    d2 = xp.linalg.diagonal(xtx)
    present = d2 > 0.0
    d = xp.sqrt(xp.where(present, d2, 1.0))
    mean_square = float(stats.yty) / n
    scale = mean_square if 0.0 < mean_square < math.inf else 1.0
    root = math.sqrt(scale)
    C = xtx / (d[:, None] * d[None, :])
    h = xty / (d * root)
    yty = float(stats.yty) / scale
    huge = float(xp.finfo(data_dtype).max) ** 0.25  # the precisions stay finite in the data's dtype
    bounds = (1.0 / huge, huge)
    tol = max(tol, 100.0 * float(xp.finfo(data_dtype).eps))
    inf = xp.asarray(xp.inf, dtype=dtype, device=device_of(d))
    alpha = xp.where(present, xp.ones_like(d), inf)
    state = _ard_state(C, h, yty, n, alpha, 1.0, _kept(alpha, xp=xp), xp=xp, dtype=dtype)
    converged = False
    n_iter = 0
    while n_iter < max_iter and not converged:
        n_iter += 1
        for alpha, beta in _ard_proposals(state, n, threshold, xp=xp, bounds=bounds):
            new = _ard_state(C, h, yty, n, alpha, beta, _kept(alpha, xp=xp), xp=xp, dtype=dtype)
            if new.log_evidence >= state.log_evidence - 1e-12 * abs(state.log_evidence):
                break
        # On a ridge of the evidence (exactly collinear columns share their prior variance in
        # any proportion) the precisions drift with the gradient at zero: that stops it too.
        converged = new.keep == state.keep and min(
            _log_step(new, state, xp=xp), _ard_gradient(new, n, xp=xp)
        ) < tol
        state = new
    if not converged:
        warn(
            f"the ARD evidence iteration did not converge in max_iter={max_iter} iterations "
            f"(tol={tol:g}); increase max_iter or tol",
            ConvergenceWarning,
        )
    if state.beta >= huge:
        warn(
            "the ARD evidence is maximised at beta -> infinity: the data are fitted exactly; "
            "use fewer basis functions or more data",
            NumericalWarning,
        )
    return _ard_result(state, d, scale, n, n_iter, converged, xp=xp, dtype=data_dtype)


def _ard_gradient(state: _ARDState, n: float, *, xp: ModuleType) -> float:
    r"""Return the largest scaled gradient of the log evidence in the ln alpha_i and ln beta.

    :math:`2\,\partial \ln p / \partial \ln\alpha_i = \gamma_i - \alpha_i m_i^2` and
    :math:`2\,\partial \ln p / \partial \ln\beta = N - \sum_i\gamma_i - \beta\lVert t -
    \Phi m\rVert^2` (taken relative to N), zero at the fixed point of PRML eqs. 7.87-7.88.
    """
    total = float(xp.sum(state.gamma)) if state.keep else 0.0
    grad = abs(n - total - state.beta * state.rss) / n
    if state.keep:
        aK = xp.take(state.alpha, xp.asarray(state.keep, device=device_of(state.alpha)))
        grad = max(grad, float(xp.max(xp.abs(state.gamma - aK * state.mean * state.mean))))
    return grad


def _log_step(new: _ARDState, old: _ARDState, *, xp: ModuleType) -> float:
    """Largest change of ln alpha_i over the kept weights, plus that of ln beta."""
    step = abs(math.log(new.beta) - math.log(old.beta))
    if new.keep:
        idx = xp.asarray(new.keep, device=device_of(new.alpha))
        ratio = xp.take(new.alpha, idx) / xp.take(old.alpha, idx)
        step += float(xp.max(xp.abs(xp.log(ratio))))
    return step


def _ard_result(
    state: _ARDState, d: Any, scale: float, n: float, n_iter: int, converged: bool, *,
    xp: ModuleType, dtype: Any,
) -> ARDFit:
    r"""Return the fit in the data's units.

    The normalised problem has :math:`w'_i = d_i w_i/\sqrt{s}` and :math:`\alpha'_i = s\,
    \alpha_i/d_i^2` (:math:`d_i` the norm of column i, :math:`s` the targets' mean square).
    """
    M, work, device = d.shape[0], d.dtype, device_of(d)
    alpha = state.alpha * (d * d) / scale
    relevant = xp.isfinite(alpha)
    gamma = xp.zeros((M,), dtype=work, device=device)
    mean = xp.zeros((M,), dtype=work, device=device)
    cov = xp.zeros((0, 0), dtype=work, device=device)
    if state.keep:
        idx = xp.asarray(state.keep, device=device)
        spread = xp.take(xp.eye(M, dtype=work, device=device), idx, axis=0)
        dK = xp.take(d, idx)
        mean = (state.mean * (math.sqrt(scale) / dK)) @ spread
        gamma = state.gamma @ spread
        B = state.L_inv / dK[None, :]  # Sigma = L^-T L^-1, and D^-1 Sigma D^-1 from B
        cov = scale * (xp.matrix_transpose(B) @ B)
    return ARDFit(
        alpha=xp.astype(alpha, dtype),
        beta=state.beta / scale,
        relevant=relevant,
        mean=xp.astype(mean, dtype),
        cov=xp.astype(cov, dtype),
        gamma=xp.astype(gamma, dtype),
        log_evidence=state.log_evidence - 0.5 * n * math.log(scale),
        n_iter=n_iter,
        converged=converged,
    )
