r"""Kernels of the classification ladder: the multinoulli likelihood, Newton, Laplace, evidence.

The model of PRML 4.3-4.5 on a design matrix :math:`\Phi` (N x M) and classes
:math:`1..K`: logits :math:`a_n = W^T \phi_n`, :math:`p(C_k \mid \phi_n) =
\operatorname{softmax}(a_n)_k`. The weights are an (M, F) matrix of *free columns*:

- ``reference=True``: F = K - 1 columns for the classes 1..K-1, the logit of class 0 held at
  zero. For K = 2 this is the logistic sigmoid (PRML 4.87, one weight vector); for K > 2 the
  identified multinomial logit of the MLE (as statsmodels' ``MNLogit``).
- ``reference=False``: F = K columns, the softmax of PRML 4.104, identified only by a prior.

Everything the estimators need is here as functions of arrays with ``*, xp``: the negative
log-likelihood with its gradient, Hessian and Hessian-vector product (:class:`Likelihood`,
summable over blocks of rows), the Newton iteration with a line search (:func:`newton`), the
Laplace approximation of the evidence (:func:`laplace_evidence`, PRML 4.137), the probit
predictive (:func:`probit_logit`, PRML 4.153-4.155) and the predictive averaged over weight
draws (:func:`log_predictive_from_draws`). The Hessian of the negative log posterior at the
mode is the precision of the Laplace posterior, :math:`S_N^{-1} = \alpha I + \Phi^T R \Phi`
(PRML 4.143).

A weight matrix is flattened row-major, index ``m * F + f``, as ``xp.reshape(W, (-1,))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import array_api_compat

from bayesfit import _special
from bayesfit._backend import device_of
from bayesfit._linalg import (
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    logdet_from_cholesky,
    solve_lower,
)

__all__ = [
    "Likelihood",
    "NewtonResult",
    "laplace_evidence",
    "log_predictive_from_draws",
    "newton",
    "onehot",
    "pointwise_log_likelihood",
    "probit_logit",
]

#: Newton steps solve with the exact Hessian (Cholesky, quadratic convergence to round-off)
#: while forming it costs at most this many multiply-adds (N (MF)^2): a few milliseconds.
#: Above, conjugate gradients on Hessian-vector products (one pass over the data each).
DIRECT_WORK = 1 << 26
#: Rows of the subsample whose Hessian preconditions the Newton steps' conjugate gradients.
#: Forming it costs about PRECONDITIONER_ROWS * M^2 per class, under one pass over a large
#: design; its error, about sqrt(M / rows), sets how many products the gradients need.
PRECONDITIONER_ROWS = 4096
_ARMIJO = 1e-4
_MAX_HALVINGS = 60
# Elements of (points x draws x classes) formed at once by the draw-averaged predictive.
_DRAW_BLOCK = 1 << 22
# Elements of a block of the design (rows x M x K) that one pass works on at a time: 4 MiB
# of float64, a few cache-resident arrays, so each block is read from memory once per pass.
_ROW_BLOCK_ELEMENTS = 1 << 19


def onehot(codes: Any, n_classes: int, *, dtype: Any, xp: ModuleType) -> Any:
    """Return the (N, K) one-hot matrix of integer class codes in ``[0, K)``."""
    classes = xp.arange(n_classes, dtype=codes.dtype, device=device_of(codes))
    return xp.astype(codes[:, None] == classes[None, :], dtype)


def full_logits(A: Any, *, reference: bool, xp: ModuleType) -> Any:
    """Return the logits of all K classes from those of the free columns (N, F)."""
    if not reference:
        return A
    zero = xp.zeros((*A.shape[:-1], 1), dtype=A.dtype, device=device_of(A))
    return xp.concat([zero, A], axis=-1)


@dataclass(frozen=True)
class Point:
    """The likelihood evaluated at weights ``V``: its value and what the derivatives reuse."""

    V: Any  # (M, F)
    value: float  # the negative log-likelihood, a Python float
    state: Any  # what the source's derivatives reuse (logits or probabilities), or None
    grad: Any = None  # the gradient (M, F) when it was computed in the same pass


class Source(Protocol):
    """What :func:`newton` needs of the data: in memory (:class:`Likelihood`) or in blocks."""

    weight_sum: float
    n_rows: int
    direct_only: bool

    def evaluate(self, V: Any) -> Point: ...
    def gradient(self, point: Point) -> Any: ...
    def hessian(self, point: Point) -> Any: ...
    def hvp(self, point: Point, D: Any) -> Any: ...


class Likelihood:
    r"""The weighted multinoulli negative log-likelihood of linear logits on one set of rows.

    Parameters
    ----------
    Phi : array of shape (N, M)
        Design matrix.
    targets : array of shape (N, K)
        One-hot labels (:func:`onehot`), of ``Phi``'s dtype.
    weights : array of shape (N,) or None
        Frequency weights: an integer weight counts a row that many times.
    reference : bool
        Free columns for classes 1..K-1 (class 0's logit fixed at 0), or for all K.

    Notes
    -----
    With :math:`y_n = \operatorname{softmax}(a_n)` and :math:`r_n` the weights,

    .. math::

        E(W) &= -\sum_n r_n \sum_k t_{nk} \ln y_{nk}, \qquad
        \nabla_{w_j} E = \sum_n r_n (y_{nj} - t_{nj})\,\phi_n, \\
        \nabla_{w_j}\nabla_{w_k} E &= \sum_n r_n\, y_{nj}(\delta_{jk} - y_{nk})\,
            \phi_n\phi_n^T

    (PRML eqs. 4.108-4.110). Two classes with a reference (one weight vector, logit
    :math:`a_n`) take the sigmoid forms of PRML 4.90-4.97: :math:`E = \sum_n r_n
    (\operatorname{softplus}(a_n) - t_n a_n)`, gradient :math:`\Phi^T R(\sigma(a) - t)`,
    Hessian :math:`\Phi^T \operatorname{diag}(r_n\sigma'(a_n))\Phi` with
    :math:`\sigma'(a) = \sigma(a)\sigma(-a)` accurate for any a. For more classes
    :math:`y_j(1 - y_j)` is formed as :math:`y_j \sum_{k \ne j} y_k`, which keeps its
    relative accuracy for a point classified with near certainty.
    """

    direct_only = False

    def __init__(self, Phi: Any, targets: Any, weights: Any, *, reference: bool, xp: ModuleType):
        self.Phi, self.targets, self.weights = Phi, targets, weights
        self.reference, self.xp = reference, xp
        self.device = device_of(Phi)  # where the weights and every made array live
        self.binary = reference and targets.shape[1] == 2
        self.weight_sum = float(Phi.shape[0] if weights is None else xp.sum(weights))
        self.n_rows = Phi.shape[0]
        M, K = Phi.shape[1], targets.shape[1]
        on_gpu = array_api_compat.is_cupy_namespace(xp)
        budget = _special.DEVICE_CHUNK_ELEMENTS if on_gpu else _ROW_BLOCK_ELEMENTS
        self._rows = max(1, budget // (M * K))

    def _blocks(self) -> list[tuple[int, int]]:
        """Return the row ranges of the blocks every pass works on.

        A block stays in cache between the products that read it: one pass over the design
        instead of one per product.
        """
        N = self.Phi.shape[0]
        return [(lo, min(lo + self._rows, N)) for lo in range(0, N, self._rows)]

    def mean_square(self) -> float:
        """Return the (weighted) mean square of the design's entries, a scale for alpha."""
        xp = self.xp
        rows = xp.sum(self.Phi * self.Phi, axis=1)
        total = xp.sum(rows) if self.weights is None else xp.sum(self.weights * rows)
        return float(total) / (self.weight_sum * self.Phi.shape[1])

    def _row_weights(self, lo: int, hi: int) -> Any:
        if self.weights is None:
            return None
        return self.weights[lo:hi]

    @staticmethod
    def _times(w: Any, x: Any) -> Any:
        if w is None:
            return x
        return w * x if x.ndim == 1 else w[:, None] * x

    def _free(self, x: Any) -> Any:
        return x[:, 1:] if self.reference else x

    def evaluate(self, V: Any, *, gradient: bool = True) -> Point:
        """Return the negative log-likelihood at ``V`` (M, F) and its gradient, in one pass.

        The point keeps what the Hessian needs: the logits (N,) for two classes, the
        probabilities (N, K) for more.
        """
        xp = self.xp
        value = 0.0
        grad = xp.zeros(V.shape, dtype=V.dtype, device=device_of(V)) if gradient else None
        states = []
        for lo, hi in self._blocks():
            Phi, T, w = self.Phi[lo:hi, :], self.targets[lo:hi, :], self._row_weights(lo, hi)
            A = Phi @ V
            if self.binary:
                a = A[:, 0]
                value += float(xp.sum(self._times(w, _special.softplus(a, xp=xp) - T[:, 1] * a)))
                states.append(a)
                if gradient:
                    r = self._times(w, _special.sigmoid(a, xp=xp) - T[:, 1])
                    grad = grad + xp.matrix_transpose(Phi) @ r[:, None]
                continue
            logp = _special.log_softmax(full_logits(A, reference=self.reference, xp=xp), axis=1,
                                        xp=xp)
            value -= float(xp.sum(self._times(w, T * logp)))
            probs = xp.exp(logp)
            states.append(probs)
            if gradient:
                r = self._times(w, self._free(probs) - self._free(T))
                grad = grad + xp.matrix_transpose(Phi) @ r
        state = states[0] if len(states) == 1 else xp.concat(states, axis=0)
        return Point(V, value, state, grad)

    def gradient(self, point: Point) -> Any:
        if point.grad is not None:
            return point.grad
        return self.evaluate(point.V).grad

    def hessian(self, point: Point) -> Any:
        r"""Return the (MF, MF) Hessian of the negative log-likelihood at ``point``.

        Blocks of rows :math:`z_n = \sqrt{r_n}\,(\phi_n \otimes y_n)` give the cross-class
        blocks :math:`-\sum_n r_n y_{nj} y_{nk}\phi_n\phi_n^T` by symmetric products
        :math:`Z^T Z`; the diagonal blocks come from their own products with the exact
        weights :math:`r_n y_{nj}\sum_{k\ne j} y_{nk}`.
        """
        xp = self.xp
        M = self.Phi.shape[1]
        state = point.state
        F = 1 if self.binary else state.shape[1] - int(self.reference)
        H = xp.zeros((M * F, M * F), dtype=self.Phi.dtype, device=device_of(self.Phi))
        diagonal = [xp.zeros((M, M), dtype=self.Phi.dtype, device=device_of(self.Phi))
                    for _ in range(F)]
        for lo, hi in self._blocks():
            Phi, w = self.Phi[lo:hi, :], self._row_weights(lo, hi)
            if self.binary:
                c = self._times(w, _special.sigmoid_derivative(state[lo:hi], xp=xp))
                root = Phi * xp.sqrt(c)[:, None]
                H = H + xp.matrix_transpose(root) @ root
                continue
            probs = state[lo:hi, :]
            # sum_{k != j} y_k: directly for the most probable class (the one that can be near
            # 1, where 1 - y_j cancels), as 1 - y_j for the others (then at least 1/2)
            top = xp.argmax(probs, axis=1)
            K = probs.shape[1]
            is_top = top[:, None] == xp.arange(K, dtype=top.dtype, device=device_of(probs))[None, :]
            others_of_top = xp.sum(xp.where(is_top, 0.0, probs), axis=1)
            rest = self._free(xp.where(is_top, others_of_top[:, None], 1.0 - probs))
            y = self._free(probs)
            ones = xp.ones(hi - lo, dtype=Phi.dtype, device=device_of(Phi))
            r = ones if w is None else w
            for j in range(F):
                root = Phi * xp.sqrt(r * y[:, j] * rest[:, j])[:, None]
                diagonal[j] = diagonal[j] + xp.matrix_transpose(root) @ root
            Z = xp.reshape(Phi[:, :, None] * (xp.sqrt(r)[:, None] * y)[:, None, :],
                           (hi - lo, M * F))
            H = H - xp.matrix_transpose(Z) @ Z
        if self.binary:
            return H
        full = xp.reshape(H, (M, F, M, F))
        blocks = [[diagonal[j] if j == k else full[:, j, :, k] for k in range(F)]
                  for j in range(F)]
        return assemble(blocks, xp=xp)

    def preconditioner_blocks(self, point: Point) -> list[Any]:
        r"""Return the class-diagonal blocks (F of M x M) of the Hessian on a subsample of rows.

        Rows at a fixed stride, :data:`PRECONDITIONER_ROWS` of them at most, their weights
        scaled to the whole sum: a deterministic, cheap approximation of the Hessian (the
        exact one when the data are no larger, and then exact for two classes). Conjugate
        gradients preconditioned by it converge in a few Hessian-vector products.
        """
        xp = self.xp
        N = self.Phi.shape[0]
        stride = max(1, -(-N // PRECONDITIONER_ROWS))
        Phi = self.Phi[::stride, :]
        w = None if self.weights is None else self.weights[::stride]
        taken = Phi.shape[0] if w is None else float(xp.sum(w))
        scale = self.weight_sum / taken if taken > 0 else 1.0
        if self.binary:
            c = _special.sigmoid_derivative(point.state[::stride], xp=xp)
            curvatures = [self._times(w, c)]
        else:
            probs = point.state[::stride, :]
            y = self._free(probs)
            curvatures = [self._times(w, y[:, j] * (1.0 - y[:, j])) for j in range(y.shape[1])]
        blocks = []
        for c in curvatures:
            root = Phi * xp.sqrt(scale * c)[:, None]
            blocks.append(xp.matrix_transpose(root) @ root)
        return blocks

    def hvp(self, point: Point, D: Any) -> Any:
        r"""Return the Hessian times a direction ``D`` (M, F), without forming the Hessian.

        :math:`\sum_n r_n \phi_n \big(y_n \odot (d_n - y_n^T d_n)\big)^T` with
        :math:`d_n = D^T\phi_n` (the reference class's direction is zero).
        """
        xp = self.xp
        out = xp.zeros(D.shape, dtype=D.dtype, device=device_of(D))
        for lo, hi in self._blocks():
            Phi, w = self.Phi[lo:hi, :], self._row_weights(lo, hi)
            Ad = Phi @ D
            if self.binary:
                curvature = _special.sigmoid_derivative(point.state[lo:hi], xp=xp)
                B = self._times(w, curvature * Ad[:, 0])[:, None]
            else:
                y = self._free(point.state[lo:hi, :])
                B = self._times(w, y * (Ad - xp.sum(y * Ad, axis=1, keepdims=True)))
            out = out + xp.matrix_transpose(Phi) @ B
        return out




def assemble(blocks: list[list[Any]], *, xp: ModuleType) -> Any:
    """Return the (MF, MF) matrix whose (m*F + j, l*F + k) entry is ``blocks[j][k][m, l]``."""
    F, M = len(blocks), blocks[0][0].shape[0]
    stacked = xp.stack([xp.stack(row, axis=0) for row in blocks], axis=0)  # (F, F, M, M)
    return xp.reshape(xp.permute_dims(stacked, (2, 0, 3, 1)), (M * F, M * F))


@dataclass(frozen=True)
class NewtonResult:
    """Result of :func:`newton`."""

    V: Any  #: (M, F) weights at the end
    nll: float  #: negative log-likelihood there
    objective: float  #: nll + alpha/2 |V|^2
    hessian: Any  #: (MF, MF) Hessian of the objective at V, or None (CG path)
    n_iter: int
    converged: bool
    separated: bool  #: the steps stopped shrinking while the gradient vanished (MLE only)
    damped: bool  #: a direction needed damping: the Hessian was singular


def _newton_direction(H: Any, g: Any, *, xp: ModuleType) -> tuple[Any, bool]:
    """Solve ``H s = -g`` by Cholesky; damp a singular H (returns whether it was needed)."""
    try:
        L = cholesky(H, "the Hessian", xp=xp)
        damped = False
    except ValueError:
        eye = xp.eye(H.shape[0], dtype=H.dtype, device=device_of(H))
        scale = float(xp.max(xp.abs(xp.linalg.diagonal(H))))
        eps = float(xp.finfo(H.dtype).eps)
        L = None
        for power in (0.5, 0.25, 0.0):  # sqrt(eps), eps^(1/4), then 1, relative to the scale
            try:
                L = cholesky(H + (eps**power) * max(scale, 1.0) * eye, "the Hessian", xp=xp)
                break
            except ValueError:
                continue
        if L is None:  # not even damping helps: fall back to steepest descent
            return -g, True
        damped = True
    return cholesky_solve(L, -g, xp=xp), damped


def _factor_damped(H: Any, *, xp: ModuleType) -> tuple[Any, bool]:
    """Return the Cholesky factor of ``H``, damping a singular one (and whether it was)."""
    try:
        return cholesky(H, "the Hessian", xp=xp), False
    except ValueError:
        pass
    eye = xp.eye(H.shape[0], dtype=H.dtype, device=device_of(H))
    scale = max(float(xp.max(xp.abs(xp.linalg.diagonal(H)))), 1.0)
    eps = float(xp.finfo(H.dtype).eps)
    for power in (0.5, 0.25, 0.0):  # sqrt(eps), eps^(1/4), then 1, relative to the scale
        try:
            return cholesky(H + (eps**power) * scale * eye, "the Hessian", xp=xp), True
        except ValueError:
            continue
    return eye, True  # not even damping helps: the "preconditioner" is the identity


def _block_preconditioner(
    source: Source, point: Point, alpha: float, *, xp: ModuleType
) -> tuple[Any, bool]:
    """Return the solve with the subsampled class-diagonal Hessian, and whether it was damped."""
    factors, damped = [], False
    for block in source.preconditioner_blocks(point):
        L, was_damped = _factor_damped(_with_prior(block, alpha, xp=xp), xp=xp)
        factors.append(L)
        damped |= was_damped

    def solve(R: Any) -> Any:
        return xp.stack([cholesky_solve(L, R[:, j], xp=xp) for j, L in enumerate(factors)],
                        axis=1)

    return solve, damped


def _full_preconditioner(L: Any, *, xp: ModuleType) -> Any:
    """Return the solve with a full Hessian (+ alpha I) given by its Cholesky factor."""

    def solve(R: Any) -> Any:
        return xp.reshape(cholesky_solve(L, xp.reshape(R, (-1,)), xp=xp), R.shape)

    return solve


def _pcg_direction(
    source: Source, point: Point, g: Any, alpha: float, forcing: float, precondition: Any, *,
    xp: ModuleType,
) -> Any:
    """Return a truncated preconditioned conjugate-gradient solution of ``(H + alpha I) s = -g``.

    H enters only through Hessian-vector products (one pass over the data each). Stops at
    relative residual ``forcing`` (the Eisenstat-Walker forcing term), after as many
    iterations as unknowns, or at a direction of non-positive curvature (a singular MLE).
    """
    s = xp.zeros_like(g)
    r = -g
    z = precondition(r)
    p = z
    rz = float(xp.sum(r * z))
    target = forcing * forcing * float(xp.sum(r * r))
    for _ in range(math.prod(g.shape)):
        Hp = source.hvp(point, p) + alpha * p
        curvature = float(xp.sum(p * Hp))
        if curvature <= 0.0:
            break
        step = rz / curvature
        s = s + step * p
        r = r - step * Hp
        if float(xp.sum(r * r)) <= target:
            break
        z = precondition(r)
        rz_new = float(xp.sum(r * z))
        p = z + (rz_new / rz) * p
        rz = rz_new
    return s if bool(xp.any(s != 0.0)) else -g


def newton(
    source: Source,
    V0: Any,
    alpha: float,
    *,
    tol: float,
    max_iter: int,
    need_hessian: bool,
    detect_separation: bool,
    xp: ModuleType,
    hessian_hint: Any = None,
) -> NewtonResult:
    r"""Minimise :math:`E(W) + \frac\alpha2\lVert W\rVert^2` by Newton's method with a line search.

    Parameters
    ----------
    source : Likelihood or a block source
        The negative log-likelihood :math:`E`.
    V0 : array of shape (M, F)
        Start.
    alpha : float
        Prior precision (0 for the MLE).
    tol : float
        Converged when :math:`\max|\nabla| \le` ``tol`` times the sum of the weights (the
        gradient of the mean objective, as scikit-learn's ``tol``), floored at 1000 machine
        epsilons of the dtype.
    max_iter : int
        Newton steps at most.
    need_hessian : bool
        Return the Hessian of the objective at the end (formed only then in memory).
    detect_separation : bool
        Flag separable data: the full Newton step does not shrink (no quadratic convergence)
        while the gradient vanishes, the signature of weights running off to infinity.
    xp : module
    hessian_hint : array of shape (MF, MF), optional
        The likelihood's Hessian at a nearby point (the mode at a neighbouring alpha):
        preconditions every step instead of the subsampled Hessian, so that each step takes
        one or two Hessian-vector products.

    Returns
    -------
    NewtonResult

    Notes
    -----
    The step solves :math:`(\nabla\nabla E + \alpha I)\,s = -\nabla` (PRML eq. 4.92, IRLS):
    by Cholesky of the Hessian where forming it is cheap (:data:`DIRECT_WORK`) and for block
    sources (Dask, which sum it); otherwise by conjugate gradients on Hessian-vector
    products (each one pass over the data, no (MF)^2 Hessian formed), preconditioned by a
    subsampled Hessian or ``hessian_hint``. The gradient is exact, so the
    answer is the exact mode. Backtracking halves the step until the Armijo condition holds
    (within the objective's round-off).
    """
    eps = float(xp.finfo(V0.dtype).eps)
    tol = max(float(tol), 100.0 * eps)
    n_params = math.prod(V0.shape)
    direct = source.direct_only or source.n_rows * n_params**2 <= DIRECT_WORK
    hinted = None
    if hessian_hint is not None and not direct:
        L, hint_damped = _factor_damped(_with_prior(hessian_hint, alpha, xp=xp), xp=xp)
        hinted = _full_preconditioner(L, xp=xp)
    V = V0
    point = source.evaluate(V)
    objective = point.value + 0.5 * alpha * float(xp.sum(V * V))
    steps: list[float] = []
    converged = separated = damped = False
    H = None
    n_iter = 0
    for n_iter in range(max_iter + 1):  # n_iter is reported after the loop
        g = source.gradient(point) + alpha * V
        if not bool(xp.all(xp.isfinite(g))):
            break
        g_max = float(xp.max(xp.abs(g)))
        converged = g_max <= tol * source.weight_sum
        if direct:
            H = _with_prior(source.hessian(point), alpha, xp=xp)
        if (converged and not detect_separation) or n_iter == max_iter:
            break
        if direct:
            flat, was_damped = _newton_direction(H, xp.reshape(g, (-1,)), xp=xp)
            s = xp.reshape(flat, V.shape)
        else:
            if hinted is None:
                precondition, was_damped = _block_preconditioner(source, point, alpha, xp=xp)
            else:
                precondition, was_damped = hinted, hint_damped
            forcing = min(0.5, math.sqrt(g_max / source.weight_sum))
            s = _pcg_direction(source, point, g, alpha, forcing, precondition, xp=xp)
        damped |= was_damped
        step_size = float(xp.max(xp.abs(s)))
        steps.append(step_size)
        if converged:  # the step that would follow tells a maximum from a run-off
            separated = _running_off(steps, float(xp.max(xp.abs(V))), eps)
            break
        slope = float(xp.sum(g * s))
        noise = 10.0 * eps * (abs(objective) + 1.0)
        t = 1.0
        for _ in range(_MAX_HALVINGS):
            trial = source.evaluate(V + t * s)
            V_trial = trial.V
            trial_objective = trial.value + 0.5 * alpha * float(xp.sum(V_trial * V_trial))
            if math.isfinite(trial_objective) and (
                trial_objective <= objective + _ARMIJO * t * slope + noise
            ):
                break
            t *= 0.5
        else:
            break  # no decrease within the objective's round-off: as far as it can go
        V, point, objective = V_trial, trial, trial_objective
    if detect_separation and not converged:
        separated = _running_off(steps, float(xp.max(xp.abs(V))), eps)
    if need_hessian and H is None:
        H = _with_prior(source.hessian(point), alpha, xp=xp)
    return NewtonResult(
        V=V,
        nll=point.value,
        objective=objective,
        hessian=H,
        n_iter=n_iter,
        converged=converged and not separated,
        separated=separated,
        damped=damped,
    )


def _running_off(steps: list[float], size: float, eps: float) -> bool:
    """Whether the last full Newton step is as long as the one before (and not round-off).

    Near a finite optimum Newton converges quadratically: each step is a small fraction of
    the one before. On separable data the likelihood keeps rising along a direction of
    unbounded weights and every step has about the same length, whatever the gradient.
    """
    if len(steps) < 2:
        return False
    before, last = steps[-2:]
    return last > math.sqrt(eps) * (1.0 + size) and last > 0.5 * before


def _with_prior(H: Any, alpha: float, *, xp: ModuleType) -> Any:
    if alpha == 0.0:
        return H
    return H + alpha * xp.eye(H.shape[0], dtype=H.dtype, device=device_of(H))


@dataclass(frozen=True)
class LaplaceEvidence:
    """The Laplace approximation of the evidence at one alpha (:func:`laplace_evidence`)."""

    log_evidence: float
    alpha: float
    cholesky: Any  #: lower factor L of A = S_N^-1 = L L^T

    def cov(self, *, xp: ModuleType) -> Any:
        """Return the Laplace covariance :math:`S_N = A^{-1}`."""
        return cholesky_inverse(self.cholesky, xp=xp)

    def gamma(self, *, xp: ModuleType) -> float:
        r"""Return :math:`\gamma = n - \alpha\operatorname{tr}A^{-1}` (PRML 3.91).

        :math:`\operatorname{tr}A^{-1} = \lVert L^{-1}\rVert_F^2`.
        """
        eye = xp.eye(self.cholesky.shape[0], dtype=self.cholesky.dtype,
                     device=device_of(self.cholesky))
        L_inv = solve_lower(self.cholesky, eye, xp=xp)
        return self.cholesky.shape[0] - self.alpha * float(xp.sum(L_inv * L_inv))


def laplace_evidence(
    nll: float, V: Any, A: Any, alpha: float, *, xp: ModuleType
) -> LaplaceEvidence:
    r"""Return :math:`\ln p(\mathcal D \mid \alpha)` by the Laplace approximation.

    Parameters
    ----------
    nll : float
        :math:`E(w_{MAP}) = -\ln p(\mathcal D \mid w_{MAP})`.
    V : array
        :math:`w_{MAP}` (any shape, n entries).
    A : array of shape (n, n)
        :math:`S_N^{-1} = \alpha I + \nabla\nabla E` at :math:`w_{MAP}` (PRML 4.143).
    alpha : float
    xp : module

    Raises
    ------
    ValueError
        If ``A`` is not positive definite in its floating-point precision.

    Notes
    -----
    With the prior :math:`\mathcal N(w \mid 0, \alpha^{-1} I)` in PRML eq. 4.137,
    :math:`\ln p(\mathcal D) \simeq \ln p(\mathcal D \mid w_{MAP}) + \ln p(w_{MAP}) +
    \frac n2 \ln 2\pi - \frac12 \ln|A|`:

    .. math::

        \ln p(\mathcal D \mid \alpha) \simeq -E(w_{MAP}) - \frac\alpha2 w_{MAP}^T w_{MAP}
            + \frac n2 \ln\alpha - \frac12 \ln|A|, \qquad
        \gamma = \sum_i \frac{\lambda_i}{\alpha + \lambda_i} = n - \alpha\operatorname{tr}A^{-1}

    (:math:`\lambda_i` the eigenvalues of :math:`\nabla\nabla E`; PRML 3.91 for this
    likelihood).
    """
    n = math.prod(V.shape)
    L = cholesky(A, "the posterior precision", xp=xp,
                 remedy="; increase alpha or use fewer basis functions")
    wtw = float(xp.sum(V * V))
    log_ev = -nll - 0.5 * alpha * wtw + 0.5 * n * math.log(alpha) - 0.5 * float(
        logdet_from_cholesky(L, xp=xp)
    )
    return LaplaceEvidence(log_ev, alpha, L)


def probit_logit(mean: Any, var: Any, *, xp: ModuleType) -> Any:
    r"""Return the moderated logit :math:`\kappa(\sigma_a^2)\,\mu_a` (PRML eqs. 4.153-4.155).

    :math:`\int \sigma(a)\,\mathcal N(a \mid \mu_a, \sigma_a^2)\,da \simeq
    \sigma(\kappa(\sigma_a^2)\mu_a)` with :math:`\kappa(\sigma^2) = (1 + \pi\sigma^2/8)^{-1/2}`.
    """
    return mean / xp.sqrt(1.0 + (math.pi / 8.0) * var)


def log_predictive_from_draws(
    Phi: Any, draws: Any, *, reference: bool, xp: ModuleType
) -> Any:
    r"""Return :math:`\ln \frac1S\sum_s \operatorname{softmax}(W_s^T\phi_n)` for every row.

    Parameters
    ----------
    Phi : array of shape (n, M)
    draws : array of shape (S, M, F)
        Weight draws (of a Laplace posterior, or MCMC).
    reference : bool
        Whether the F columns leave out class 0.
    xp : module

    Returns
    -------
    array of shape (n, K)
        Log predictive probabilities, by a log-sum-exp over the draws (no underflow to
        ``log 0`` for improbable classes). Each row depends only on its own input and the
        draws, so predictions on a subset equal those on the whole.
    """
    S, M, F = draws.shape
    stacked = xp.reshape(xp.permute_dims(draws, (1, 0, 2)), (M, S * F))
    K = F + 1 if reference else F
    rows = max(1, _DRAW_BLOCK // (S * K))
    parts = []
    for start in range(0, Phi.shape[0], rows):
        stop = min(start + rows, Phi.shape[0])
        A = xp.reshape(Phi[start:stop, :] @ stacked, (-1, S, F))
        logp = _special.log_softmax(full_logits(A, reference=reference, xp=xp), axis=2, xp=xp)
        m, log_sum = _special.logsumexp_parts(logp, axis=1, xp=xp)
        parts.append((m + log_sum)[:, 0, :] - math.log(S))
    return xp.concat(parts, axis=0)


def pointwise_log_likelihood(
    Phi: Any, draws: Any, targets: Any, *, reference: bool, xp: ModuleType
) -> Any:
    r"""Return :math:`\ln p(t_n \mid W_s)` for every draw and row, shape (S, n).

    ``targets`` is one-hot (n, K); ``draws`` (S, M, F) as in :func:`log_predictive_from_draws`.
    """
    parts = []
    rows = max(1, _DRAW_BLOCK // (Phi.shape[0] * targets.shape[1]))
    for start in range(0, draws.shape[0], rows):
        stop = min(start + rows, draws.shape[0])
        A = Phi[None, :, :] @ draws[start:stop, :, :]  # (s, n, F)
        logp = _special.log_softmax(full_logits(A, reference=reference, xp=xp), axis=2, xp=xp)
        parts.append(xp.sum(logp * targets[None, :, :], axis=2))
    return xp.concat(parts, axis=0)
