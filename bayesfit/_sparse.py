r"""MAP kernels under the Laplace and elastic-net priors, on the sufficient statistics.

The negative log posterior under the noise :math:`t \sim \mathcal N(\Phi w, \beta^{-1} I)`
and the elastic-net prior :math:`p(w) \propto \exp(-\alpha(\rho\lVert w\rVert_1 +
\frac{1-\rho}{2}\lVert w\rVert^2))` (the Laplace prior at :math:`\rho = 1`) is, up to a
constant,

.. math::

    E(w) = \frac\beta2 \lVert t - \Phi w\rVert^2
         + \alpha\Big(\rho\lVert w_P\rVert_1 + \frac{1-\rho}{2}\lVert w_P\rVert^2\Big),

where :math:`P` are the penalized weights (all, or all but the bias). Divided by
:math:`\beta` and written on the statistics :math:`G = \Phi^T\Phi`, :math:`b = \Phi^T t`,

.. math::

    f(w) = \tfrac12 w^T G w - b^T w + \lambda_1 \lVert w_P\rVert_1
           + \tfrac{\lambda_2}{2}\lVert w_P\rVert^2, \qquad
    \lambda_1 = \frac{\alpha\rho}{\beta}, \quad \lambda_2 = \frac{\alpha(1-\rho)}{\beta},

which depends on the data only through :math:`(G, b)`: it streams, merges across chunks and
costs :math:`O(M^2)` per coordinate-descent sweep whatever :math:`N`.

The unpenalized weights :math:`U` are profiled out exactly first: for fixed :math:`w_P` the
minimiser is :math:`w_U = G_{UU}^{-1}(b_U - G_{UP} w_P)`, which leaves a problem of the same
form on :math:`P` alone with the Schur complement :math:`G_{PP} - G_{PU}G_{UU}^{-1}G_{UP}`
(for the bias column: the Gram matrix of the centred features) and
:math:`b_P - G_{PU}G_{UU}^{-1}b_U` (:class:`Profiled`).

:func:`coordinate_descent` solves the penalized problem by cyclic coordinate descent with
covariance updates (Friedman, Hastie & Tibshirani 2010): the update of coordinate :math:`j`
is the soft-thresholding

.. math::

    w_j \leftarrow \frac{S(b_j - (Gw)_j + G_{jj} w_j,\ \lambda_1)}{G_{jj} + \lambda_2},
    \qquad S(z, \lambda) = \operatorname{sign}(z)\max(|z| - \lambda, 0),

which gives exact zeros, with :math:`Gw` kept up to date in :math:`O(M)` per change. After
each sweep over all coordinates it sweeps the nonzero ones until they settle, then tries the
exact solution on that active set with those signs (one Cholesky solve of
:math:`(G_{AA} + \lambda_2 I) w_A = b_A - \lambda_1 s_A`), which it keeps only if the signs
agree and the KKT conditions hold. It stops on the KKT residual (:func:`kkt_residual`), the
largest violation of the optimality conditions

.. math::

    (Gw - b + \lambda_2 w)_j + \lambda_1 \operatorname{sign}(w_j) = 0 \ (w_j \ne 0), \qquad
    |(Gw - b)_j| \le \lambda_1 \ (w_j = 0),

relative to :math:`\max_j |b_j|` (the :math:`\lambda_1` above which :math:`w = 0`).
:func:`elastic_net_path` solves a decreasing sequence of :math:`\lambda_1` with warm starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import array_api_compat

from bayesfit._linalg import cholesky, cholesky_solve, solve_lower, solve_lower_transpose

__all__ = [
    "CDResult",
    "Profiled",
    "coordinate_descent",
    "elastic_net",
    "elastic_net_map",
    "elastic_net_map_path",
    "elastic_net_path",
    "kkt_residual",
]


#: Sweeps of the nonzero weights between exact active-set steps (when those are possible).
_SETTLE = 3
#: The ratio between successive penalties of the warm-start sequence of a cold start.
_PRELUDE_RATIO = 0.5

class CDResult(NamedTuple):
    """The solution of one penalized problem and how it was reached."""

    w: Any  #: the minimiser, shape (M,), exact zeros where the L1 penalty switches off
    n_iter: int  #: outer iterations (one full sweep each, plus the active-set sweeps)
    kkt: float  #: the KKT residual at ``w``, relative to max |b|
    converged: bool  #: whether ``kkt <= tol``


@dataclass(frozen=True)
class Profiled:
    r"""The penalized problem on :math:`P` after the unpenalized weights :math:`U` are profiled.

    Attributes
    ----------
    G, b : arrays
        :math:`G_{PP} - A^T A` and :math:`b_P - A^T c`, with :math:`L L^T = G_{UU}`,
        :math:`A = L^{-1} G_{UP}`, :math:`c = L^{-1} b_U` (no U: :math:`G_{PP}, b_P`).
    penalized, unpenalized : tuple of int
        The indices :math:`P` and :math:`U` into the full weight vector.
    L, A, c : arrays or None
        The factors above, to recover :math:`w_U = L^{-T}(c - A w_P)`.
    """

    G: Any
    b: Any
    penalized: tuple[int, ...]
    unpenalized: tuple[int, ...]
    L: Any = None
    A: Any = None
    c: Any = None

    @classmethod
    def of(cls, G: Any, b: Any, unpenalized: tuple[int, ...], *, xp: ModuleType) -> Profiled:
        """Profile the weights ``unpenalized`` out of the problem with statistics (G, b)."""
        M = G.shape[0]
        penalized = tuple(j for j in range(M) if j not in set(unpenalized))
        if not unpenalized:
            return cls(G, b, penalized, ())
        device = array_api_compat.device(G)
        P = xp.asarray(penalized, dtype=xp.int64, device=device)
        U = xp.asarray(unpenalized, dtype=xp.int64, device=device)
        G_UU = xp.take(xp.take(G, U, axis=0), U, axis=1)
        G_UP = xp.take(xp.take(G, U, axis=0), P, axis=1)
        G_PP = xp.take(xp.take(G, P, axis=0), P, axis=1)
        L = cholesky(
            G_UU,
            "the Gram matrix of the unpenalized columns (the bias)",
            xp=xp,
            remedy="; fit on at least one sample, or penalize the bias (penalize_bias=True)",
        )
        A = solve_lower(L, G_UP, xp=xp)
        c = solve_lower(L, xp.take(b, U), xp=xp)
        reduced = G_PP - xp.matrix_transpose(A) @ A
        reduced = 0.5 * (reduced + xp.matrix_transpose(reduced))  # symmetric to round-off
        return cls(reduced, xp.take(b, P) - c @ A, penalized, unpenalized, L, A, c)

    def full(self, w_P: Any, *, xp: ModuleType) -> Any:
        """Return the full weights from the penalized ones: :math:`w_U` by back substitution."""
        if not self.unpenalized:
            return w_P
        w_U = solve_lower_transpose(self.L, self.c - self.A @ w_P, xp=xp)
        M = len(self.penalized) + len(self.unpenalized)
        return _place([w_U, w_P], [self.unpenalized, self.penalized], M, xp=xp)


def _place(parts: list[Any], indices: list[tuple[int, ...]], M: int, *, xp: ModuleType) -> Any:
    """Return the length-M vector with ``parts[i]`` at ``indices[i]`` and zeros elsewhere.

    A gather from ``[0, *parts]``: the array API has no scatter by integer index.
    """
    position = [0] * M
    k = 1
    for index in indices:
        for j in index:
            position[j] = k
            k += 1
    head = parts[0] if parts else None
    zero = xp.zeros((1,), dtype=head.dtype, device=array_api_compat.device(head))
    where = xp.asarray(position, dtype=xp.int64, device=array_api_compat.device(head))
    return xp.take(xp.concat([zero, *parts]), where)


def _gradient(G: Any, b: Any, w: Any, l2: float, *, xp: ModuleType) -> Any:
    r"""Return the gradient of the smooth part, :math:`Gw - b + \lambda_2 w`."""
    return G @ w - b + l2 * w


def kkt_residual(G: Any, b: Any, w: Any, l1: float, l2: float, *, xp: ModuleType) -> float:
    r"""Return the largest violation of the optimality conditions, relative to max |b|.

    Parameters
    ----------
    G, b : arrays of shape (M, M), (M,)
        The statistics of :math:`f(w) = \frac12 w^TGw - b^Tw + \lambda_1\lVert w\rVert_1 +
        \frac{\lambda_2}2\lVert w\rVert^2` (every weight penalized: profile the others out
        first, :class:`Profiled`).
    w : array of shape (M,)
    l1, l2 : float
        :math:`\lambda_1, \lambda_2 \ge 0`.

    Returns
    -------
    float
        :math:`\max_j v_j / \max(\max_j |b_j|, \text{tiny})` with :math:`v_j =
        |g_j + \lambda_1 \operatorname{sign} w_j|` where :math:`w_j \ne 0` and
        :math:`\max(|g_j| - \lambda_1, 0)` where :math:`w_j = 0`, :math:`g = Gw - b +
        \lambda_2 w`.
    """
    g = _gradient(G, b, w, l2, xp=xp)
    violation = xp.where(
        w == 0, xp.clip(xp.abs(g) - l1, 0.0, None), xp.abs(g + l1 * xp.sign(w))
    )
    if not w.shape[0]:
        return 0.0
    scale = max(float(xp.max(xp.abs(b))), float(xp.finfo(b.dtype).smallest_normal))
    return float(xp.max(violation)) / scale


def _soft(z: float, threshold: float) -> float:
    if z > threshold:
        return z - threshold
    if z < -threshold:
        return z + threshold
    return 0.0


class _Solver:
    """Coordinate descent on one (G, b), set up once and solved at any penalties.

    The setup (the diagonal, the rows of G and b as host scalars) costs about as much as a
    warm-started solve, so a path shares it.
    """

    def __init__(self, G: Any, b: Any, *, xp: ModuleType):
        M = G.shape[0]
        self.G, self.b, self.xp, self.M = G, b, xp, M
        self.device = array_api_compat.device(G)
        diagonal = xp.linalg.diagonal(G)
        self.diag = [float(diagonal[j]) for j in range(M)]
        self.rhs = [float(b[j]) for j in range(M)]
        self.rows = [G[j, :] for j in range(M)]
        # A column that the unpenalized ones explain entirely (a constant feature beside the
        # bias) has a zero diagonal up to round-off: its weight carries no information and
        # stays 0.
        floor = 64.0 * float(xp.finfo(G.dtype).eps) * max(max(self.diag, default=0.0), 0.0)
        self.usable = [j for j in range(M) if self.diag[j] > floor]
        self.scale = max(max((abs(v) for v in self.rhs), default=0.0),
                         float(xp.finfo(G.dtype).smallest_normal))

    def as_array(self, values: list[float]) -> Any:
        return self.xp.asarray(values, dtype=self.G.dtype, device=self.device)

    def orthant_minimum(self, w: list[float], l1: float, l2: float) -> bool:
        r"""Move ``w`` (in place) to the minimiser of f on its support and signs.

        On the orthant of the signs :math:`s` of the support :math:`A`, :math:`f` is the
        quadratic :math:`\frac12 w_A^T(G_{AA} + \lambda_2 I)w_A - (b_A - \lambda_1 s)^T w_A`,
        minimised by one Cholesky solve. Where that minimiser leaves the orthant, ``w`` moves
        along the segment towards it up to the first sign change, which lowers :math:`f`
        (convex along the segment), and that weight becomes exactly 0; then again, on the
        smaller support (the feature-sign step of Lee et al. 2007). Returns False, leaving
        ``w`` where it got to, when :math:`G_{AA} + \lambda_2 I` is singular (more active
        weights than the data determine): then coordinate descent has to converge alone.
        """
        xp, G, device = self.xp, self.G, self.device
        while True:
            active = [j for j in range(self.M) if w[j] != 0.0]
            if not active:
                return True
            idx = xp.asarray(active, dtype=xp.int64, device=device)
            signs = self.as_array([1.0 if w[j] > 0.0 else -1.0 for j in active])
            G_AA = xp.take(xp.take(G, idx, axis=0), idx, axis=1)
            if l2:
                G_AA = G_AA + l2 * xp.eye(len(active), dtype=G.dtype, device=device)
            try:
                L = cholesky(G_AA, "the active-set Gram matrix", xp=xp)
            except ValueError:
                return False
            rhs = xp.take(self.b, idx) - l1 * signs
            target = cholesky_solve(L, rhs, xp=xp)
            crossed = target * signs <= 0.0
            if l1 == 0.0 or not bool(xp.any(crossed)):  # without L1 the orthants are moot
                for k, j in enumerate(active):
                    w[j] = float(target[k])
                return True
            start = self.as_array([w[j] for j in active])
            # the fraction of the way at which each crossing weight reaches 0, in (0, 1]
            fraction = xp.where(crossed, start / xp.where(crossed, start - target, 1.0),
                                math.inf)
            first = int(xp.argmin(fraction))
            reached = start + float(fraction[first]) * (target - start)
            for k, j in enumerate(active):
                w[j] = float(reached[k])
            w[active[first]] = 0.0

    def solve(self, l1: float, l2: float, w0: Any, *, tol: float, max_iter: int) -> CDResult:
        xp, G, b = self.xp, self.G, self.b
        diag, rhs, rows = self.diag, self.rhs, self.rows
        denominator = [d + l2 for d in diag]
        w = [0.0] * self.M
        if w0 is not None:
            for j in self.usable:
                w[j] = float(w0[j])

        def sweep(coords: list[int]) -> float:
            nonlocal q
            biggest = 0.0
            for j in coords:
                old = w[j]
                new = _soft(rhs[j] - float(q[j]) + diag[j] * old, l1) / denominator[j]
                if new != old:
                    q = q + (new - old) * rows[j]
                    w[j] = new
                    biggest = max(biggest, abs(new - old) * diag[j])  # in units of b
            return biggest

        def signs(coords: list[int]) -> list[bool]:
            return [w[j] > 0.0 for j in coords if w[j] != 0.0]

        kkt = math.inf
        for n_iter in range(1, max_iter + 1):
            # exact on the current support and signs (a warm start may be right already);
            # the sweep after it brings in the weights whose conditions are violated
            exact = self.orthant_minimum(w, l1, l2)
            w_arr = self.as_array(w)
            if exact:
                kkt = kkt_residual(G, b, w_arr, l1, l2, xp=xp)
                if kkt <= tol:
                    return CDResult(w_arr, n_iter, kkt, True)
            q = G @ w_arr
            sweep(self.usable)
            # Sweep the nonzero weights until their signs hold for a sweep (few, usually), so
            # the exact step starts near the support; with a singular active set, until they
            # settle.
            active = [j for j in self.usable if w[j] != 0.0]
            pattern = signs(active)
            for _ in range(_SETTLE if exact else 10 * self.M + 10):
                if sweep(active) <= tol * self.scale:
                    break
                now = signs(active)
                if exact and now == pattern:
                    break
                pattern = now
            w_arr = self.as_array(w)
            kkt = kkt_residual(G, b, w_arr, l1, l2, xp=xp)
            if kkt <= tol:
                return CDResult(w_arr, n_iter, kkt, True)
        return CDResult(self.as_array(w), max_iter, kkt, False)

    def from_cold(self, l1: float, l2: float, *, tol: float, max_iter: int) -> CDResult:
        """Solve from no start: see :func:`elastic_net`. ``max_iter`` bounds all the steps."""
        if l1 == 0.0:  # no L1: every informative weight is on, one exact step solves it
            start = self.as_array([1.0 if j in self.usable else 0.0 for j in range(self.M)])
            return self.solve(0.0, l2, start, tol=tol, max_iter=max_iter)
        scales = []
        c = self.scale / l1
        while c > 1.0 / _PRELUDE_RATIO:
            scales.append(c)
            c *= _PRELUDE_RATIO
        scales.append(1.0)
        w, used = None, 0
        for c in scales:
            result = self.solve(c * l1, c * l2, w, tol=tol, max_iter=max_iter - used)
            w, used = result.w, used + result.n_iter
            if used >= max_iter and c != 1.0:  # out of iterations before the target
                kkt = kkt_residual(self.G, self.b, w, l1, l2, xp=self.xp)
                return CDResult(w, used, kkt, False)
        return result._replace(n_iter=used)


def coordinate_descent(
    G: Any,
    b: Any,
    l1: float,
    l2: float,
    *,
    w0: Any = None,
    tol: float,
    max_iter: int,
    xp: ModuleType,
) -> CDResult:
    r"""Return the minimiser of the elastic-net problem on (G, b) from ``w0``.

    The problem is :math:`\min_w \frac12 w^TGw - b^Tw + \lambda_1\lVert w\rVert_1 +
    \frac{\lambda_2}2\lVert w\rVert^2` (the module's notes give the updates). Each outer
    iteration is an exact step on the current support and signs, a sweep over all
    coordinates, and a few sweeps over the nonzero ones.

    Parameters
    ----------
    G, b : arrays of shape (M, M), (M,)
        Symmetric positive semi-definite :math:`G` (profiled: every weight penalized).
    l1, l2 : float
        :math:`\lambda_1, \lambda_2 \ge 0`; with :math:`\lambda_2 = 0` and a singular
        :math:`G` the minimiser need not be unique (coordinate descent finds one).
    w0 : array of shape (M,), optional
        Warm start (zeros by default).
    tol : float
        Stop when :func:`kkt_residual` is at most ``tol``.
    max_iter : int
        The most outer iterations.
    xp : module

    Returns
    -------
    CDResult
    """
    return _Solver(G, b, xp=xp).solve(l1, l2, w0, tol=tol, max_iter=max_iter)


def elastic_net(
    G: Any, b: Any, l1: float, l2: float, *, tol: float, max_iter: int, xp: ModuleType
) -> CDResult:
    r"""Return the minimiser from a cold start, through warm starts from :math:`\lambda_{max}`.

    From zero, one sweep at a small :math:`\lambda_1` switches on most weights of a
    correlated design, and the exact steps then switch them off one at a time. Instead the
    problem is solved at :math:`c\,(\lambda_1, \lambda_2)` for :math:`c` halving from
    :math:`\lambda_{max}/\lambda_1` (:math:`\lambda_{max} = \max_j |b_j|`, where
    :math:`w = 0` becomes optimal) down to 1, each from the previous solution, as glmnet
    does: the support grows a few weights at a time. ``n_iter`` counts all the iterations,
    and ``max_iter`` bounds them.
    """
    return _Solver(G, b, xp=xp).from_cold(l1, l2, tol=tol, max_iter=max_iter)


def elastic_net_path(
    G: Any,
    b: Any,
    l1s: list[float],
    l2s: list[float],
    *,
    tol: float,
    max_iter: int,
    xp: ModuleType,
) -> list[CDResult]:
    r"""Solve along a path, each problem from the previous solution.

    The problems are taken from the largest :math:`\lambda_1` down (where the solution is
    sparsest and the warm start best; the first as :func:`elastic_net` does) and returned in
    the order given.
    """
    solver = _Solver(G, b, xp=xp)
    order = sorted(range(len(l1s)), key=lambda k: -l1s[k])
    results: list[CDResult | None] = [None] * len(l1s)
    w = None
    for k in order:
        if w is None:
            result = solver.from_cold(l1s[k], l2s[k], tol=tol, max_iter=max_iter)
        else:
            result = solver.solve(l1s[k], l2s[k], w, tol=tol, max_iter=max_iter)
        results[k], w = result, result.w
    return results  # type: ignore[return-value]


def _penalties(alpha: float, beta: float, l1_ratio: float) -> tuple[float, float]:
    return alpha * l1_ratio / beta, alpha * (1.0 - l1_ratio) / beta


def elastic_net_map(
    G: Any,
    b: Any,
    alpha: float,
    beta: float,
    l1_ratio: float,
    *,
    unpenalized: tuple[int, ...] = (),
    tol: float,
    max_iter: int,
    xp: ModuleType,
) -> CDResult:
    r"""Return the MAP weights under the elastic-net prior, from the statistics (G, b).

    The minimiser of :math:`\frac\beta2\lVert t - \Phi w\rVert^2 + \alpha(\rho\lVert
    w_P\rVert_1 + \frac{1-\rho}2\lVert w_P\rVert^2)`, :math:`\rho` = ``l1_ratio``, the
    weights ``unpenalized`` outside :math:`P`. ``CDResult.w`` is the full weight vector;
    ``kkt`` is the residual of the profiled problem (the unpenalized weights are exact).
    """
    _, (result,) = elastic_net_map_path(  # a path of one point: the cold start
        G, b, [alpha], beta, l1_ratio, unpenalized=unpenalized, tol=tol, max_iter=max_iter,
        xp=xp,
    )
    return result


def elastic_net_map_path(
    G: Any,
    b: Any,
    alphas: list[float],
    beta: float,
    l1_ratio: float,
    *,
    unpenalized: tuple[int, ...] = (),
    tol: float,
    max_iter: int,
    xp: ModuleType,
) -> tuple[Any, list[CDResult]]:
    r"""Return the MAP weights at each ``alpha`` as rows of an (n_alphas, M) array, and the fits.

    As :func:`elastic_net_map`, along the path with warm starts (:func:`elastic_net_path`).
    """
    profiled = Profiled.of(G, b, unpenalized, xp=xp)
    penalties = [_penalties(a, beta, l1_ratio) for a in alphas]
    results = elastic_net_path(
        profiled.G, profiled.b, [p[0] for p in penalties], [p[1] for p in penalties],
        tol=tol, max_iter=max_iter, xp=xp,
    )
    full = [profiled.full(r.w, xp=xp) for r in results]
    return xp.stack(full), [r._replace(w=w) for r, w in zip(results, full, strict=True)]


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
