r"""Information theory on probability vectors and Gaussians: entropy, cross-entropy, KL, JS, MI.

Discrete quantities take probability vectors along ``axis`` (default the last) and are batched
over every other axis; Gaussian ones take means ``(..., M)`` and covariances ``(..., M, M)``
and are batched over the leading axes. Units: ``base=None`` gives nats, ``base=2`` bits,
``base=10`` hartleys.

Conventions (those of ``scipy.special.xlogy`` / ``rel_entr``): :math:`0 \ln 0 = 0`; the
cross-entropy and the KL divergence are :math:`+\infty` where :math:`q = 0 < p`, never NaN.
Inputs that are not distributions (negative entries, NaN, slices that do not sum to one within
the square root of the dtype's epsilon, two arguments of different shapes) are a
:class:`ValueError`, unless ``normalize=True`` asks for each slice to be divided by its sum.
See ``docs/information-theory.md`` for the derivations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from bayesfit import _special
from bayesfit._backend import get_namespace
from bayesfit._linalg import cholesky, gaussian_kl_from_cholesky, logdet_from_cholesky
from bayesfit._validation import (
    NONE,
    POSITIVE,
    check_distribution,
    check_probabilities,
    check_tensor,
    check_value,
)

__all__ = [
    "MonteCarloEstimate",
    "conditional_entropy",
    "cross_entropy",
    "entropy",
    "gaussian_entropy",
    "gaussian_kl",
    "js_divergence",
    "kl_divergence",
    "kl_monte_carlo",
    "mutual_information",
    "self_information",
]


# -- shared plumbing ------------------------------------------------------------------------------


def _log_base(base: object) -> float:
    """Return the divisor that converts nats to ``base`` units (1 for nats)."""
    check_value("base", base, [NONE, POSITIVE])
    if base is None:
        return 1.0
    if base == 1:
        raise ValueError("base must be None or a positive number other than 1; got 1")
    return math.log(base)


def _distributions(
    arrays: dict[str, Any], *, axis: int, normalize: bool
) -> tuple[list[Any], ModuleType]:
    """Validate same-shape distributions along ``axis``; return them in one floating dtype."""
    xp = get_namespace(*arrays.values())
    out = [
        check_distribution(a, name, axis=axis, normalize=normalize, xp=xp)
        for name, a in arrays.items()
    ]
    names = list(arrays)
    for name, a in zip(names[1:], out[1:], strict=True):
        if a.shape != out[0].shape:
            raise ValueError(
                f"{names[0]} and {name} must have the same shape, got {out[0].shape} and "
                f"{a.shape} (broadcasting is not applied)"
            )
    dtype = xp.result_type(*(a.dtype for a in out))
    return [xp.astype(a, dtype, copy=False) for a in out], xp


def _neg_sum_xlogy(p: Any, q: Any, *, axis: int, xp: ModuleType) -> Any:
    r""":math:`-\sum p \ln q` along ``axis`` (:math:`0 \ln q = 0`), by blocks of the batch."""

    def kernel(p: Any, q: Any) -> Any:
        return -xp.sum(_special.xlogy(p, q, xp=xp), axis=axis)

    return _special.reduce_in_chunks(kernel, [p, q], axis=axis, xp=xp)


def _sum_rel_entr(p: Any, q: Any, *, axis: int, xp: ModuleType) -> Any:
    r""":math:`\sum p \ln(p/q)` along ``axis``, by blocks (``scipy.special.rel_entr`` summed).

    The ratio is formed before the logarithm, so that for :math:`p \approx q` the terms do not
    cancel between two logarithms; :math:`p/0 = \infty` gives :math:`+\infty`.
    """

    def kernel(p: Any, q: Any) -> Any:
        ratio = _special.x_over_y(p, q, xp=xp)
        return xp.sum(_special.xlogy(p, ratio, xp=xp), axis=axis)

    return _special.reduce_in_chunks(kernel, [p, q], axis=axis, xp=xp)


# -- discrete distributions ------------------------------------------------------------------------


def self_information(p: Any, base: float | None = None) -> Any:
    r"""Return the self-information (surprisal) :math:`I(p) = -\ln p` of each probability.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1] (elementwise; need not sum to one).
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.

    Returns
    -------
    array
        The shape of ``p``; :math:`+\infty` where :math:`p = 0`.

    Notes
    -----
    .. math:: I(p) = -\log_b p,

    the information gained by observing an event of probability :math:`p`; its expectation
    is the entropy (PRML eq. 1.93).

    Examples
    --------
    >>> self_information([0.5, 0.25, 1.0], base=2)
    array([1., 2., 0.])
    """
    divisor = _log_base(base)
    xp = get_namespace(p)
    p = check_probabilities(p, "p", xp=xp)
    # 0 - x, not -x, so that p = 1 gives +0.0
    return (0.0 - _special.xlogy(xp.ones_like(p), p, xp=xp)) / divisor


def entropy(p: Any, axis: int = -1, base: float | None = None, normalize: bool = False) -> Any:
    r"""Return the Shannon entropy :math:`H(p) = -\sum_k p_k \ln p_k` along ``axis``.

    Parameters
    ----------
    p : array_like
        Probability vectors along ``axis``.
    axis : int, default -1
        The axis the distributions lie along; every other axis is a batch axis.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.
    normalize : bool, default False
        Divide each slice by its sum first (then ``p`` may be counts or weights).

    Returns
    -------
    array
        ``p``'s shape without ``axis``; 0-d for one distribution.

    Notes
    -----
    .. math:: H(p) = -\sum_k p_k \log_b p_k, \qquad 0 \log 0 = 0

    (PRML eq. 1.98). :math:`0 \le H(p) \le \log_b K`, the upper bound for the uniform
    distribution. Computed in blocks of the batch, so the temporaries stay small for a large
    batch.

    Examples
    --------
    >>> float(entropy([0.5, 0.5], base=2))
    1.0
    >>> float(entropy([1.0, 0.0]))
    0.0
    """
    divisor = _log_base(base)
    (p,), xp = _distributions({"p": p}, axis=axis, normalize=normalize)
    return _neg_sum_xlogy(p, p, axis=axis, xp=xp) / divisor


def cross_entropy(
    p: Any, q: Any, axis: int = -1, base: float | None = None, normalize: bool = False
) -> Any:
    r"""Return the cross-entropy :math:`H(p, q) = -\sum_k p_k \ln q_k` along ``axis``.

    Parameters
    ----------
    p, q : array_like
        Probability vectors along ``axis``, of one shape: ``p`` the true distribution,
        ``q`` the model.
    axis : int, default -1
        The axis the distributions lie along.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.
    normalize : bool, default False
        Divide each slice of ``p`` and ``q`` by its sum first.

    Returns
    -------
    array
        The shape without ``axis``; :math:`+\infty` where some :math:`q_k = 0 < p_k`.

    Notes
    -----
    .. math:: H(p, q) = -\sum_k p_k \log q_k = H(p) + \mathrm{KL}(p \,\|\, q).

    With one-hot :math:`p` (an observed class) it is :math:`-\ln q_y`, the loss
    :func:`bayesfit.losses.categorical_nll`.

    Examples
    --------
    >>> float(cross_entropy([1.0, 0.0], [0.5, 0.5], base=2))
    1.0
    """
    divisor = _log_base(base)
    (p, q), xp = _distributions({"p": p, "q": q}, axis=axis, normalize=normalize)
    return _neg_sum_xlogy(p, q, axis=axis, xp=xp) / divisor


def kl_divergence(
    p: Any, q: Any, axis: int = -1, base: float | None = None, normalize: bool = False
) -> Any:
    r"""Return the Kullback-Leibler divergence :math:`\mathrm{KL}(p \,\|\, q)` along ``axis``.

    Parameters
    ----------
    p, q : array_like
        Probability vectors along ``axis``, of one shape.
    axis : int, default -1
        The axis the distributions lie along.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.
    normalize : bool, default False
        Divide each slice of ``p`` and ``q`` by its sum first.

    Returns
    -------
    array
        The shape without ``axis``; :math:`\ge 0`, 0 iff :math:`p = q`, and :math:`+\infty`
        where some :math:`q_k = 0 < p_k`.

    Notes
    -----
    .. math::

        \mathrm{KL}(p \,\|\, q) = \sum_k p_k \log \frac{p_k}{q_k}
                               = H(p, q) - H(p) \ge 0

    (PRML eq. 1.113; non-negative by Jensen's inequality, eq. 1.118). Terms are evaluated as
    :math:`p_k \ln(p_k / q_k)` like ``scipy.special.rel_entr``, which keeps digits for
    :math:`p \approx q`; like it, a subnormal :math:`q_k` (below ~2e-308 in float64) can
    overflow the ratio and give :math:`+\infty`.

    Examples
    --------
    >>> float(kl_divergence([0.5, 0.5], [0.5, 0.5]))
    0.0
    >>> float(kl_divergence([0.5, 0.5], [1.0, 0.0]))
    inf
    """
    divisor = _log_base(base)
    (p, q), xp = _distributions({"p": p, "q": q}, axis=axis, normalize=normalize)
    return _sum_rel_entr(p, q, axis=axis, xp=xp) / divisor


def js_divergence(
    p: Any, q: Any, axis: int = -1, base: float | None = None, normalize: bool = False
) -> Any:
    r"""Return the Jensen-Shannon divergence of ``p`` and ``q`` along ``axis``.

    Parameters
    ----------
    p, q : array_like
        Probability vectors along ``axis``, of one shape.
    axis : int, default -1
        The axis the distributions lie along.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.
    normalize : bool, default False
        Divide each slice of ``p`` and ``q`` by its sum first.

    Returns
    -------
    array
        The shape without ``axis``: symmetric, finite, in :math:`[0, \ln 2]` nats
        (:math:`[0, 1]` bits).

    Notes
    -----
    .. math::

        \mathrm{JS}(p, q) = \tfrac12 \mathrm{KL}(p \,\|\, m) + \tfrac12 \mathrm{KL}(q \,\|\, m),
        \qquad m = \tfrac12 (p + q).

    :math:`m_k \ge p_k / 2`, so neither KL can be infinite, and each is at most :math:`\ln 2`.
    This is the JS *divergence*; its square root is the distance
    ``scipy.spatial.distance.jensenshannon``.

    Examples
    --------
    >>> float(js_divergence([1.0, 0.0], [0.0, 1.0], base=2))
    1.0
    """
    divisor = _log_base(base)
    (p, q), xp = _distributions({"p": p, "q": q}, axis=axis, normalize=normalize)

    def kernel(p: Any, q: Any) -> Any:
        m = 0.5 * (p + q)
        p_term = _special.xlogy(p, _special.x_over_y(p, m, xp=xp), xp=xp)
        q_term = _special.xlogy(q, _special.x_over_y(q, m, xp=xp), xp=xp)
        return 0.5 * xp.sum(p_term + q_term, axis=axis)

    return _special.reduce_in_chunks(kernel, [p, q], axis=axis, xp=xp) / divisor


# -- joint distributions of two variables ---------------------------------------------------------


def _joint(joint: Any, normalize: bool) -> tuple[Any, ModuleType]:
    """Validate tables ``(..., n_x, n_y)`` that each sum to one over the last two axes."""
    xp = get_namespace(joint)
    joint = check_tensor(joint, "joint", xp=xp)
    if joint.ndim < 2:
        raise ValueError(
            f"joint must be a table p(x, y) with at least 2 dimensions (..., n_x, n_y), "
            f"got shape {joint.shape}"
        )
    flat = xp.reshape(joint, (*joint.shape[:-2], joint.shape[-2] * joint.shape[-1]))
    flat = check_distribution(flat, "joint", axis=-1, normalize=normalize, xp=xp)
    return xp.reshape(flat, joint.shape), xp


def mutual_information(joint: Any, base: float | None = None, normalize: bool = False) -> Any:
    r"""Return the mutual information :math:`I(X; Y)` of a joint probability table.

    Parameters
    ----------
    joint : array_like of shape (..., n_x, n_y)
        :math:`p(x, y)`, rows indexing :math:`x` and columns :math:`y`; each table (the last
        two axes) sums to one. Leading axes are a batch.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.
    normalize : bool, default False
        Divide each table by its sum first (then ``joint`` may be a contingency table of
        counts).

    Returns
    -------
    array
        Shape ``joint.shape[:-2]``; :math:`\ge 0`, 0 for independent variables.

    Notes
    -----
    .. math::

        I(X; Y) = \mathrm{KL}\big(p(x, y) \,\|\, p(x) p(y)\big)
                = \sum_{x, y} p(x, y) \ln \frac{p(x, y)}{p(x) p(y)}
                = H(Y) - H(Y \mid X)

    (PRML eqs. 1.120-1.121), summed as :math:`p \ln p - p \ln p(x) - p \ln p(y)`. Rounding
    can leave a result of order :math:`-\epsilon` for independent tables; it is clipped at 0.

    Examples
    --------
    >>> float(mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2))
    1.0
    >>> float(mutual_information([[0.25, 0.25], [0.25, 0.25]]))
    0.0
    """
    divisor = _log_base(base)
    joint, xp = _joint(joint, normalize)
    px = xp.sum(joint, axis=-1, keepdims=True)
    py = xp.sum(joint, axis=-2, keepdims=True)
    # In logs, not as the ratio p(x, y) / (p(x) p(y)): the product of two small marginals
    # underflows. Where p(x, y) > 0 both marginals are at least p(x, y), so no term is infinite.
    terms = _special.xlogy(joint, joint, xp=xp) - (
        _special.xlogy(joint, px, xp=xp) + _special.xlogy(joint, py, xp=xp)
    )
    mi = xp.sum(terms, axis=(-2, -1))
    return xp.where(mi > 0, mi, xp.zeros_like(mi)) / divisor


def conditional_entropy(joint: Any, base: float | None = None, normalize: bool = False) -> Any:
    r"""Return the conditional entropy :math:`H(Y \mid X)` of a joint table :math:`p(x, y)`.

    Parameters
    ----------
    joint : array_like of shape (..., n_x, n_y)
        :math:`p(x, y)`, rows indexing the conditioning variable :math:`x`; each table sums
        to one. Leading axes are a batch.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.
    normalize : bool, default False
        Divide each table by its sum first.

    Returns
    -------
    array
        Shape ``joint.shape[:-2]``, in :math:`[0, H(Y)]`. For :math:`H(X \mid Y)` pass the
        transposed table.

    Notes
    -----
    .. math::

        H(Y \mid X) = -\sum_{x, y} p(x, y) \ln \frac{p(x, y)}{p(x)} = H(X, Y) - H(X)

    (PRML eqs. 1.111-1.112), evaluated from the ratio :math:`p(y \mid x) \le 1`, so every term
    is non-negative.

    Examples
    --------
    >>> float(conditional_entropy([[0.25, 0.25], [0.5, 0.0]], base=2))
    0.5
    """
    divisor = _log_base(base)
    joint, xp = _joint(joint, normalize)
    conditional = _special.x_over_y(joint, xp.sum(joint, axis=-1, keepdims=True), xp=xp)
    terms = _special.xlogy(joint, conditional, xp=xp)
    return (0.0 - xp.sum(terms, axis=(-2, -1))) / divisor


# -- Gaussians ------------------------------------------------------------------------------------


def _covariance(cov: Any, name: str, *, xp: ModuleType) -> Any:
    """Validate a batch of symmetric matrices ``(..., M, M)`` and return its Cholesky factor."""
    cov = check_tensor(cov, name, xp=xp)
    if cov.ndim < 2 or cov.shape[-1] != cov.shape[-2]:
        raise ValueError(f"{name} must be square matrices of shape (..., M, M), got {cov.shape}")
    asymmetry = xp.max(xp.abs(cov - xp.matrix_transpose(cov)))
    scale = xp.max(xp.abs(cov))
    if bool(asymmetry > 100 * xp.finfo(cov.dtype).eps * scale):
        raise ValueError(f"{name} is not symmetric (largest |C - C^T| is {float(asymmetry):.3g})")
    return cholesky(cov, name, xp=xp)


def gaussian_entropy(cov: Any, base: float | None = None) -> Any:
    r"""Return the differential entropy :math:`\tfrac12 \ln\lvert 2\pi e\,\Sigma \rvert` (Gaussian).

    Parameters
    ----------
    cov : array_like of shape (..., M, M)
        Covariance matrices, symmetric positive definite; leading axes are a batch.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.

    Returns
    -------
    array
        Shape ``cov.shape[:-2]`` (may be negative: a differential entropy).

    Notes
    -----
    .. math::

        H[\mathcal N(\mu, \Sigma)] = \frac M2 (1 + \ln 2\pi) + \frac12 \ln\lvert\Sigma\rvert,
        \qquad \ln\lvert\Sigma\rvert = 2 \sum_i \ln L_{ii}

    (PRML eq. 1.110 for :math:`M = 1`; B.41), from the Cholesky factor :math:`\Sigma = L L^T`.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(gaussian_entropy(np.eye(1))), 6)  # (1 + ln 2 pi) / 2
    1.418939
    """
    divisor = _log_base(base)
    xp = get_namespace(cov)
    L = _covariance(cov, "cov", xp=xp)
    M = L.shape[-1]
    entropy = 0.5 * (M * (1.0 + math.log(2.0 * math.pi)) + logdet_from_cholesky(L, xp=xp))
    return entropy / divisor


def gaussian_kl(mean0: Any, cov0: Any, mean1: Any, cov1: Any, base: float | None = None) -> Any:
    r"""Return :math:`\mathrm{KL}(\mathcal N(\mu_0, \Sigma_0) \,\|\, \mathcal N(\mu_1, \Sigma_1))`.

    Parameters
    ----------
    mean0, mean1 : array_like of shape (..., M)
        Means; leading axes are a batch and match across all four arguments.
    cov0, cov1 : array_like of shape (..., M, M)
        Covariances, symmetric positive definite.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.

    Returns
    -------
    array
        Shape ``mean0.shape[:-1]``; 0 for identical arguments.

    Notes
    -----
    .. math::

        \mathrm{KL} = \tfrac12\Big[\operatorname{tr}(\Sigma_1^{-1}\Sigma_0)
            + (\mu_1 - \mu_0)^T \Sigma_1^{-1} (\mu_1 - \mu_0) - M
            + \ln\frac{\lvert\Sigma_1\rvert}{\lvert\Sigma_0\rvert}\Big],

    evaluated from the Cholesky factors with triangular solves (no inverse):
    :math:`\operatorname{tr}(\Sigma_1^{-1}\Sigma_0) = \lVert L_1^{-1} L_0 \rVert_F^2`. The
    kernel is :func:`bayesfit._linalg.gaussian_kl_from_cholesky`, which
    :meth:`~bayesfit.posterior.GaussianPosterior.kl_to` uses too.

    Examples
    --------
    >>> import numpy as np
    >>> float(gaussian_kl(np.zeros(1), np.eye(1), np.ones(1), np.eye(1)))
    0.5
    """
    divisor = _log_base(base)
    xp = get_namespace(mean0, cov0, mean1, cov1)
    means = [check_tensor(m, name, xp=xp) for m, name in ((mean0, "mean0"), (mean1, "mean1"))]
    if means[0].ndim == 0 or means[0].shape != means[1].shape:
        raise ValueError(
            f"mean0 and mean1 must be vectors (..., M) of one shape, got {means[0].shape} and "
            f"{means[1].shape}"
        )
    Ls = [_covariance(c, name, xp=xp) for c, name in ((cov0, "cov0"), (cov1, "cov1"))]
    for L, name in zip(Ls, ("cov0", "cov1"), strict=True):
        if L.shape != (*means[0].shape, means[0].shape[-1]):
            raise ValueError(
                f"{name} must have shape {(*means[0].shape, means[0].shape[-1])} to match the "
                f"means, got {L.shape}"
            )
    dtype = xp.result_type(*(a.dtype for a in (*means, *Ls)))
    m0, m1, L0, L1 = (xp.astype(a, dtype, copy=False) for a in (*means, *Ls))
    return gaussian_kl_from_cholesky(m0, L0, m1, L1, xp=xp) / divisor


# -- Monte Carlo ----------------------------------------------------------------------------------


class MonteCarloEstimate(NamedTuple):
    """A Monte Carlo estimate with its standard error."""

    estimate: Any
    stderr: Any
    n_samples: int


def kl_monte_carlo(
    logp: Callable[[Any], Any],
    logq: Callable[[Any], Any],
    samples: Any,
    base: float | None = None,
) -> MonteCarloEstimate:
    r"""Return a Monte Carlo estimate of :math:`\mathrm{KL}(p \,\|\, q)` and its standard error.

    Parameters
    ----------
    logp, logq : callable
        Log densities (or log probabilities): each maps ``samples`` to an array of shape
        ``(n,)``, one value per sample.
    samples : array_like of shape (n, ...)
        Draws from :math:`p` (the first axis indexes the draws), :math:`n \ge 2`.
    base : float, optional
        Logarithm base: None for nats, 2 for bits, 10 for hartleys.

    Returns
    -------
    MonteCarloEstimate
        ``estimate`` (0-d), ``stderr`` (0-d) and ``n_samples``.

    Notes
    -----
    With :math:`x_i \sim p` and :math:`d_i = \ln p(x_i) - \ln q(x_i)`,

    .. math::

        \widehat{\mathrm{KL}} = \frac1n \sum_i d_i, \qquad
        \mathrm{se} = \frac{s_d}{\sqrt n}, \quad
        s_d^2 = \frac{1}{n - 1}\sum_i (d_i - \bar d)^2,

    unbiased, and approximately normal for large :math:`n` (PRML eq. 1.35 for the sample
    mean). Use it where no closed form exists; for two Gaussians :func:`gaussian_kl` is exact.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> x = np.random.default_rng(0).normal(size=20000)
    >>> est = kl_monte_carlo(stats.norm(0, 1).logpdf, stats.norm(1, 1).logpdf, x)
    >>> abs(float(est.estimate) - 0.5) < 4 * float(est.stderr)
    True
    """
    divisor = _log_base(base)
    if not (callable(logp) and callable(logq)):
        raise TypeError("logp and logq must be callables that map samples to log densities")
    xp = get_namespace(samples)
    samples = check_tensor(samples, "samples", xp=xp)
    n = samples.shape[0] if samples.ndim else 1
    if n < 2:
        raise ValueError(f"samples needs at least 2 draws for a standard error, got {n}")
    values = {
        name: check_tensor(f(samples), f"{name}(samples)", xp=xp)
        for name, f in (("logp", logp), ("logq", logq))
    }
    for name, v in values.items():
        if v.shape != (n,):
            raise ValueError(f"{name}(samples) must have shape ({n},), one per draw, got {v.shape}")
    d = values["logp"] - values["logq"]
    mean = xp.mean(d)
    stderr = xp.std(d, correction=1) / math.sqrt(n)
    return MonteCarloEstimate(mean / divisor, stderr / divisor, n)


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
