"""ARDRegression against scikit-learn's ARDRegression, the N x N evidence, its invariances."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import scipy.stats
from sklearn.linear_model import ARDRegression as SklearnARD

import bayesfit as bf
from bayesfit.basis import Identity, Polynomial
from tests.conftest import rtol_for, xp_assert_close

SUPPORT = [1, 4, 6]


def sparse_problem(seed=3, n=200, m=10):
    """Three clearly relevant features of ten; the rest pure noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, m))
    w = np.zeros(m)
    w[SUPPORT] = [1.5, -2.0, 0.8]
    return X, X @ w + 0.5 * rng.standard_normal(n)


def sklearn_fit(X, y, **kw):
    """scikit-learn's ARD at our settings: no hyperpriors, no centring, run to convergence."""
    return SklearnARD(
        fit_intercept=False, alpha_1=0.0, alpha_2=0.0, lambda_1=0.0, lambda_2=0.0,
        tol=1e-15, max_iter=100_000, **kw,
    ).fit(X, y)


# Seed 3 keeps exactly the true support; seed 7 also two noise features with finite optimal
# precisions (below scikit-learn's threshold_lambda and above ours): the same fixed point.
@pytest.mark.parametrize("seed", [3, 7])
def test_same_fixed_point_as_scikit_learn(seed):
    X, y = sparse_problem(seed)
    ours = bf.ARDRegression(Identity(bias=False)).fit(X, y)
    theirs = sklearn_fit(X, y)
    kept = theirs.lambda_ < theirs.threshold_lambda
    np.testing.assert_array_equal(ours.relevant_, kept)
    if seed == 3:
        np.testing.assert_array_equal(np.flatnonzero(ours.relevant_), SUPPORT)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9, atol=1e-12)
    assert np.all(ours.coef_[~kept] == 0.0) and np.all(np.isinf(ours.alpha_[~kept]))
    np.testing.assert_allclose(ours.alpha_[kept], theirs.lambda_[kept], rtol=1e-8)
    assert ours.beta_ == pytest.approx(theirs.alpha_, rel=1e-10)
    np.testing.assert_allclose(ours.posterior_.cov, theirs.sigma_, rtol=1e-8)
    mean, std = ours.predict(X[:7], return_std=True)
    their_mean, their_std = theirs.predict(X[:7], return_std=True)
    np.testing.assert_allclose(mean, their_mean, rtol=1e-9)
    np.testing.assert_allclose(std, their_std, rtol=1e-9)
    assert ours.n_iter_ < theirs.n_iter_


def test_log_evidence_is_the_marginal_gaussian_over_the_kept_features():
    X, y = sparse_problem(7)
    model = bf.ARDRegression().fit(X, y)  # with the bias column, which gets its own alpha
    Phi = np.column_stack([np.ones(len(y)), X])[:, model.relevant_]
    alpha = model.alpha_[model.relevant_]
    cov = np.eye(len(y)) / model.beta_ + (Phi / alpha) @ Phi.T  # t ~ N(0, I/beta + Phi A^-1 Phi^T)
    reference = scipy.stats.multivariate_normal(np.zeros(len(y)), cov).logpdf(y)
    assert model.log_evidence_ == pytest.approx(reference, rel=1e-11)
    # ... and the evidence is at a stationary point: alpha_i = gamma_i / m_i^2 (PRML eq. 7.87)
    m = model.coef_[model.relevant_]
    np.testing.assert_allclose(alpha, model.gamma_[model.relevant_] / m**2, rtol=1e-8)


@pytest.mark.parametrize("factor", [1e3, 1e-3])
def test_kept_set_does_not_depend_on_the_units_of_a_feature(factor):
    X, y = sparse_problem(3)
    j = SUPPORT[2]
    stretched = X.copy()
    stretched[:, j] *= factor
    base = bf.ARDRegression(Identity(bias=False)).fit(X, y)
    scaled = bf.ARDRegression(Identity(bias=False)).fit(stretched, y)
    np.testing.assert_array_equal(scaled.relevant_, base.relevant_)
    expected = base.coef_.copy()
    expected[j] /= factor
    np.testing.assert_allclose(scaled.coef_, expected, rtol=1e-9)
    assert scaled.log_evidence_ == pytest.approx(base.log_evidence_, rel=1e-11)  # same model
    # scikit-learn's threshold bounds alpha_i itself: stretching the relevant column by 1e3
    # shrinks its weight to 8e-4 and raises its lambda_ above threshold_lambda, so it is dropped
    # (scikit-learn PR #30951); a shrunk column keeps it, as it should.
    theirs = sklearn_fit(stretched, y)
    assert (theirs.lambda_[j] < theirs.threshold_lambda) == (factor < 1)


def test_same_fit_on_every_backend_and_dtype(xp, dtype_name):
    X, y = sparse_problem(3)
    reference = sklearn_fit(X, y)
    dtype = getattr(xp, dtype_name)
    model = bf.ARDRegression(Identity(bias=False)).fit(
        xp.asarray(X, dtype=dtype), xp.asarray(y, dtype=dtype)
    )
    rtol = rtol_for(dtype_name)
    kept = reference.lambda_ < reference.threshold_lambda
    np.testing.assert_array_equal(np.asarray(bf.to_numpy(model.relevant_)), kept)
    xp_assert_close(model.coef_, reference.coef_, xp=xp, rtol=rtol, atol=rtol * 1e-3,
                    dtype=dtype_name)
    mean, std = model.predict(xp.asarray(X[:5], dtype=dtype), return_std=True)
    their_mean, their_std = reference.predict(X[:5], return_std=True)
    xp_assert_close(mean, their_mean, xp=xp, rtol=rtol, dtype=dtype_name)
    xp_assert_close(std, their_std, xp=xp, rtol=rtol, dtype=dtype_name)
    xp_assert_close(model.posterior_.cov, reference.sigma_, xp=xp, rtol=10 * rtol,
                    dtype=dtype_name)
    assert model.beta_ == pytest.approx(reference.alpha_, rel=rtol)


def test_every_weight_pruned_predicts_zero_with_the_noise_alone():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = rng.standard_normal(50)
    y -= X @ np.linalg.lstsq(X, y, rcond=None)[0]  # orthogonal to every column: q_i = 0
    model = bf.ARDRegression(Identity(bias=False)).fit(X, y)
    assert not np.any(model.relevant_) and np.all(model.coef_ == 0.0)
    assert model.beta_ == pytest.approx(len(y) / (y @ y), rel=1e-12)
    mean, std = model.predict(X[:4], return_std=True)
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_allclose(std, model.beta_**-0.5, rtol=1e-12)
    reference = scipy.stats.norm(0.0, model.beta_**-0.5).logpdf(y).sum()
    assert model.log_evidence_ == pytest.approx(reference, rel=1e-12)
    assert model.summary().statistics["n_params"] == 0


# Only the sum of the two copies' prior variances matters: the evidence has a ridge, along
# which the iteration creeps (and says so) while the fit stays that of the single column.
@pytest.mark.filterwarnings("ignore::bayesfit.ConvergenceWarning")
def test_a_duplicated_column_is_shared_not_doubled():
    X, y = sparse_problem(3)
    doubled = np.column_stack([X, X[:, SUPPORT[0]]])
    base = bf.ARDRegression(Identity(bias=False)).fit(X, y)
    model = bf.ARDRegression(Identity(bias=False)).fit(doubled, y)
    np.testing.assert_allclose(model.predict(doubled[:9]), base.predict(X[:9]), rtol=1e-6)
    total = model.coef_[SUPPORT[0]] + model.coef_[-1]
    assert total == pytest.approx(base.coef_[SUPPORT[0]], rel=1e-6)
    assert model.log_evidence_ == pytest.approx(base.log_evidence_, rel=1e-9)


def test_summary_lists_every_weight_with_its_precision():
    X, y = sparse_problem(3)
    model = bf.ARDRegression(Identity(bias=False)).fit(X, y)
    table = model.summary(level=0.9).coefficients
    assert list(table.index) == [f"x{i}" for i in range(10)]
    sd = np.sqrt(np.diag(sklearn_fit(X, y).sigma_))
    np.testing.assert_allclose(table["std_error"].to_numpy()[SUPPORT], sd, rtol=1e-8)
    z = scipy.stats.norm.ppf(0.95)
    np.testing.assert_allclose(table["upper"] - table["estimate"], z * table["std_error"])
    pruned = ~model.relevant_
    assert (table.loc[pruned, ["estimate", "std_error", "lower", "upper"]] == 0).all().all()
    assert np.isinf(table["alpha"][pruned]).all()
    stats = model.summary().statistics
    assert stats["n_params"] == 3 and stats["df_resid"] == 197
    assert stats["gamma"] == pytest.approx(model.gamma_.sum())
    assert stats["log_evidence"] == model.log_evidence_


def test_round_trip_through_json_keeps_the_pruned_weights():
    X, y = sparse_problem(3)
    model = bf.ARDRegression().fit(X, y)
    loaded = bf.from_dict(json.loads(json.dumps(model.to_dict())))
    assert isinstance(loaded, bf.ARDRegression)
    np.testing.assert_array_equal(loaded.relevant_, model.relevant_)
    np.testing.assert_array_equal(loaded.alpha_, model.alpha_)
    for a, b in zip(loaded.predict(X[:5], return_std=True), model.predict(X[:5], return_std=True),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    more = np.random.default_rng(1).standard_normal((20, 10))
    updated = loaded.partial_fit(more, more @ np.eye(10)[4])
    refit = bf.ARDRegression().fit(np.vstack([X, more]), np.concatenate([y, more[:, 4]]))
    np.testing.assert_allclose(updated.coef_, refit.coef_, rtol=1e-9, atol=1e-12)
    bad = model.to_dict()
    bad["state"]["alpha_"] = bad["state"]["alpha_"][:-1]
    with pytest.raises(ValueError, match=r"alpha_ and gamma_ must have the shape of coef_ \(11,\)"):
        bf.from_dict(bad)


def test_posterior_methods_work_on_the_kept_weights():
    x, t = bf.datasets.sinusoid(40, seed=1)
    model = bf.ARDRegression(Polynomial(5)).fit(x, t)
    k = int(model.relevant_.sum())
    assert model.posterior_.n_features == k and model.prior().cov.shape == (k, k)
    np.testing.assert_allclose(np.diag(model.prior().cov), 1 / model.alpha_[model.relevant_])
    draws = model.sample_functions(x, 4000, random_state=0)
    _, std = model.predict(x, return_std=True)
    np.testing.assert_allclose(draws.std(axis=0) ** 2 + 1 / model.beta_, std**2, rtol=0.1)
    idata = model.to_arviz(x, t, draws=50, random_seed=0)
    assert idata["posterior"]["w"].shape == (1, 50, k)
    assert model.loo(x, t).pointwise.shape == (40,)


def test_a_smaller_threshold_prunes_more():
    X, y = sparse_problem(7)
    fits = [bf.ARDRegression(threshold=c).fit(X, y) for c in (1e12, 1e4, 1.0)]
    kept = [int(f.relevant_.sum()) for f in fits]
    assert kept[0] >= kept[1] >= kept[2] >= len(SUPPORT)


def test_max_iter_too_small_warns():
    X, y = sparse_problem(0)
    with pytest.warns(bf.ConvergenceWarning, match="increase max_iter"):
        bf.ARDRegression(max_iter=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bf.ARDRegression().fit(X, y)


def test_diabetes_kept_set_is_scikit_learns_converged_one_in_any_units():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_diabetes(return_X_y=True)
    theirs = SklearnARD(alpha_1=0.0, alpha_2=0.0, lambda_1=0.0, lambda_2=0.0, tol=1e-12,
                        max_iter=10_000).fit(X, y)  # centred: the intercept is not pruned
    ours = bf.ARDRegression().fit(X, y)
    assert ours.relevant_[0]
    np.testing.assert_array_equal(ours.relevant_[1:], theirs.lambda_ < theirs.threshold_lambda)
    np.testing.assert_array_equal(bf.ARDRegression().fit(1e3 * X, y).relevant_, ours.relevant_)
    assert ours.log_evidence_ > bf.EvidenceRegression().fit(X, y).log_evidence_
