"""Frequency weights on every estimator: an integer weight is that many copies of the row.

References: the replicated data set itself (every fitted quantity, alpha_, beta_,
log_evidence_ and the summary included), weighted least squares written here,
scikit-learn's BayesianRidge(sample_weight=...) at equivalent settings.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import BayesianRidge

import bayesfit as bf
from bayesfit.basis import Identity, Polynomial
from bayesfit.streaming import iter_array_chunks

ESTIMATORS = {
    "mle": lambda: bf.MLERegression(Polynomial(3)),
    "map": lambda: bf.MAPRegression(Polynomial(3), alpha=0.3, beta=9.0),
    "bayes": lambda: bf.BayesianRegression(Polynomial(3), alpha=0.3, beta=9.0),
    "evidence": lambda: bf.EvidenceRegression(Polynomial(3), tol=1e-13),
    "ard": lambda: bf.ARDRegression(Polynomial(3), tol=1e-11),
    "lasso": lambda: bf.MAPRegression(Polynomial(3), prior="laplace", alpha=0.5, beta=9.0),
    "elastic_net": lambda: bf.MAPRegression(Polynomial(3), prior="elastic_net", alpha=0.5,
                                            beta=9.0, l1_ratio=0.4),
}
FITTED = ("coef_", "alpha_", "beta_", "log_evidence_", "gamma_", "noise_std_", "rank_")


def _data(n=30, seed=4):
    rng = np.random.default_rng(seed)
    x, t = bf.datasets.sinusoid(n, seed=seed)
    return x, t, rng.integers(0, 4, size=n)


def assert_same_fit(a, b, rtol=1e-9):
    for name in FITTED:
        if hasattr(a, name):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=rtol,
                                       err_msg=name)
    if hasattr(a, "posterior_"):
        np.testing.assert_allclose(a.posterior_.cov, b.posterior_.cov, rtol=rtol)
    sa, sb = a.summary(), b.summary()
    np.testing.assert_allclose(sa.coefficients.to_numpy(), sb.coefficients.to_numpy(), rtol=1e-7)
    for key, value in sb.statistics.items():
        if value is None:
            assert sa.statistics[key] is None, key
        else:
            assert sa.statistics[key] == pytest.approx(value, rel=1e-8), key


@pytest.mark.parametrize("name", ESTIMATORS)
def test_integer_weights_equal_repeated_rows(name):
    x, t, w = _data()
    weighted = ESTIMATORS[name]().fit(x, t, sample_weight=w)
    repeated = ESTIMATORS[name]().fit(np.repeat(x, w), np.repeat(t, w))
    assert weighted.summary().statistics["n_samples"] == w.sum()
    assert_same_fit(weighted, repeated)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_zero_weight_drops_the_row(name):
    x, t, _ = _data()
    w = np.ones_like(t)
    w[[3, 11, 12]] = 0.0
    keep = w > 0
    assert_same_fit(ESTIMATORS[name]().fit(x, t, sample_weight=w),
                    ESTIMATORS[name]().fit(x[keep], t[keep]))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_streamed_and_partial_weighted_fits_equal_the_batch(name):
    x, t, w = _data(60)
    batch = ESTIMATORS[name]().fit(x, t, sample_weight=w)
    streamed = ESTIMATORS[name]().fit_stream(iter_array_chunks(x, t, 17, sample_weight=w))
    partial = ESTIMATORS[name]()
    for start in range(0, 60, 25):
        partial.partial_fit(x[start:start + 25], t[start:start + 25], w[start:start + 25])
    assert_same_fit(streamed, batch)
    if name == "evidence":  # partial_fit re-runs the search each chunk: same optimum
        np.testing.assert_allclose(partial.alpha_, batch.alpha_, rtol=1e-6)
    else:
        assert_same_fit(partial, batch)


def test_dask_weights_equal_in_memory():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(8)
    X = rng.normal(size=(3_000, 2))
    y = X @ [1.0, -0.5] + 0.3 * rng.normal(size=3_000)
    w = rng.uniform(0.0, 2.0, size=3_000)
    for make in (bf.MLERegression, bf.EvidenceRegression):
        batch = make().fit(X, y, sample_weight=w)
        lazy = make().fit(da.from_array(X, chunks=(700, 2)), da.from_array(y, chunks=700),
                          sample_weight=da.from_array(w, chunks=500))
        np.testing.assert_allclose(lazy.coef_, batch.coef_, rtol=1e-10)
        assert lazy.beta_ == pytest.approx(batch.beta_, rel=1e-10)
    with pytest.raises(ValueError, match=r"sample_weight must be non-negative.*index 2100"):
        bad = w.copy()
        bad[2100] = -1.0
        bf.MAPRegression().fit(da.from_array(X, chunks=(700, 2)), da.from_array(y, chunks=700),
                               sample_weight=da.from_array(bad, chunks=700))
    with pytest.raises(ValueError, match="sample_weight has 2999 entries for 3000 samples"):
        bf.MAPRegression().fit(da.from_array(X), da.from_array(y), sample_weight=w[:-1])


def test_weighted_mle_is_weighted_least_squares():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    t = 1.0 + X @ [0.5, -1.0, 2.0] + rng.normal(size=40)
    w = rng.uniform(0.1, 3.0, size=40)
    Phi = np.column_stack([np.ones(40), X])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(sw[:, None] * Phi, sw * t, rcond=None)
    rss = np.sum(w * (t - Phi @ coef) ** 2)
    model = bf.MLERegression().fit(X, t, sample_weight=w)
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-12)
    assert model.noise_std_ == pytest.approx(np.sqrt(rss / w.sum()), rel=1e-12)
    sigma2 = rss / (w.sum() - 4)  # frequency weights: sum(w) - M degrees of freedom
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(Phi.T @ (w[:, None] * Phi))))
    np.testing.assert_allclose(model.summary().coefficients["std_error"], se, rtol=1e-10)


def test_weighted_evidence_is_bayesian_ridge_with_sample_weight():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200, :5], y[:200]
    w = np.random.default_rng(6).integers(1, 5, size=200).astype(float)
    ours = bf.EvidenceRegression(Identity(), tol=1e-14).fit(X, y, sample_weight=w)
    Phi = np.column_stack([np.ones(len(X)), X])
    theirs = BayesianRidge(fit_intercept=False, alpha_1=0.0, alpha_2=0.0, lambda_1=0.0,
                           lambda_2=0.0, compute_score=True, tol=1e-12, max_iter=10_000)
    theirs.fit(Phi, y, sample_weight=w)
    # scikit-learn's alpha_ is our beta_, its lambda_ our alpha_ (REFERENCES.md)
    assert ours.beta_ == pytest.approx(theirs.alpha_, rel=1e-6)
    assert ours.alpha_ == pytest.approx(theirs.lambda_, rel=1e-6)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6)
    assert ours.log_evidence_ == pytest.approx(theirs.scores_[-1], rel=1e-9)


BAD_WEIGHTS = {
    "negative": ([1.0, -1.0, 1.0, 1.0], "sample_weight must be non-negative .*-1.0 at index 1"),
    "nan": ([1.0, np.nan, 1.0, 1.0], "sample_weight contains NaN at index 1"),
    "inf": ([1.0, 1.0, np.inf, 1.0], "sample_weight contains inf at index 2"),
    "length": ([1.0, 1.0, 1.0], "sample_weight has 3 entries for 4 samples"),
    "all zero": ([0.0, 0.0, 0.0, 0.0], "sample_weight is zero for every sample"),
    "2-D": ([[1.0, 1.0, 1.0, 1.0]], "sample_weight must be 1-D"),
    "strings": (["a", "b", "c", "d"], "sample_weight must contain only numbers"),
}


@pytest.mark.parametrize("problem", BAD_WEIGHTS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_bad_weights_are_clear_errors(name, problem):
    weights, message = BAD_WEIGHTS[problem]
    x, t = np.arange(4.0), np.array([0.0, 1.0, 0.5, 2.0])
    model = ESTIMATORS[name]()
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(x, t, sample_weight=weights)
    assert not hasattr(model, "coef_")
    if problem == "all zero":  # a chunk may be all zero; the stream as a whole may not
        message = "sample_weight is zero for every sample seen"
    else:
        message = "chunk 0: " + message
    with pytest.raises((ValueError, TypeError), match=message):
        ESTIMATORS[name]().fit_stream([(x, t, weights)])


def test_stream_weights_may_be_zero_in_a_chunk_but_not_everywhere():
    x, t = np.arange(4.0), np.array([0.0, 1.0, 0.5, 2.0])
    zero = np.zeros(4)
    fitted = bf.MAPRegression().fit_stream([(x, t, zero), (x, t)])
    np.testing.assert_allclose(fitted.coef_, bf.MAPRegression().fit(x, t).coef_, rtol=1e-12)
    with pytest.raises(ValueError, match="zero for every sample seen"):
        bf.MAPRegression().fit_stream([(x, t, zero), (x, t, zero)])
    model = bf.MAPRegression()
    with pytest.raises(ValueError, match="zero for every sample seen"):
        model.partial_fit(x, t, zero)
    assert not hasattr(model, "stats_")


def test_pymc_collapsed_integer_weights_equal_repeated_rows():
    x, t, w = _data(20, seed=9)
    common = {"draws": 300, "tune": 300, "chains": 1, "random_seed": 3, "progressbar": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # a short run, on purpose
        weighted = bf.PyMCRegression(**common).fit(x, t, sample_weight=w)
        repeated = bf.PyMCRegression(**common).fit(np.repeat(x, w), np.repeat(t, w))
    # the same statistics and seed give the same chain, up to round-off
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6)
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-6)
    assert weighted.beta_ == pytest.approx(repeated.beta_, rel=1e-6)
    assert weighted.summary().statistics["n_samples"] == w.sum()


@pytest.mark.slow
def test_pymc_nuts_weighted_likelihood_matches_the_collapsed_posterior():
    """The weighted point-by-point likelihood (NUTS) and the weighted statistics (collapsed)
    give one posterior: means within 4 Monte Carlo standard errors."""
    import arviz as az

    x, t = bf.datasets.linear(30, seed=12)
    w = np.random.default_rng(2).integers(1, 4, size=30)
    common = {"draws": 1500, "random_seed": 4, "chains": 2, "progressbar": False,
              "target_accept": 0.95}
    fits = {m: bf.PyMCRegression(method=m, **common).fit(x, t, sample_weight=w)
            for m in ("collapsed", "nuts")}
    assert "y" in fits["nuts"].idata_["observed_data"].data_vars
    sums = {m: az.summary(f.idata_["posterior"].to_dataset(), var_names=["beta", "w"],
                          kind="all", round_to="none") for m, f in fits.items()}
    c, n = sums["collapsed"], sums["nuts"]
    se = np.sqrt(c["mcse_mean"] ** 2 + n["mcse_mean"] ** 2)
    assert np.all(np.abs(c["mean"] - n["mean"]) < 4 * se), (c, n)


def test_full_bayes_integer_weights_equal_repeated_rows():
    # The quadrature integrates the same statistics: its exact moments and ln p(t) agree to
    # round-off (the draws themselves may take other rejection-sampling proposals).
    x, t, w = _data(20, seed=9)
    weighted = bf.FullBayesRegression(draws=200, random_seed=3).fit(x, t, sample_weight=w)
    repeated = bf.FullBayesRegression(draws=200, random_seed=3).fit(np.repeat(x, w),
                                                                   np.repeat(t, w))
    assert weighted.log_marginal_likelihood_ == pytest.approx(
        repeated.log_marginal_likelihood_, rel=1e-9
    )
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-7)
    assert weighted.beta_ == pytest.approx(repeated.beta_, rel=1e-7)
    stats = weighted.summary().statistics
    assert stats["n_samples"] == w.sum()
    assert stats["log_evidence"] == weighted.log_marginal_likelihood_
