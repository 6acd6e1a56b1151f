"""The four linear estimators against independent computations (DESIGN.md's formulas)."""

from __future__ import annotations

import json
import math
import pickle
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
from sklearn.linear_model import BayesianRidge, Ridge

import bayesfit as bf
from bayesfit.basis import GaussianRBF, Identity, Polynomial
from tests.conftest import rtol_for

ESTIMATORS = [bf.MLERegression, bf.MAPRegression, bf.BayesianRegression, bf.EvidenceRegression]


def well_determined(rng, n=200, d=4):
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d + 1)
    t = w[0] + X @ w[1:] + 0.3 * rng.normal(size=n)
    return X, t


def design(X):
    return np.column_stack([np.ones(len(X)), X])


# -- formulas ----------------------------------------------------------------------------------


def test_mle_matches_lstsq_and_mean_squared_residual(rng):
    X, t = well_determined(rng)
    model = bf.MLERegression().fit(X, t)
    w, *_ = np.linalg.lstsq(design(X), t, rcond=None)
    np.testing.assert_allclose(model.coef_, w, rtol=1e-10)
    mse = np.mean((t - design(X) @ w) ** 2)
    np.testing.assert_allclose(1.0 / model.beta_, mse, rtol=1e-10)
    np.testing.assert_allclose(model.noise_std_, np.sqrt(mse), rtol=1e-10)


def test_mle_degree_9_on_10_points_interpolates_with_huge_weights():
    # PRML Table 1.1: the M = 9 fit passes through every point, |w| reaches ~1e5-1e6.
    x, t = bf.datasets.sinusoid(10, seed=0, evenly_spaced=True)
    model = bf.MLERegression(Polynomial(9)).fit(x, t)
    assert np.sqrt(np.mean((model.predict(x) - t) ** 2)) < 1e-6
    assert np.max(np.abs(model.coef_)) > 1e4
    # lstsq on Phi agrees to the digits the conditioning allows (not the normal equations)
    w, *_ = np.linalg.lstsq(np.vander(x, 10, increasing=True), t, rcond=None)
    np.testing.assert_allclose(model.coef_, w, rtol=1e-5)


def test_map_is_the_ridge_closed_form_and_sklearn_ridge(rng):
    X, t = well_determined(rng)
    alpha, beta = 3.0, 2.0
    model = bf.MAPRegression(alpha=alpha, beta=beta).fit(X, t)
    Phi = design(X)
    lam = alpha / beta
    expected = np.linalg.solve(lam * np.eye(Phi.shape[1]) + Phi.T @ Phi, Phi.T @ t)
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-10)
    ridge = Ridge(alpha=lam, fit_intercept=False).fit(Phi, t)
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=1e-8)


def test_map_tends_to_mle_as_alpha_goes_to_zero(rng):
    X, t = well_determined(rng)
    mle = bf.MLERegression().fit(X, t)
    gaps = [
        np.max(np.abs(bf.MAPRegression(alpha=a).fit(X, t).coef_ - mle.coef_))
        for a in (1e-1, 1e-4, 1e-7)
    ]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-8


def test_posterior_and_predictive_formulas(rng):
    X, t = well_determined(rng, n=30)
    alpha, beta = 0.7, 4.0
    model = bf.BayesianRegression(alpha=alpha, beta=beta).fit(X, t)
    Phi = design(X)
    S_N = np.linalg.inv(alpha * np.eye(Phi.shape[1]) + beta * Phi.T @ Phi)
    m_N = beta * S_N @ Phi.T @ t
    np.testing.assert_allclose(model.posterior_.mean, m_N, rtol=1e-8)
    np.testing.assert_allclose(model.posterior_.cov, S_N, rtol=1e-8, atol=1e-14)
    # posterior mean == MAP weights
    np.testing.assert_allclose(
        model.coef_, bf.MAPRegression(alpha=alpha, beta=beta).fit(X, t).coef_, rtol=1e-10
    )
    Xn = rng.normal(size=(7, X.shape[1]))
    Phin = design(Xn)
    mean, std = model.predict(Xn, return_std=True)
    np.testing.assert_allclose(mean, Phin @ m_N, rtol=1e-8)
    var = 1.0 / beta + np.einsum("ij,jk,ik->i", Phin, S_N, Phin)
    np.testing.assert_allclose(std**2, var, rtol=1e-8)


def test_log_evidence_equals_marginal_gaussian_density(rng):
    # PRML 3.86 against the N x N marginal t ~ N(0, I/beta + Phi Phi^T / alpha)
    x, t = bf.datasets.sinusoid(15, seed=3)
    basis = Polynomial(4)
    alpha, beta = 5e-3, 11.1
    model = bf.BayesianRegression(basis, alpha=alpha, beta=beta).fit(x, t)
    Phi = np.vander(x, 5, increasing=True)
    cov = np.eye(15) / beta + Phi @ Phi.T / alpha
    expected = scipy.stats.multivariate_normal(np.zeros(15), cov).logpdf(t)
    np.testing.assert_allclose(model.log_evidence_, expected, rtol=1e-8)
    # the evidence estimator's own formula (eigenbasis) gives the same number at its optimum
    ev = bf.EvidenceRegression(basis).fit(x, t)
    cov = np.eye(15) / ev.beta_ + Phi @ Phi.T / ev.alpha_
    expected = scipy.stats.multivariate_normal(np.zeros(15), cov).logpdf(t)
    np.testing.assert_allclose(ev.log_evidence_, expected, rtol=1e-8)


def test_general_prior_posterior_and_evidence(rng):
    X, t = well_determined(rng, n=25, d=2)
    Phi = design(X)
    m0 = rng.normal(size=3)
    A = rng.normal(size=(3, 3))
    S0 = A @ A.T + 0.5 * np.eye(3)
    beta = 3.0
    model = bf.BayesianRegression(beta=beta, prior_mean=m0, prior_cov=S0).fit(X, t)
    S0_inv = np.linalg.inv(S0)
    S_N = np.linalg.inv(S0_inv + beta * Phi.T @ Phi)
    m_N = S_N @ (S0_inv @ m0 + beta * Phi.T @ t)
    np.testing.assert_allclose(model.coef_, m_N, rtol=1e-8)
    np.testing.assert_allclose(model.posterior_.cov, S_N, rtol=1e-8, atol=1e-14)
    marginal = scipy.stats.multivariate_normal(Phi @ m0, np.eye(25) / beta + Phi @ S0 @ Phi.T)
    np.testing.assert_allclose(model.log_evidence_, marginal.logpdf(t), rtol=1e-8)


def test_sequential_prior_from_previous_posterior_equals_batch(rng):
    # PRML fig. 3.7: the posterior after chunk 1, used as the prior for chunk 2, is the batch one
    x, t = bf.datasets.linear(20, seed=1)
    first = bf.BayesianRegression(alpha=2.0, beta=25.0).fit(x[:5], t[:5])
    second = bf.BayesianRegression(
        beta=25.0, prior_mean=first.posterior_.mean, prior_cov=first.posterior_.cov
    ).fit(x[5:], t[5:])
    batch = bf.BayesianRegression(alpha=2.0, beta=25.0).fit(x, t)
    np.testing.assert_allclose(second.coef_, batch.coef_, rtol=1e-8)
    np.testing.assert_allclose(second.posterior_.cov, batch.posterior_.cov, rtol=1e-8)
    # the evidence factorises: p(t) = p(t_1) p(t_2 | t_1)
    np.testing.assert_allclose(
        first.log_evidence_ + second.log_evidence_, batch.log_evidence_, rtol=1e-8
    )


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_partial_fit_over_random_chunkings_equals_fit(estimator, rng):
    x, t = bf.datasets.sinusoid(60, seed=2)
    basis = GaussianRBF(centers=np.linspace(0, 1, 9), width=0.1)
    batch = estimator(basis).fit(x, t)
    for _ in range(3):
        cuts = np.sort(rng.choice(np.arange(1, 60), size=rng.integers(1, 8), replace=False))
        model = estimator(basis)
        with warnings.catch_warnings():
            # a chunk of fewer points than basis functions leaves the MLE rank deficient
            warnings.simplefilter("ignore", bf.NumericalWarning)
            for xs, ts in zip(np.split(x, cuts), np.split(t, cuts), strict=True):
                model.partial_fit(xs, ts)
        np.testing.assert_allclose(model.coef_, batch.coef_, rtol=1e-8, atol=1e-12)
        if hasattr(batch, "log_evidence_"):
            np.testing.assert_allclose(model.log_evidence_, batch.log_evidence_, rtol=1e-8)


# -- the evidence against scikit-learn's BayesianRidge ---------------------------------------


def bayesian_ridge(**kwargs):
    return BayesianRidge(
        fit_intercept=False,
        alpha_1=0.0,
        alpha_2=0.0,
        lambda_1=0.0,
        lambda_2=0.0,
        compute_score=True,
        tol=1e-14,
        max_iter=5_000,
        **kwargs,
    )


def test_evidence_matches_bayesian_ridge_on_a_well_determined_problem(rng):
    X, t = well_determined(rng, n=500, d=5)
    ours = bf.EvidenceRegression().fit(X, t)
    theirs = bayesian_ridge().fit(design(X), t)
    # BayesianRidge's alpha_ is our beta_, its lambda_ our alpha_
    np.testing.assert_allclose(ours.beta_, theirs.alpha_, rtol=1e-4)
    np.testing.assert_allclose(ours.alpha_, theirs.lambda_, rtol=1e-4)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4)
    np.testing.assert_allclose(ours.log_evidence_, theirs.scores_[-1], rtol=1e-4)
    # and the fixed point conditions hold (PRML 3.91-3.95)
    Phi = design(X)
    lam = np.linalg.eigvalsh(ours.beta_ * Phi.T @ Phi)
    gamma = np.sum(lam / (ours.alpha_ + lam))
    np.testing.assert_allclose(ours.gamma_, gamma, rtol=1e-8)
    np.testing.assert_allclose(ours.alpha_, gamma / (ours.coef_ @ ours.coef_), rtol=1e-6)
    rss = np.sum((t - Phi @ ours.coef_) ** 2)
    np.testing.assert_allclose(1.0 / ours.beta_, rss / (len(t) - gamma), rtol=1e-6)


@pytest.mark.parametrize(("seed", "degree"), [(0, 6), (2, 3), (3, 9), (4, 9)])
def test_evidence_finds_the_global_maximum_bayesian_ridge_can_miss(seed, degree):
    # On the PRML sinusoid the evidence over (alpha, beta) has two local maxima; whatever
    # start BayesianRidge is given, our log evidence is at least as high as its best.
    x, t = bf.datasets.sinusoid(10, seed=seed)
    Phi = np.vander(x, degree + 1, increasing=True)
    ours = bf.EvidenceRegression(Polynomial(degree)).fit(x, t)
    best = -np.inf
    for alpha_init in np.logspace(-2, 3, 6):  # BayesianRidge's alpha: our beta
        for lambda_init in np.logspace(-6, 3, 6):  # BayesianRidge's lambda: our alpha
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                br = bayesian_ridge(alpha_init=alpha_init, lambda_init=lambda_init).fit(Phi, t)
            if np.isfinite(br.scores_[-1]):
                best = max(best, br.scores_[-1])
    assert ours.log_evidence_ >= best - 1e-6
    default = bayesian_ridge().fit(Phi, t)
    assert ours.log_evidence_ >= default.scores_[-1] - 1e-6
    if (seed, degree) == (0, 6):  # here BayesianRidge's default start settles 0.6 nats lower
        assert ours.log_evidence_ > default.scores_[-1] + 0.5


def test_evidence_single_start_can_settle_on_the_lower_maximum():
    # The reason for global_search: from a start in the "all noise" basin the plain
    # fixed point iteration stops at a lower local maximum.
    x, t = bf.datasets.sinusoid(10, seed=3)
    found = []
    for alpha_init in np.logspace(-6, 6, 13):
        with warnings.catch_warnings():
            # a start in the all-noise basin creeps towards alpha = inf and is reported so
            warnings.simplefilter("ignore", bf.BayesfitWarning)
            local = bf.EvidenceRegression(
                Polynomial(9), alpha_init=alpha_init, beta_init=0.5, global_search=False
            ).fit(x, t)
        found.append(local.log_evidence_)
    best = bf.EvidenceRegression(Polynomial(9)).fit(x, t).log_evidence_
    assert max(found) <= best + 1e-6
    assert min(found) < best - 5.0  # 6.5 nats lower on this data set


# -- backends ---------------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_backends_and_dtypes(estimator, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    x, t = bf.datasets.sinusoid(30, seed=5)
    ref = estimator(Polynomial(3)).fit(x, t)
    X = xp.asarray(x, dtype=dtype)
    T = xp.asarray(t, dtype=dtype)
    model = estimator(Polynomial(3)).fit(X, T)
    mean, std = model.predict(X, return_std=True)
    for out in (model.coef_, mean, std):
        assert type(out) is type(X)
        assert out.dtype == dtype
    rtol = 1e-7 if dtype_name == "float64" else 2e-3
    np.testing.assert_allclose(bf.to_numpy(model.coef_), ref.coef_, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(bf.to_numpy(std), ref.predict(x, return_std=True)[1], rtol=rtol)
    assert model.score(X, T) == pytest.approx(ref.score(x, t), rel=rtol_for(dtype_name) * 10)
    if hasattr(model, "sample_functions"):
        draws = model.sample_functions(X, n=4, random_state=0)
        assert type(draws) is type(X) and draws.shape == (4, 30) and draws.dtype == dtype
        np.testing.assert_allclose(
            bf.to_numpy(draws), ref.sample_functions(x, n=4, random_state=0), rtol=rtol, atol=rtol
        )


# -- predictive object, densities and sampling ------------------------------------------------


def test_predictive_object(rng):
    x, t = bf.datasets.sinusoid(20, seed=6)
    model = bf.BayesianRegression(Polynomial(3), alpha=5e-3, beta=11.1).fit(x, t)
    xs = np.linspace(0, 1, 5)
    p = model.predictive(xs)
    # PRML eqs. 3.58-3.59 written out: m_N = beta S_N Phi^T t, var = 1/beta + phi^T S_N phi
    Phi, Phi_s = np.vander(x, 4, increasing=True), np.vander(xs, 4, increasing=True)
    S = np.linalg.inv(5e-3 * np.eye(4) + 11.1 * Phi.T @ Phi)
    mean = Phi_s @ (11.1 * S @ Phi.T @ t)
    std = np.sqrt(1 / 11.1 + np.einsum("ij,jk,ik->i", Phi_s, S, Phi_s))
    np.testing.assert_allclose(p.mean, mean, rtol=1e-8)
    np.testing.assert_allclose(p.std, std, rtol=1e-8)
    lo, hi = p.interval(0.9)
    np.testing.assert_allclose(hi, scipy.stats.norm(mean, std).ppf(0.95), rtol=1e-8)
    np.testing.assert_allclose(lo, scipy.stats.norm(mean, std).ppf(0.05), rtol=1e-8)
    draws = p.sample(20_000, random_state=1)
    np.testing.assert_allclose(draws.mean(0), p.mean, atol=5 * p.std.max() / np.sqrt(20_000))
    lpd = model.log_predictive_density(xs, np.zeros(5), reduction="none")
    np.testing.assert_allclose(lpd, scipy.stats.norm(mean, std).logpdf(0.0), rtol=1e-8)
    assert model.log_predictive_density(xs, np.zeros(5)) == pytest.approx(lpd.sum())
    assert model.log_predictive_density(xs, np.zeros(5), reduction="mean") == pytest.approx(
        lpd.mean()
    )
    with pytest.raises(ValueError, match="level"):
        p.interval(1.5)
    with pytest.raises(ValueError, match="reduction"):
        model.log_predictive_density(xs, np.zeros(5), reduction="max")


def test_sample_functions_have_the_posterior_covariance():
    x, t = bf.datasets.sinusoid(8, seed=7)
    model = bf.BayesianRegression(Polynomial(2), alpha=1.0, beta=11.1).fit(x, t)
    xs = np.array([0.0, 0.5, 1.0])
    draws = model.sample_functions(xs, n=40_000, random_state=3)
    Phi = np.vander(xs, 3, increasing=True)
    expected = Phi @ model.posterior_.cov @ Phi.T
    np.testing.assert_allclose(np.cov(draws.T), expected, rtol=0.05, atol=1e-3)
    again = model.sample_functions(xs, n=5, random_state=3)
    np.testing.assert_array_equal(again, draws[:5])


def test_predictive_variance_is_never_below_the_noise(rng):
    x, t = bf.datasets.sinusoid(50, seed=8)
    model = bf.EvidenceRegression(GaussianRBF(9)).fit(x, t)
    _, std = model.predict(np.linspace(-0.5, 1.5, 50), return_std=True)
    assert np.all(std**2 >= 1.0 / model.beta_)


def test_information_gain_is_kl_of_posterior_to_prior(rng):
    x, t = bf.datasets.sinusoid(20, seed=9)
    model = bf.BayesianRegression(Polynomial(3), alpha=2.0, beta=11.1).fit(x, t)
    m, S = model.posterior_.mean, model.posterior_.cov
    S0 = np.eye(4) / 2.0
    expected = 0.5 * (
        np.trace(np.linalg.solve(S0, S))
        + m @ np.linalg.solve(S0, m)
        - 4
        + np.linalg.slogdet(S0)[1]
        - np.linalg.slogdet(S)[1]
    )
    assert model.posterior_.kl_to(model.prior()) == pytest.approx(expected, rel=1e-10)


# -- ill-posed designs ------------------------------------------------------------------------


def test_rank_deficient_design_gives_min_norm_mle_with_warning(rng):
    X = rng.normal(size=(6, 2))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # exactly collinear
    t = rng.normal(size=6)
    with pytest.warns(bf.NumericalWarning, match="rank deficient"):
        model = bf.MLERegression().fit(X, t)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(design(X)) @ t, rtol=1e-8)
    assert model.rank_ == 3
    # N < M: fewer points than basis functions
    x = np.array([0.1, 0.5, 0.9])
    with pytest.warns(bf.NumericalWarning):
        model = bf.MLERegression(Polynomial(5)).fit(x, [1.0, 2.0, 0.0])
    assert np.all(np.isfinite(model.coef_))
    np.testing.assert_allclose(
        model.coef_, np.linalg.pinv(np.vander(x, 6, increasing=True)) @ [1.0, 2.0, 0.0], rtol=1e-6
    )
    # the Bayesian models are fine on the same design: the prior regularises it
    bayes = bf.BayesianRegression(Polynomial(5), alpha=1e-2, beta=10.0).fit(x, [1.0, 2.0, 0.0])
    assert np.all(np.isfinite(bayes.coef_)) and np.isfinite(bayes.log_evidence_)


# -- scikit-learn integration -----------------------------------------------------------------


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_pipeline_gridsearch_and_clone(estimator):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, t = bf.datasets.sinusoid(40, seed=10)
    pipe = make_pipeline(StandardScaler(), Polynomial(3, bias=False), estimator())
    pipe.fit(x.reshape(-1, 1), t)
    assert pipe.score(x.reshape(-1, 1), t) > 0.5
    cv = KFold(3, shuffle=True, random_state=0)  # sorted x: contiguous folds would extrapolate
    # MAP/Bayes default to alpha = beta = 1 (ridge lambda = 1), too strong for cubic terms on [0, 1]
    base = estimator(alpha=1e-3) if "alpha" in estimator().get_params() else estimator()
    grid = GridSearchCV(base, {"basis": [Polynomial(1), Polynomial(3)]}, cv=cv)
    grid.fit(x, t)
    assert grid.best_params_["basis"].degree == 3
    assert clone(estimator(Polynomial(2))).get_params()["basis"].degree == 2


def test_pandas_feature_names_are_kept():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"height": rng.normal(size=30), "age": rng.normal(size=30)})
    t = pd.Series(1.0 + 2.0 * df["height"] - df["age"] + 0.1 * rng.normal(size=30))
    model = bf.EvidenceRegression(Polynomial(2)).fit(df, t)
    np.testing.assert_array_equal(model.feature_names_in_, ["height", "age"])
    assert list(model.basis_.get_feature_names_out()) == [
        "intercept", "height", "height^2", "age", "age^2"
    ]
    with pytest.raises(ValueError, match="feature names"):
        model.predict(df[["age", "height"]])


# -- persistence ------------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("basis", [None, Polynomial(3), GaussianRBF(5), bf.basis.Sigmoidal(4)])
def test_to_dict_json_and_pickle_round_trip(estimator, basis):
    x, t = bf.datasets.sinusoid(25, seed=11)
    model = estimator(basis).fit(x, t)
    xs = np.linspace(-0.2, 1.2, 17)
    expected = model.predict(xs, return_std=True)
    restored = bf.from_dict(json.loads(json.dumps(model.to_dict())))
    assert type(restored) is estimator
    for a, b in zip(restored.predict(xs, return_std=True), expected, strict=True):
        np.testing.assert_array_equal(a, b)
    unpickled = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(unpickled.predict(xs), expected[0])
    unfitted = bf.from_dict(estimator(basis).to_dict())
    assert unfitted.get_params(deep=False).keys() == estimator().get_params(deep=False).keys()


def test_from_dict_rejects_bad_input():
    with pytest.raises(ValueError, match="not a bayesfit estimator"):
        bf.from_dict({"class": "MLERegression"})
    d = bf.MLERegression().fit([0.0, 1.0], [0.0, 1.0]).to_dict()
    with pytest.raises(ValueError, match="not a MAPRegression"):
        bf.MAPRegression.from_dict(d)
    del d["state"]["coef_"]
    with pytest.raises(ValueError, match="corrupt"):
        bf.from_dict(d)


def test_prior_matches_design():
    model = bf.BayesianRegression(Identity(), alpha=4.0).fit([[1.0], [2.0]], [0.0, 1.0])
    prior = model.prior()
    np.testing.assert_allclose(prior.cov, np.eye(2) / 4.0)
    np.testing.assert_allclose(scipy.linalg.cholesky(prior.cov, lower=True), prior.cov_cholesky)


def test_sufficient_statistics_of_a_tall_design_match_numpy(rng):
    # 150k rows take the row-blocked, threaded path on NumPy; it must equal the plain sums
    from bayesfit._backend import get_namespace
    from bayesfit._conjugate import SufficientStats

    F = rng.normal(size=(150_000, 3))
    t = rng.normal(size=150_000)
    stats = SufficientStats.from_design(F, t, bias=True, xp=get_namespace(F))
    Phi = np.column_stack([np.ones(len(F)), F])
    np.testing.assert_allclose(stats.xtx, Phi.T @ Phi, rtol=1e-12)
    np.testing.assert_allclose(stats.xty, Phi.T @ t, rtol=1e-12)
    assert stats.n == 150_000 and stats.yty == pytest.approx(t @ t, rel=1e-12)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_fit_stream_equals_fit(estimator):
    x, t = bf.datasets.sinusoid(500, seed=12)
    basis = Polynomial(3)
    batch = estimator(basis).fit(x, t)
    chunks = ((x[i : i + 64], t[i : i + 64]) for i in range(0, 500, 64))  # a generator
    streamed = estimator(basis).fit_stream(chunks)
    np.testing.assert_allclose(streamed.coef_, batch.coef_, rtol=1e-9)
    for name in ("beta_", "alpha_", "log_evidence_", "gamma_"):
        if hasattr(batch, name):
            assert getattr(streamed, name) == pytest.approx(getattr(batch, name), rel=1e-9)


def test_mle_streaming_uses_the_r_factor_not_the_normal_equations():
    # Degree 9 on [0, 1]: the normal equations lose most digits (cond(Phi^T Phi) ~ 1e13);
    # merging R factors keeps lstsq's accuracy.
    x, t = bf.datasets.sinusoid(200, seed=13)
    Phi = np.vander(x, 10, increasing=True)
    w, *_ = np.linalg.lstsq(Phi, t, rcond=None)
    streamed = bf.MLERegression(Polynomial(9)).fit_stream(
        (x[i : i + 30], t[i : i + 30]) for i in range(0, 200, 30)
    )
    np.testing.assert_allclose(streamed.coef_, w, rtol=1e-6)
    normal = np.linalg.solve(Phi.T @ Phi, Phi.T @ t)
    assert np.max(np.abs(normal - w) / np.abs(w)) > 1e3 * np.max(
        np.abs(streamed.coef_ - w) / np.abs(w)
    )
    rss = np.sum((t - Phi @ w) ** 2)
    assert 1.0 / streamed.beta_ == pytest.approx(rss / 200, rel=1e-8)


def test_fit_stream_errors_name_the_chunk():
    chunks = [(np.ones(3), np.ones(3)), (np.ones(2), np.array([1.0, np.nan]))]
    with pytest.raises(ValueError, match="chunk 1: y contains NaN at index 1"):
        bf.MAPRegression().fit_stream(chunks)
    with pytest.raises(ValueError, match="chunks is empty"):
        bf.MAPRegression().fit_stream([])
    with pytest.raises(ValueError, match="chunk 0"):
        bf.MAPRegression().fit_stream([np.ones(3)])


def test_evidence_warns_when_it_does_not_converge():
    x, t = bf.datasets.sinusoid(30, seed=14)
    with pytest.warns(bf.ConvergenceWarning, match="did not converge in max_iter=2 .*increase"):
        model = bf.EvidenceRegression(Polynomial(3), max_iter=2).fit(x, t)
    assert model.n_iter_ == 2 and np.isfinite(model.alpha_) and model.alpha_ > 0


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork is POSIX-only")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_tall_fit_works_in_a_forked_child_after_the_parent_used_the_thread_pool():
    import multiprocessing

    X, t = well_determined(np.random.default_rng(1), n=150_000, d=3)
    parent = bf.MAPRegression().fit(X, t).coef_
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        child = pool.apply_async(_fit_map_coef, (X, t)).get(timeout=60)
    np.testing.assert_allclose(child, parent, rtol=1e-12)


def _fit_map_coef(X, t):
    return bf.MAPRegression().fit(X, t).coef_


def _exact_posterior_mean(Phi, t, alpha, beta):
    """m_N = beta A^-1 Phi^T t in exact rational arithmetic on the float64 inputs."""
    from fractions import Fraction

    F = [[Fraction(v) for v in row] for row in Phi]
    a, b = Fraction(alpha), Fraction(beta)
    M = len(F[0])
    A = [[a * (i == j) + b * sum(row[i] * row[j] for row in F) for j in range(M)]
         for i in range(M)]
    rhs = [b * sum(row[i] * Fraction(tn) for row, tn in zip(F, t, strict=True))
           for i in range(M)]
    for k in range(M):  # Gaussian elimination, exact
        for i in range(k + 1, M):
            f = A[i][k] / A[k][k]
            A[i] = [aij - f * akj for aij, akj in zip(A[i], A[k], strict=True)]
            rhs[i] -= f * rhs[k]
    m = [Fraction(0)] * M
    for i in reversed(range(M)):
        m[i] = (rhs[i] - sum(A[i][j] * m[j] for j in range(i + 1, M))) / A[i][i]
    return np.array([float(v) for v in m])


def test_evidence_posterior_mean_solves_the_whole_precision_on_longley():
    # Longley's Phi^T Phi has eigenvalues below eps * M * lambda_max that alpha makes well
    # determined; dropping them moved the bias weight by 0.7 %.
    import statsmodels.api as sm

    data = sm.datasets.longley.load_pandas()
    X, t = data.exog.to_numpy(), data.endog.to_numpy()
    model = bf.EvidenceRegression().fit(X, t)
    fixed = bf.BayesianRegression(alpha=model.alpha_, beta=model.beta_).fit(X, t)
    np.testing.assert_allclose(model.coef_, fixed.coef_, rtol=4e-12, atol=0)
    exact = _exact_posterior_mean(design(X), t, model.alpha_, model.beta_)
    np.testing.assert_allclose(model.coef_, exact, rtol=1e-10)  # kappa(A) ~ 2e6
    np.testing.assert_allclose(model.posterior_.cov, fixed.posterior_.cov, rtol=1e-10)


# -- exact leave-one-out and ArviZ export ---------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: bf.BayesianRegression(Polynomial(3), alpha=5e-3, beta=11.1),
        lambda: bf.BayesianRegression(Polynomial(3), beta=11.1, prior_mean=[0.1, -0.2, 0.0, 0.3],
                                      prior_cov=np.diag([1.0, 2.0, 3.0, 4.0])),
        lambda: bf.EvidenceRegression(Polynomial(3)),
    ],
    ids=["bayes", "bayes with a prior", "evidence"],
)
def test_loo_equals_n_refits_without_each_point(make):
    # alpha and beta fixed at the full-data fit (for the evidence: its optimum), the model
    # refitted n times on the other points and scored at the left-out one
    x, t = bf.datasets.sinusoid(25, seed=0)
    model = make().fit(x, t)
    result = model.loo(x, t)
    fixed = {"alpha": model.alpha_, "beta": model.beta_}
    if isinstance(model, bf.BayesianRegression):
        fixed.update(prior_mean=model.prior_mean, prior_cov=model.prior_cov)
    refits = []
    for i in range(x.size):
        keep = np.arange(x.size) != i
        refit = bf.BayesianRegression(Polynomial(3), **fixed).fit(x[keep], t[keep])
        refits.append(refit.log_predictive_density(x[i : i + 1], t[i : i + 1]))
    np.testing.assert_allclose(result.pointwise, refits, rtol=1e-9)
    assert result.elpd_loo == pytest.approx(sum(refits), rel=1e-10)
    assert result.se == pytest.approx(math.sqrt(x.size * np.var(refits, ddof=1)), rel=1e-9)
    lppd = model.log_predictive_density(x, t)
    assert result.p_loo == pytest.approx(lppd - result.elpd_loo, rel=1e-9) and result.p_loo > 0


def test_loo_after_partial_fit_and_refused_on_other_data():
    x, t = bf.datasets.sinusoid(20, seed=1)
    chunked = bf.BayesianRegression(Polynomial(2), alpha=0.1, beta=10.0)
    chunked.partial_fit(x[:7], t[:7]).partial_fit(x[7:], t[7:])
    batch = bf.BayesianRegression(Polynomial(2), alpha=0.1, beta=10.0).fit(x, t)
    np.testing.assert_allclose(chunked.loo(x, t).pointwise, batch.loo(x, t).pointwise, rtol=1e-9)
    with pytest.raises(ValueError, match="not the data the model was fitted on"):
        batch.loo(x[:-1], t[:-1])
    with pytest.raises(ValueError, match="not the data the model was fitted on"):
        batch.loo(x, t + 0.1)
    weighted = bf.BayesianRegression(Polynomial(2), alpha=0.1, beta=10.0)
    with pytest.raises(ValueError, match="a fit with sample_weight has no leave-one-out"):
        weighted.fit(x, t, sample_weight=np.full(20, 2.0)).loo(x, t)


def test_loo_runs_in_the_datas_namespace(xp, dtype_name):
    from tests.conftest import xp_assert_close

    x, t = bf.datasets.sinusoid(15, seed=2)
    dtype = getattr(xp, dtype_name)
    X, T = xp.asarray(x, dtype=dtype), xp.asarray(t, dtype=dtype)
    ref = bf.BayesianRegression(Polynomial(2), alpha=0.5, beta=10.0).fit(x, t).loo(x, t)
    got = bf.BayesianRegression(Polynomial(2), alpha=0.5, beta=10.0).fit(X, T).loo(X, T)
    xp_assert_close(got.pointwise, ref.pointwise, xp=xp, dtype=dtype_name,
                    rtol=1e-9 if dtype_name == "float64" else 2e-3)


def test_to_arviz_holds_posterior_draws_and_their_log_likelihood():
    x, t = bf.datasets.sinusoid(12, seed=3)
    model = bf.EvidenceRegression(Polynomial(2)).fit(x, t)
    idata = model.to_arviz(x, t, draws=300, random_seed=5)
    w = idata["posterior"]["w"]
    assert w.dims == ("chain", "draw", "feature") and w.shape == (1, 300, 3)
    assert list(w["feature"].values) == ["intercept", "x0", "x0^2"]
    np.testing.assert_array_equal(w.values[0], model.posterior_.sample(300, random_state=5))
    assert idata["posterior"].attrs["beta"] == model.beta_
    Phi = x[:, None] ** np.arange(3)
    want = scipy.stats.norm.logpdf(t, w.values[0] @ Phi.T, model.beta_**-0.5)
    np.testing.assert_allclose(idata["log_likelihood"]["y"].values[0], want, rtol=1e-12)
    np.testing.assert_array_equal(idata["observed_data"]["y"].values, t)


# -- MAP under the Laplace and elastic-net priors ----------------------------------------------
# scikit-learn's Lasso(alpha=a) minimises 1/(2N) ||y - Xw - b||^2 + a ||w||_1, its ElasticNet
# adds a (1 - l1_ratio)/2 ||w||^2 to a l1_ratio ||w||_1: our negative log posterior divided by
# beta N, at a = alpha / (beta N), l1_ratio = rho; fit_intercept=True is the unpenalized bias.


def _sklearn_sparse(X, y, a, rho, intercept=True, sample_weight=None):
    from sklearn.linear_model import ElasticNet

    with warnings.catch_warnings():  # it stops at its round-off floor, above tol=1e-15
        warnings.simplefilter("ignore", UserWarning)
        model = ElasticNet(alpha=a, l1_ratio=rho, fit_intercept=intercept, tol=1e-15,
                           max_iter=1_000_000).fit(X, y, sample_weight=sample_weight)
    return np.r_[model.intercept_, model.coef_] if intercept else model.coef_


def _diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


@pytest.mark.parametrize(("prior", "rho"), [("laplace", 1.0), ("elastic_net", 0.5),
                                            ("elastic_net", 0.05)])
def test_sparse_map_is_sklearn_at_the_mapped_alpha(prior, rho):
    X, y = _diabetes()
    n, beta = len(y), 1.0 / np.var(y)
    for a in (1.0, 0.1, 0.001):
        model = bf.MAPRegression(prior=prior, alpha=a * beta * n, beta=beta, l1_ratio=rho)
        model.fit(X, y)
        reference = _sklearn_sparse(X, y, a, rho)
        np.testing.assert_allclose(model.coef_, reference, rtol=1e-8,
                                   atol=1e-8 * np.abs(reference).max())
        np.testing.assert_array_equal(model.coef_ == 0, reference == 0)
        assert model.kkt_residual_ <= 1e-10 and model.n_iter_ >= 1
        # a penalized bias is scikit-learn's fit_intercept=False on the design with its ones
        biased = bf.MAPRegression(prior=prior, alpha=a * beta * n, beta=beta, l1_ratio=rho,
                                  penalize_bias=True).fit(X, y)
        np.testing.assert_allclose(
            biased.coef_, _sklearn_sparse(design(X), y, a, rho, intercept=False),
            rtol=1e-8, atol=1e-8 * np.abs(reference).max())


def test_sparse_map_with_sample_weights_is_sklearn_at_their_sum(rng):
    # scikit-learn rescales sample weights to sum to N; ours are precision weights: the
    # mapped strength is alpha / (beta * sum(w)).
    X, y = _diabetes()
    w = rng.integers(0, 4, size=len(y)).astype(float)
    alpha, beta = 5.0, 1.0 / np.var(y)
    model = bf.MAPRegression(prior="laplace", alpha=alpha, beta=beta).fit(X, y, w)
    reference = _sklearn_sparse(X, y, alpha / (beta * w.sum()), 1.0, sample_weight=w)
    np.testing.assert_allclose(model.coef_, reference, rtol=1e-8,
                               atol=1e-8 * np.abs(reference).max())


def test_gaussian_with_an_unpenalized_bias_is_ridge_with_an_intercept(rng):
    X, t = well_determined(rng)
    model = bf.MAPRegression(alpha=3.0, beta=2.0, penalize_bias=False).fit(X, t)
    ridge = Ridge(alpha=1.5).fit(X, t)
    np.testing.assert_allclose(model.coef_, np.r_[ridge.intercept_, ridge.coef_], rtol=1e-10)
    assert model.n_iter_ == 1 and model.kkt_residual_ < 1e-12
    # its summary is the posterior under a flat prior on the bias, written out here
    precision = 2.0 * design(X).T @ design(X) + np.diag([0.0, *([3.0] * X.shape[1])])
    sd = np.sqrt(np.diag(np.linalg.inv(precision)))
    np.testing.assert_allclose(model.summary().coefficients["std_error"], sd, rtol=1e-10)
    # the default is unchanged: the bias under the prior, as in PRML
    default = bf.MAPRegression(alpha=3.0, beta=2.0).fit(X, t)
    closed = np.linalg.solve(design(X).T @ design(X) + 1.5 * np.eye(5), design(X).T @ t)
    np.testing.assert_allclose(default.coef_, closed, rtol=1e-10)


def test_path_equals_refits_at_each_alpha_in_the_order_given():
    X, y = _diabetes()
    beta = 1.0 / np.var(y)
    for prior in ("laplace", "elastic_net", "gaussian"):
        model = bf.MAPRegression(prior=prior, alpha=100.0, beta=beta, l1_ratio=0.7).fit(X, y)
        alphas = np.geomspace(1e-3, 1e3, 25)[np.random.default_rng(1).permutation(25)]
        W = model.path(alphas)
        assert W.shape == (25, 11)
        for k in (0, 7, 24):
            refit = bf.MAPRegression(prior=prior, alpha=alphas[k], beta=beta,
                                     l1_ratio=0.7).fit(X, y)
            np.testing.assert_allclose(W[k], refit.coef_, rtol=1e-9,
                                       atol=1e-9 * np.abs(refit.coef_).max())
            np.testing.assert_array_equal(W[k] == 0, refit.coef_ == 0)
        np.testing.assert_array_equal(model.path([100.0])[0], model.coef_)  # state unchanged


def test_sparse_summary_says_there_is_no_standard_error():
    X, y = _diabetes()
    model = bf.MAPRegression(prior="laplace", alpha=2000.0, beta=1 / np.var(y)).fit(X, y)
    s = model.summary()
    table = s.coefficients
    assert table.index[0] == "intercept"
    np.testing.assert_array_equal(table["estimate"], model.coef_)
    assert table[["std_error", "lower", "upper"]].isna().all().all()
    assert s.interval is None and "not defined for this estimator" in str(s)
    assert s.statistics["n_nonzero"] == np.count_nonzero(model.coef_) < 11
    assert s.statistics["l1_ratio"] == 1.0 and s.statistics["alpha"] == 2000.0
    rss = np.sum((y - design(X) @ model.coef_) ** 2)
    assert s.statistics["noise_std_ml"] == pytest.approx(np.sqrt(rss / len(y)), rel=1e-9)


def test_sparse_map_on_every_backend_and_dtype(xp, dtype_name):
    X, y = _diabetes()
    X, y = (X - X.mean(0)) / X.std(0), (y - y.mean()) / y.std()
    dtype = getattr(xp, dtype_name)
    reference = bf.MAPRegression(prior="elastic_net", alpha=20.0, l1_ratio=0.8).fit(X, y)
    model = bf.MAPRegression(prior="elastic_net", alpha=20.0, l1_ratio=0.8)
    model.fit(xp.asarray(X, dtype=dtype), xp.asarray(y, dtype=dtype))
    tol = rtol_for(dtype_name)
    assert type(model.coef_) is type(xp.asarray(X)) and model.coef_.dtype == dtype
    np.testing.assert_allclose(bf.to_numpy(model.coef_), reference.coef_, rtol=tol, atol=tol)
    W = model.path(xp.asarray([20.0, 200.0], dtype=dtype))
    assert type(W) is type(model.coef_) and W.shape == (2, 11)
    np.testing.assert_allclose(bf.to_numpy(W[0, :]), reference.coef_, rtol=tol, atol=tol)


def test_sparse_map_round_trips_through_a_dict():
    X, y = _diabetes()
    model = bf.MAPRegression(prior="elastic_net", alpha=500.0, beta=1e-3, l1_ratio=0.6)
    model.fit(X, y)
    back = bf.MAPRegression.from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_array_equal(back.coef_, model.coef_)
    assert (back.n_iter_, back.kkt_residual_) == (model.n_iter_, model.kkt_residual_)
    np.testing.assert_array_equal(back.path([50.0]), model.path([50.0]))
    pickle.loads(pickle.dumps(model)).predict(X[:3])


def test_coordinate_descent_that_does_not_converge_warns_with_the_remedy(rng):
    X = rng.normal(size=(20, 60))
    y = X[:, :3] @ np.array([2.0, -1.0, 1.0])
    with pytest.warns(bf.ConvergenceWarning, match="raise max_iter"):
        model = bf.MAPRegression(prior="laplace", alpha=0.01, max_iter=1).fit(X, y)
    assert model.n_iter_ == 1 and model.kkt_residual_ > model.tol
