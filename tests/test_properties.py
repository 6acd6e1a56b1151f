"""Property-based tests (hypothesis) of identities every estimator must satisfy.

Each property is checked on random small problems against an independent reference: the
same estimator on permuted or re-chunked data, a closed form computed here with NumPy
(weighted ridge, weighted least squares), or ``scipy.stats.multivariate_normal`` for the
N x N Gaussian form of the evidence. The problems are drawn from a seed, a size, a degree and
log-uniform precisions, so that every example is well posed and shrinks to a small one.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

import bayesfit as bf

# Modest, deterministic runs: the file stays fast and a failure reproduces exactly.
FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class Problem:
    """A random curve-fitting problem: inputs, targets, a polynomial degree and precisions."""

    def __init__(self, seed: int, n: int, degree: int, log_alpha: float, log_beta: float):
        rng = np.random.default_rng(seed)
        self.x = rng.uniform(-1.0, 1.0, n)
        self.t = rng.normal(size=degree + 1) @ self.x[None, :] ** np.arange(degree + 1)[:, None]
        self.t = self.t + rng.normal(scale=0.3, size=n)
        self.degree, self.alpha, self.beta = degree, 10.0**log_alpha, 10.0**log_beta
        self.rng = rng

    @property
    def basis(self) -> bf.basis.Polynomial:
        return bf.basis.Polynomial(self.degree)

    def design(self, x=None) -> np.ndarray:
        x = self.x if x is None else x
        return x[:, None] ** np.arange(self.degree + 1)[None, :]

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Problem(n={self.x.size}, degree={self.degree}, alpha={self.alpha:g}, " \
               f"beta={self.beta:g})"


@hst.composite
def problems(draw, min_extra: int = 0, max_n: int = 14) -> Problem:
    """A problem with at least ``degree + 1 + min_extra`` points."""
    degree = draw(hst.integers(0, 3))
    n = draw(hst.integers(degree + 1 + min_extra, max(max_n, degree + 1 + min_extra)))
    return Problem(
        draw(hst.integers(0, 2**32 - 1)),
        n,
        degree,
        draw(hst.floats(-2.0, 2.0)),
        draw(hst.floats(-1.0, 2.0)),
    )


def _make(kind: str, p: Problem):
    return {
        "mle": lambda: bf.MLERegression(p.basis),
        "map": lambda: bf.MAPRegression(p.basis, alpha=p.alpha, beta=p.beta),
        "bayes": lambda: bf.BayesianRegression(p.basis, alpha=p.alpha, beta=p.beta),
        "evidence": lambda: bf.EvidenceRegression(p.basis),
    }[kind]()


def _fit(model, *data, stream=False):
    """Fit (``fit_stream`` when ``stream``); None when a BayesfitWarning says it is a boundary
    or rank-deficient case, which test_numerical_edges covers instead."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", bf.BayesfitWarning)
        model.fit_stream(*data) if stream else model.fit(*data)
    return None if caught else model


def _rtol(kind: str) -> float:
    # The evidence iteration stops when a step is below tol = 1e-10; near a flat maximum the
    # distance to the fixed point can be a few hundred steps' worth.
    return 1e-5 if kind == "evidence" else 1e-7


def _state(model) -> list[np.ndarray]:
    """The learned quantities to compare: weights, and the posterior covariance if any."""
    out = [bf.to_numpy(model.coef_)]
    if hasattr(model, "posterior_"):
        out.append(bf.to_numpy(model.posterior_.cov))
    for name in ("alpha_", "beta_"):
        if hasattr(model, name):
            out.append(np.asarray(getattr(model, name)))
    return out


def _assert_same_state(a, b, rtol):
    for u, v in zip(_state(a), _state(b), strict=True):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * (1e-6 + np.max(np.abs(v))))


KINDS = ["mle", "map", "bayes", "evidence"]


# -- invariance to how the data arrive --------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(p=problems(min_extra=2), order_seed=hst.integers(0, 2**16))
def test_posterior_does_not_depend_on_row_order(kind, p, order_seed):
    perm = np.random.default_rng(order_seed).permutation(p.x.size)
    a = _fit(_make(kind, p), p.x, p.t)
    b = _fit(_make(kind, p), p.x[perm], p.t[perm])
    if a is not None and b is not None:
        _assert_same_state(a, b, rtol=_rtol(kind))


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(p=problems(min_extra=2), cuts=hst.lists(hst.floats(0.0, 1.0), max_size=4))
def test_any_chunking_equals_the_batch_fit(kind, p, cuts):
    n = p.x.size
    bounds = sorted({0, n, *(int(c * n) for c in cuts)})
    chunks = [(p.x[a:b], p.t[a:b]) for a, b in itertools.pairwise(bounds) if b > a]
    batch = _fit(_make(kind, p), p.x, p.t)
    if batch is None:
        return
    streamed = _fit(_make(kind, p), iter(chunks), stream=True)
    _assert_same_state(streamed, batch, rtol=_rtol(kind))
    sequential = _make(kind, p)
    with warnings.catch_warnings():
        # A chunk shorter than the basis leaves the MLE rank deficient for a while (and the
        # evidence at a boundary); the merged statistics are still exact.
        warnings.simplefilter("ignore", bf.BayesfitWarning)
        for xc, tc in chunks:
            sequential.partial_fit(xc, tc)
    _assert_same_state(sequential, batch, rtol=_rtol(kind))


@FAST
@given(p=problems(min_extra=1))
def test_chunking_invariance_holds_on_every_backend(p, xp):
    x, t = xp.asarray(p.x), xp.asarray(p.t)
    half = p.x.size // 2 or 1
    batch = bf.BayesianRegression(p.basis, alpha=p.alpha, beta=p.beta).fit(x, t)
    model = bf.BayesianRegression(p.basis, alpha=p.alpha, beta=p.beta)
    model.partial_fit(x[:half], t[:half])
    if half < p.x.size:
        model.partial_fit(x[half:], t[half:])
    _assert_same_state(model, batch, rtol=1e-8)


# -- scaling and weights ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mle", "map", "bayes"])
@FAST
@given(
    p=problems(min_extra=1),
    c=hst.floats(1e-3, 1e3).flatmap(lambda v: hst.sampled_from([v, -v])),
)
def test_scaling_the_targets_scales_the_weights(kind, p, c):
    base = _make(kind, p).fit(p.x, p.t)
    scaled = _make(kind, p).fit(p.x, c * p.t)
    np.testing.assert_allclose(
        scaled.coef_, c * base.coef_, rtol=1e-8, atol=1e-10 * abs(c) * np.max(abs(base.coef_))
    )


@FAST
@given(p=problems(min_extra=2), c=hst.floats(1e-3, 1e3))
def test_evidence_precisions_scale_as_one_over_c_squared(p, c):
    base = _fit(bf.EvidenceRegression(p.basis), p.x, p.t)
    scaled = _fit(bf.EvidenceRegression(p.basis), p.x, c * p.t)
    if base is None or scaled is None:  # a boundary maximum (alpha -> inf): no fixed point
        return
    np.testing.assert_allclose(scaled.alpha_, base.alpha_ / c**2, rtol=1e-5)
    np.testing.assert_allclose(scaled.beta_, base.beta_ / c**2, rtol=1e-5)
    np.testing.assert_allclose(
        scaled.log_evidence_, base.log_evidence_ - p.x.size * math.log(c), rtol=1e-8, atol=1e-6
    )


def _weighted_posterior(Phi, t, weights, alpha, beta):
    """Posterior of the model in which point n has noise precision beta * weights[n]."""
    A = alpha * np.eye(Phi.shape[1]) + beta * Phi.T @ (weights[:, None] * Phi)
    cov = np.linalg.inv(A)
    return cov @ (beta * Phi.T @ (weights * t)), cov


@FAST
@given(p=problems(), k=hst.integers(0, 100), copies=hst.integers(2, 4))
def test_a_repeated_point_equals_multiplying_its_weight(p, k, copies):
    k %= p.x.size
    x = np.concatenate([p.x, np.repeat(p.x[k], copies - 1)])
    t = np.concatenate([p.t, np.repeat(p.t[k], copies - 1)])
    weights = np.ones(p.x.size)
    weights[k] = copies
    mean, cov = _weighted_posterior(p.design(), p.t, weights, p.alpha, p.beta)
    model = bf.BayesianRegression(p.basis, alpha=p.alpha, beta=p.beta).fit(x, t)
    np.testing.assert_allclose(model.coef_, mean, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.posterior_.cov, cov, rtol=1e-7, atol=1e-9 * np.max(cov))
    # The MLE: weighted least squares, i.e. rows scaled by sqrt(weight).
    mle = _fit(bf.MLERegression(p.basis), x, t)
    if mle is not None:  # full rank
        s = np.sqrt(weights)
        w_wls = np.linalg.lstsq(s[:, None] * p.design(), s * p.t, rcond=None)[0]
        np.testing.assert_allclose(mle.coef_, w_wls, rtol=1e-6, atol=1e-8 * np.max(abs(w_wls)))


# -- the predictive and the evidence ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bayes", "evidence"])
@FAST
@given(p=problems(), far=hst.floats(-50.0, 50.0))
def test_predictive_variance_is_never_below_the_noise(kind, p, far):
    model = _fit(_make(kind, p), p.x, p.t)
    if model is None:  # evidence at a boundary: checked in test_numerical_edges
        return
    x_new = np.concatenate([p.x, np.linspace(-1, 1, 7), [far]])
    var = bf.to_numpy(model.predictive(x_new).var)
    assert np.all(var >= 1.0 / model.beta_)
    assert np.all(np.isfinite(var))


def _gaussian_form(Phi, t, alpha, beta, m0=None, S0=None):
    """ln N(t | Phi m0, Phi S0 Phi^T + I / beta): the evidence as an N-dimensional Gaussian."""
    m0 = np.zeros(Phi.shape[1]) if m0 is None else m0
    S0 = np.eye(Phi.shape[1]) / alpha if S0 is None else S0
    cov = Phi @ S0 @ Phi.T + np.eye(Phi.shape[0]) / beta
    return scipy.stats.multivariate_normal(Phi @ m0, cov).logpdf(t)


@FAST
@given(p=problems())
def test_log_evidence_equals_the_n_by_n_gaussian_form(p):
    model = bf.BayesianRegression(p.basis, alpha=p.alpha, beta=p.beta).fit(p.x, p.t)
    expected = _gaussian_form(p.design(), p.t, p.alpha, p.beta)
    assert math.isfinite(model.log_evidence_)
    np.testing.assert_allclose(model.log_evidence_, expected, rtol=1e-8, atol=1e-8)


@FAST
@given(p=problems(min_extra=2))
def test_evidence_regression_reports_the_evidence_at_its_maximum(p):
    model = _fit(bf.EvidenceRegression(p.basis), p.x, p.t)
    if model is None:
        return
    expected = _gaussian_form(p.design(), p.t, model.alpha_, model.beta_)
    np.testing.assert_allclose(model.log_evidence_, expected, rtol=1e-7, atol=1e-7)
    # ... and it is a maximum: nudging either precision lowers it.
    for da, db in ((1.05, 1), (1 / 1.05, 1), (1, 1.05), (1, 1 / 1.05)):
        nudged = _gaussian_form(p.design(), p.t, model.alpha_ * da, model.beta_ * db)
        assert nudged <= expected + 1e-9 * abs(expected)


@FAST
@given(p=problems(), general=hst.booleans())
def test_log_evidence_with_a_general_prior(p, general):
    M = p.degree + 1
    m0 = p.rng.normal(size=M)
    B = p.rng.normal(size=(M, M))
    S0 = B @ B.T + 0.5 * np.eye(M) if general else np.eye(M) / p.alpha
    model = bf.BayesianRegression(p.basis, beta=p.beta, prior_mean=m0, prior_cov=S0)
    model.fit(p.x, p.t)
    expected = _gaussian_form(p.design(), p.t, p.alpha, p.beta, m0, S0)
    np.testing.assert_allclose(model.log_evidence_, expected, rtol=1e-8, atol=1e-8)


@FAST
@given(p=problems(min_extra=1), split=hst.floats(0.1, 0.9))
def test_previous_posterior_as_prior_equals_one_batch_fit(p, split):
    k = max(1, min(p.x.size - 1, int(split * p.x.size)))
    first = bf.BayesianRegression(p.basis, alpha=p.alpha, beta=p.beta).fit(p.x[:k], p.t[:k])
    second = bf.BayesianRegression(
        p.basis, beta=p.beta, prior_mean=first.posterior_.mean, prior_cov=first.posterior_.cov
    ).fit(p.x[k:], p.t[k:])
    batch = bf.BayesianRegression(p.basis, alpha=p.alpha, beta=p.beta).fit(p.x, p.t)
    np.testing.assert_allclose(second.coef_, batch.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(
        second.posterior_.cov, batch.posterior_.cov, rtol=1e-7,
        atol=1e-9 * np.max(batch.posterior_.cov),
    )
    # The chain rule of probability: p(D1) p(D2 | D1) = p(D1, D2).
    np.testing.assert_allclose(
        first.log_evidence_ + second.log_evidence_, batch.log_evidence_, rtol=1e-8, atol=1e-8
    )
