"""The classification ladder against independent references.

Each rung is checked against what someone else computed or what the test writes out from the
formulas: the MLE against Newton's method and the inverse observed information written here
and statsmodels' Logit / MNLogit; MAP against scikit-learn's LogisticRegression; the Laplace
covariance against a finite-difference Hessian of the negative log posterior written here;
the probit and the K-class predictive against Monte Carlo with a million draws; the evidence
against a fine scan over ln alpha computed here from scikit-learn's MAP weights; full Bayes
against the Laplace approximation when N >> M.
"""

from __future__ import annotations

import json
import math
import pickle
import warnings

import numpy as np
import pytest
import scipy.special
from sklearn.linear_model import LogisticRegression

import bayesfit as bf
from bayesfit import to_numpy
from tests.conftest import xp_assert_close

# -- data ------------------------------------------------------------------------------------------


def _binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    p = scipy.special.expit(0.4 + X @ [1.5, -1.0])
    return X, (rng.random(n) < p).astype(np.int64)


def _multiclass(n=600, K=3, d=2, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(scale=1.2, size=(d + 1, K))
    p = scipy.special.softmax(np.c_[np.ones(n), X] @ W, axis=1)
    return X, (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)


def _design(X):
    return np.c_[np.ones(len(X)), X]


# -- references written here -----------------------------------------------------------------------


def _negative_log_posterior(w, Phi, y, K, alpha, reference):
    """-ln p(t | w) + alpha/2 |w|^2 for free weights w (flat, feature-major), from the formula."""
    F = K - 1 if reference else K
    W = w.reshape(Phi.shape[1], F)
    A = Phi @ W
    if reference:
        A = np.c_[np.zeros(len(A)), A]
    log_likelihood = np.sum(A[np.arange(len(y)), y] - scipy.special.logsumexp(A, axis=1))
    return -log_likelihood + 0.5 * alpha * w @ w


def _newton_reference(Phi, y, K, alpha=0.0, reference=True, steps=40):
    """Newton's method with the Hessian sum_n kron(phi phi^T, diag(y) - y y^T), no line search."""
    F = K - 1 if reference else K
    M = Phi.shape[1]
    W = np.zeros((M, F))
    T = np.eye(K)[y][:, K - F:]
    for _ in range(steps):
        A = Phi @ W
        full = np.c_[np.zeros(len(A)), A] if reference else A
        P = scipy.special.softmax(full, axis=1)[:, K - F:]
        g = Phi.T @ (P - T) + alpha * W
        C = np.einsum("nj,jk->njk", P, np.eye(F)) - np.einsum("nj,nk->njk", P, P)
        H = np.einsum("nm,nl,njk->mjlk", Phi, Phi, C).reshape(M * F, M * F) + alpha * np.eye(M * F)
        W = W - np.linalg.solve(H, g.reshape(-1)).reshape(M, F)
    return W, np.linalg.inv(H)


# -- MLE -------------------------------------------------------------------------------------------


def test_mle_binary_equals_newton_and_statsmodels_logit():
    sm = pytest.importorskip("statsmodels.api")
    X, y = _binary()
    Phi = _design(X)
    model = bf.MLEClassifier().fit(X, y)
    W, cov = _newton_reference(Phi, y, 2)
    np.testing.assert_allclose(model.coef_, W[:, 0], rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(model.cov_, cov, rtol=1e-6, atol=1e-12)
    ref = sm.Logit(y, Phi).fit(method="newton", tol=1e-12, disp=0)
    np.testing.assert_allclose(model.coef_, ref.params, rtol=1e-6)
    table = model.summary().coefficients
    np.testing.assert_allclose(table["std_error"], ref.bse, rtol=1e-6)
    np.testing.assert_allclose(table["z"], ref.tvalues, rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=1e-6)
    lower, upper = ref.conf_int(0.05).T
    np.testing.assert_allclose(table["lower"], lower, rtol=1e-6)
    np.testing.assert_allclose(table["upper"], upper, rtol=1e-6)
    stats = model.summary().statistics
    np.testing.assert_allclose(stats["log_likelihood"], ref.llf, rtol=1e-10)
    np.testing.assert_allclose([stats["aic"], stats["bic"]], [ref.aic, ref.bic], rtol=1e-10)
    assert stats["df_resid"] == ref.df_resid and not model.separable_


def test_mle_multinomial_equals_newton_and_statsmodels_mnlogit():
    sm = pytest.importorskip("statsmodels.api")
    X, y = _multiclass()
    Phi = _design(X)
    model = bf.MLEClassifier().fit(X, y)
    W, cov = _newton_reference(Phi, y, 3)
    assert model.coef_.shape == (3, 3)
    np.testing.assert_array_equal(model.coef_[:, 0], 0.0)  # the reference class
    np.testing.assert_allclose(model.coef_[:, 1:], W, rtol=1e-6)
    np.testing.assert_allclose(model.cov_, cov, rtol=1e-6, atol=1e-12)
    ref = sm.MNLogit(y, Phi).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    np.testing.assert_allclose(model.coef_[:, 1:], ref.params, rtol=1e-6)
    table = model.summary().coefficients
    assert list(table.index.names) == ["class", "feature"]
    assert table.index[0][0] == "1"  # class 0 is the reference: not in the table
    # the table is class-major; statsmodels' bse is (feature, equation)
    np.testing.assert_allclose(table["std_error"], np.asarray(ref.bse).T.reshape(-1), rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], np.asarray(ref.pvalues).T.reshape(-1), rtol=1e-5)
    np.testing.assert_allclose(model.summary().statistics["log_likelihood"], ref.llf, rtol=1e-10)
    # probabilities: the reference logit is zero
    np.testing.assert_allclose(model.predict_proba(X[:5]), ref.predict(Phi[:5]), rtol=1e-6)


def _separable(n=40, seed=0):
    rng = np.random.default_rng(seed)
    half = n // 2
    x = np.r_[-np.abs(rng.normal(1.0, 1.0, half)) - 0.1, np.abs(rng.normal(1.0, 1.0, half)) + 0.1]
    return x, np.r_[np.zeros(n // 2, int), np.ones(n // 2, int)]


def _quasi_separable(n=200, seed=2):
    rng = np.random.default_rng(seed)
    flag = (rng.random(n) < 0.3).astype(float)
    x = rng.normal(size=n)
    y = (rng.random(n) < scipy.special.expit(x)).astype(int)
    y[flag == 1] = 1  # every row with the flag is of class 1
    return np.c_[flag, x], y


@pytest.mark.parametrize("data", [_separable, _quasi_separable], ids=["complete", "quasi"])
@pytest.mark.parametrize("tol", [1e-4, 1e-8])
def test_separable_data_warn_naming_map_and_return_finite_weights(data, tol):
    X, y = data()
    with pytest.warns(bf.NumericalWarning, match="separable.*MAPClassifier"):
        model = bf.MLEClassifier(tol=tol).fit(X, y)
    assert model.separable_ and model.n_iter_ < model.max_iter
    assert np.all(np.isfinite(model.coef_)) and np.abs(model.coef_).max() > 5.0
    assert np.all(np.isfinite(model.predict_proba(X)))
    table = model.summary().coefficients
    assert not table.isna().any().any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(bf.MAPClassifier().fit(X, y).coef_))  # the remedy


def test_separation_in_one_class_of_several_is_detected():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)  # setosa is linearly separable from the others
    with pytest.warns(bf.NumericalWarning, match="separable"):
        bf.MLEClassifier().fit(X, y)


def test_large_but_finite_coefficients_are_not_called_separable():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 3))
    y = (rng.random(3000) < scipy.special.expit(X @ [8.0, -6.0, 10.0])).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", bf.BayesfitWarning)
        model = bf.MLEClassifier().fit(X, y)
    W, _ = _newton_reference(_design(X), y, 2)
    np.testing.assert_allclose(model.coef_, W[:, 0], rtol=1e-6)
    assert not model.separable_


# -- MAP -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.01, 1.0, 30.0])
@pytest.mark.parametrize("data", [_binary, _multiclass], ids=["binary", "multinomial"])
def test_map_equals_logistic_regression(data, alpha):
    X, y = data()
    model = bf.MAPClassifier(alpha=alpha, tol=1e-10).fit(X, y)
    ref = LogisticRegression(C=1.0 / alpha, fit_intercept=False, tol=1e-12, max_iter=10000)
    ref.fit(_design(X), y)
    expected = ref.coef_[0] if ref.coef_.shape[0] == 1 else ref.coef_.T
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(_design(X)), atol=1e-7)


def test_map_with_many_classes_takes_the_conjugate_gradient_path_to_the_same_answer():
    from bayesfit._logistic import DIRECT_WORK, PRECONDITIONER_ROWS

    n = 3 * PRECONDITIONER_ROWS + 5  # the preconditioner sees a third of the rows
    X, y = _multiclass(n=n, K=8, d=10)
    assert n * (11 * 8) ** 2 > DIRECT_WORK
    model = bf.MAPClassifier(alpha=2.0, tol=1e-10).fit(X, y)
    ref = LogisticRegression(C=0.5, fit_intercept=False, tol=1e-10, solver="newton-cholesky",
                             max_iter=1000).fit(_design(X), y)
    np.testing.assert_allclose(model.coef_, ref.coef_.T, rtol=1e-6, atol=1e-7)


def test_map_equals_the_network_with_the_matching_weight_decay():
    # MAPClassifier's objective is N times the MLP's with weight decay alpha / N, the bias
    # of the network being the weight of the constant basis function.
    from bayesfit.nn import MLP, prior_weight_decay
    from bayesfit.nn.optim import SGD

    for data, K in ((_binary, 2), (_multiclass, 3)):
        X, y = data()
        alpha = 3.0
        model = bf.MAPClassifier(alpha=alpha, tol=1e-12).fit(X, y)
        decay = prior_weight_decay(alpha, len(X))
        assert decay == alpha / len(X)
        head = ([2, 1], "sigmoid", "binary_cross_entropy") if K == 2 else ([2, K], "softmax",
                                                                            "cross_entropy")
        net = MLP(head[0], output=head[1], loss=head[2], weight_decay=decay, random_state=0)
        net.fit(X, y, optimizer=SGD(1.0), batch_size=None, epochs=3000, shuffle=False,
                progress=False)
        w = np.r_[net.params["b1"][None, :], net.params["W1"]]
        np.testing.assert_allclose(w[:, 0] if K == 2 else w, model.coef_, atol=1e-6)


# -- Laplace ---------------------------------------------------------------------------------------


def _fd_hessian(f, w, h=2e-3):
    """Central second differences of f, Richardson-extrapolated over steps h and h/2."""

    def at(step):
        n = w.size
        H = np.empty((n, n))
        for i in range(n):
            for j in range(i, n):
                e_i, e_j = np.eye(n)[i] * step, np.eye(n)[j] * step
                H[i, j] = H[j, i] = (f(w + e_i + e_j) - f(w + e_i - e_j) - f(w - e_i + e_j)
                                     + f(w - e_i - e_j)) / (4 * step * step)
        return H

    return (4.0 * at(h / 2) - at(h)) / 3.0


@pytest.mark.parametrize("data,K", [(_binary, 2), (_multiclass, 3)], ids=["binary", "softmax"])
def test_laplace_covariance_is_the_inverse_finite_difference_hessian(data, K):
    X, y = data(n=120)
    alpha = 0.5
    model = bf.BayesianClassifier(alpha=alpha).fit(X, y)
    reference = K == 2
    w = to_numpy(model.posterior_.mean)

    def f(v):
        return _negative_log_posterior(v, _design(X), y, K, alpha, reference)

    H = _fd_hessian(f, w)
    np.testing.assert_allclose(model.posterior_.cov, np.linalg.inv(H), rtol=1e-5, atol=1e-7)
    # and the mode is the mode: the finite-difference gradient vanishes there
    grad = [(f(w + 1e-6 * e) - f(w - 1e-6 * e)) / 2e-6 for e in np.eye(w.size)]
    assert np.abs(grad).max() < 1e-6


def test_probit_predictive_is_within_0_02_of_monte_carlo():
    X, y = bf.datasets.overlapping_clusters(30, seed=1)
    model = bf.BayesianClassifier(alpha=0.1).fit(X, y)
    rng = np.random.default_rng(0)
    points = np.array([[0.0, 0.0], [1.0, 0.5], [-2.0, 1.0], [4.0, 4.0], [-6.0, 8.0], [10.0, -3.0]])
    Phi = _design(points)
    mu = Phi @ model.coef_
    var = np.einsum("nm,ml,nl->n", Phi, model.posterior_.cov, Phi)
    assert var.max() > 10.0  # far from the data the weights are uncertain: moderation matters
    a = mu[:, None] + np.sqrt(var)[:, None] * rng.standard_normal((len(points), 10**6))
    mc = scipy.special.expit(a).mean(axis=1)
    p = model.predict_proba(points)[:, 1]
    assert np.abs(p - mc).max() < 0.02
    assert np.abs(scipy.special.expit(mu) - mc).max() > 0.05  # the plug-in is not
    # decision_function is the moderated logit: its sigmoid is predict_proba
    np.testing.assert_allclose(scipy.special.expit(model.decision_function(points)), p)


def test_multiclass_predictive_is_within_0_02_of_a_million_draw_monte_carlo():
    X, y = _multiclass(n=60, K=4)
    model = bf.BayesianClassifier(alpha=0.3).fit(X, y)
    points = np.array([[0.0, 0.0], [2.0, -1.0], [-3.0, 3.0], [6.0, 6.0]])
    rng = np.random.default_rng(1)
    W = rng.multivariate_normal(model.posterior_.mean, model.posterior_.cov, size=10**6)
    W = W.reshape(-1, 3, 4)
    mc = scipy.special.softmax(np.einsum("nm,smk->snk", _design(points), W), axis=2).mean(0)
    p = model.predict_proba(points)
    assert np.abs(p - mc).max() < 0.02
    plug_in = scipy.special.softmax(_design(points) @ model.coef_, axis=1)
    assert np.abs(plug_in - mc).max() > 0.05
    # log probabilities rank as the probabilities do, and predict is their argmax
    np.testing.assert_allclose(np.exp(model.decision_function(points)), p, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(points), p.argmax(axis=1))


# -- evidence --------------------------------------------------------------------------------------


def _scan_log_evidence(X, y, K, log_alphas):
    """PRML 4.137 at each alpha: scikit-learn's MAP weights, the Hessian and slogdet here."""
    Phi = _design(X)
    reference = K == 2
    out = []
    for la in log_alphas:
        alpha = math.exp(la)
        ref = LogisticRegression(C=1 / alpha, fit_intercept=False, tol=1e-12,
                                 solver="newton-cholesky", max_iter=1000).fit(Phi, y)
        w = (ref.coef_[0][:, None] if reference else ref.coef_.T).reshape(-1)
        F = K - 1 if reference else K
        W = w.reshape(Phi.shape[1], F)
        A = Phi @ W
        full = np.c_[np.zeros(len(A)), A] if reference else A
        P = scipy.special.softmax(full, axis=1)[:, K - F:]
        C = np.einsum("nj,jk->njk", P, np.eye(F)) - np.einsum("nj,nk->njk", P, P)
        H = np.einsum("nm,nl,njk->mjlk", Phi, Phi, C).reshape(w.size, w.size)
        E = _negative_log_posterior(w, Phi, y, K, alpha, reference)
        out.append(-E + 0.5 * w.size * la - 0.5 * np.linalg.slogdet(H + alpha * np.eye(w.size))[1])
    return np.array(out)


@pytest.mark.parametrize("data,K", [(_binary, 2), (_multiclass, 3)], ids=["binary", "softmax"])
def test_evidence_is_at_least_a_fine_scan_over_log_alpha(data, K):
    X, y = data(n=150)
    model = bf.EvidenceClassifier().fit(X, y)
    grid = np.linspace(math.log(model.alpha_) - 2.0, math.log(model.alpha_) + 2.0, 81)
    scan = _scan_log_evidence(X, y, K, grid)
    assert model.log_evidence_ >= scan.max() - 1e-9
    assert abs(math.log(model.alpha_) - grid[scan.argmax()]) <= grid[1] - grid[0]
    wide = _scan_log_evidence(X, y, K, np.linspace(-8.0, 6.0, 29))
    assert model.log_evidence_ >= wide.max() - 1e-9
    # the fixed alpha's evidence is the same formula
    fixed = bf.BayesianClassifier(alpha=model.alpha_).fit(X, y)
    np.testing.assert_allclose(fixed.log_evidence_, model.log_evidence_, rtol=1e-7)


def test_mackays_fixed_point_lies_below_the_maximum():
    X, y = bf.datasets.overlapping_clusters(30, seed=3)
    Phi = _design(X)
    alpha = 1.0
    for _ in range(200):  # MacKay: alpha = gamma / m^T m, written here
        W, cov = _newton_reference(Phi, y, 2, alpha=alpha)
        gamma = W.size - alpha * np.trace(cov)
        alpha = gamma / float(W.reshape(-1) @ W.reshape(-1))
    model = bf.EvidenceClassifier().fit(X, y)
    at_mackay = _scan_log_evidence(X, y, 2, [math.log(alpha)])[0]
    assert model.log_evidence_ - at_mackay > 1e-3
    assert abs(math.log(model.alpha_ / alpha)) > 0.05


# -- full Bayes ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_full_bayes_agrees_with_laplace_within_4_mcse_when_n_is_large():
    # The Laplace approximation's error (mean - mode, from the skew) falls as 1/sqrt(N) in
    # units of the posterior sd: at N = 10^4 it is about 0.05 sd, under 4 MCSE (~0.13 sd).
    import arviz as az

    X, y = _binary(n=10_000, seed=4)
    laplace = bf.EvidenceClassifier().fit(X, y)
    full = bf.FullBayesClassifier(draws=500, tune=500, chains=2, random_seed=1,
                                  progressbar=False).fit(X, y)
    post = full.idata_["posterior"].to_dataset()[["w"]]
    mcse_mean = az.mcse(post, method="mean")["w"].values
    mcse_sd = az.mcse(post, method="sd")["w"].values
    sd = np.sqrt(np.diag(laplace.posterior_.cov))
    assert np.all(np.abs(full.coef_ - laplace.coef_) <= 4 * mcse_mean)
    assert np.all(np.abs(post["w"].std(("chain", "draw")).values - sd) <= 4 * mcse_sd)
    assert full.idata_["log_likelihood"]["y"].shape == (2, 500, 10_000)
    np.testing.assert_allclose(full.predict_proba(X[:50]), laplace.predict_proba(X[:50]),
                               atol=0.005)


def test_full_bayes_multiclass_runs_and_names_its_dims():
    X, y = _multiclass(n=300, K=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # a short run
        model = bf.FullBayesClassifier(draws=150, tune=150, chains=2, random_seed=0,
                                       progressbar=False).fit(X, ["a", "b", "c"] * 0 + list(
                                           np.array(["a", "b", "c"])[y]))
    w = model.idata_["posterior"]["w"]
    assert w.dims == ("chain", "draw", "feature", "class")
    assert list(w["class"].values) == ["a", "b", "c"]
    assert model.coef_.shape == (3, 3) and model.predict(X[:4]).dtype.kind == "U"
    table = model.summary().coefficients
    assert {"ess_bulk", "r_hat"} <= set(table.columns) and len(table) == 9
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)


# -- backends and dtypes ---------------------------------------------------------------------------

RUNGS = {
    "mle": lambda: bf.MLEClassifier(),
    "map": lambda: bf.MAPClassifier(alpha=0.5),
    "bayes": lambda: bf.BayesianClassifier(alpha=0.5),
    "evidence": lambda: bf.EvidenceClassifier(),
}


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("rung", list(RUNGS))
def test_every_rung_on_every_backend_and_dtype(rung, K, xp, dtype_name):
    X, y = _binary(n=200) if K == 2 else _multiclass(n=200)
    dtype = getattr(xp, dtype_name)
    reference = RUNGS[rung]().fit(X, y)
    model = RUNGS[rung]().fit(xp.asarray(X, dtype=dtype), xp.asarray(y))
    rtol = 1e-8 if dtype_name == "float64" else 2e-3
    xp_assert_close(model.coef_, reference.coef_, xp=xp, dtype=dtype_name, rtol=rtol,
                    atol=rtol)
    proba = model.predict_proba(xp.asarray(X[:20], dtype=dtype))
    xp_assert_close(proba, reference.predict_proba(X[:20]), xp=xp, dtype=dtype_name,
                    rtol=rtol, atol=rtol)
    labels = model.predict(xp.asarray(X[:20], dtype=dtype))
    assert type(labels) is type(xp.asarray([1]))
    np.testing.assert_array_equal(to_numpy(labels), reference.predict(X[:20]))
    assert model.score(xp.asarray(X, dtype=dtype), xp.asarray(y)) == reference.score(X, y)


# -- labels, weights, bad input --------------------------------------------------------------------


def test_string_labels_are_kept_as_classes():
    X, y = _multiclass()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    for make in RUNGS.values():
        model = make().fit(X, names.tolist())
        assert model.classes_.tolist() == ["setosa", "versicolor", "virginica"]
        assert set(model.predict(X[:30])) <= set(names)
        np.testing.assert_allclose(model.predict_proba(X), make().fit(X, y).predict_proba(X))


@pytest.mark.parametrize("rung", list(RUNGS))
def test_integer_weights_equal_repeated_rows(rung):
    X, y = _multiclass(n=80)
    w = np.random.default_rng(0).integers(0, 4, size=80)
    weighted = RUNGS[rung]().fit(X, y, sample_weight=w)
    repeated = RUNGS[rung]().fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-9)
    assert weighted.n_samples_ == w.sum()
    assert weighted.summary().statistics == pytest.approx(repeated.summary().statistics)


@pytest.mark.parametrize(
    "y,sample_weight,error,match",
    [
        (np.zeros(6, int), None, ValueError, "only one class"),
        ([0, 1, np.nan, 1, 0, 1], None, ValueError, "y contains NaN at index 2"),
        ([0, 1, np.inf, 1, 0, 1], None, ValueError, "y contains inf at index 2"),
        (np.zeros((6, 2), int), None, ValueError, "y must be 1-D"),
        ([0, 1, 0, 1, 0], None, ValueError, "inconsistent numbers of samples"),
        ([0.0, 1.0, 0.5, 1.0, 0.0, 1.0], None, ValueError, "Unknown label type: continuous"),
        (["a", None, "b", "a", "b", "a"], None, ValueError, "y contains None at index 1"),
        (["a", 1, "b", "a", "b", "a"], None, TypeError, "mixes string and non-string"),
        ([0, 1, 0, 1, 0, 1], [1, 1, -1, 1, 1, 1], ValueError, "sample_weight must be non-neg"),
        ([0, 1, 0, 1, 0, 1], [1, 1, 1], ValueError, "sample_weight has 3 entries"),
        ([0, 1, 0, 1, 0, 1], [0, 0, 0, 0, 0, 0], ValueError, "sample_weight is zero"),
        ([0, 1, 0, 1, 0, 1], [1, 0, 1, 0, 1, 0], ValueError, "only one class"),
        ([0, 1, 0, 1, 0, 1], [1, 1, np.nan, 1, 1, 1], ValueError, "sample_weight contains NaN"),
        (None, None, ValueError, "requires y"),
    ],
)
def test_bad_labels_and_weights_are_clear_errors_before_any_work(y, sample_weight, error, match,
                                                                monkeypatch):
    import bayesfit._logistic as kernels

    def no_work(*args, **kwargs):
        raise AssertionError("the fit started")

    monkeypatch.setattr(kernels, "newton", no_work)
    X = np.arange(6.0)
    for make in RUNGS.values():
        model = make()
        with pytest.raises(error, match=match):
            model.fit(X, y, sample_weight=sample_weight)
        assert not hasattr(model, "coef_")  # nothing half-written


def test_a_failed_refit_leaves_the_model_unchanged():
    X, y = _binary(n=50)
    model = bf.MAPClassifier().fit(X, y)
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="X contains NaN"):
        model.fit(np.where(np.arange(50)[:, None] == 7, np.nan, X), y)
    np.testing.assert_array_equal(model.coef_, coef)


# -- persistence and summaries ---------------------------------------------------------------------


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("rung", list(RUNGS))
def test_json_and_pickle_round_trip(rung, K):
    X, y = _binary(n=100) if K == 2 else _multiclass(n=100)
    labels = np.array(["no", "yes", "maybe"])[y]
    model = RUNGS[rung]().fit(X, labels)
    for restored in (bf.from_dict(json.loads(json.dumps(model.to_dict()))),
                     pickle.loads(pickle.dumps(model))):
        assert type(restored) is type(model)
        np.testing.assert_array_equal(restored.classes_, model.classes_)
        for method in ("predict_proba", "decision_function", "predict"):
            np.testing.assert_array_equal(getattr(restored, method)(X), getattr(model, method)(X))
        assert str(restored.summary()) == str(model.summary())


def test_full_bayes_round_trip():
    X, y = _binary(n=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)
        model = bf.FullBayesClassifier(draws=50, tune=50, chains=1, random_seed=0,
                                       progressbar=False).fit(X, y)
    restored = bf.from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert restored.alpha_ == model.alpha_


def test_summary_level_and_index():
    X, y = _binary()
    s = bf.MAPClassifier(alpha=2.0).fit(X, y).summary(level=0.9)
    assert list(s.coefficients.index) == ["intercept", "x0", "x1"]
    half = s.coefficients["upper"] - s.coefficients["estimate"]
    np.testing.assert_allclose(half, scipy.special.ndtri(0.95) * s.coefficients["std_error"])
    assert s.statistics["alpha"] == 2.0 and "log_evidence" not in s.statistics
    ev = bf.EvidenceClassifier().fit(X, y).summary()
    assert {"alpha", "log_evidence"} <= set(ev.statistics)
    with pytest.raises(ValueError, match="level"):
        bf.MAPClassifier().fit(X, y).summary(level=1.5)


# -- Dask ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rung", list(RUNGS))
@pytest.mark.parametrize("K", [2, 3])
def test_dask_newton_steps_equal_in_memory(rung, K):
    da = pytest.importorskip("dask.array")
    X, y = _binary(n=500) if K == 2 else _multiclass(n=500)
    w = np.random.default_rng(1).integers(1, 3, size=500).astype(float)
    memory = RUNGS[rung]().set_params(tol=1e-11).fit(X, y, sample_weight=w)
    blocks = RUNGS[rung]().set_params(tol=1e-11).fit(
        da.from_array(X, chunks=(120, 2)), da.from_array(y, chunks=77),
        sample_weight=da.from_array(w, chunks=50))
    np.testing.assert_allclose(blocks.coef_, memory.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(blocks.predict_proba(X), memory.predict_proba(X), rtol=1e-8,
                               atol=1e-12)
    np.testing.assert_array_equal(blocks.classes_, memory.classes_)


def test_dask_bad_block_names_its_rows():
    da = pytest.importorskip("dask.array")
    X, y = _binary(n=100)
    X[63, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN at row 63.*rows 50\.\.99"):
        bf.MAPClassifier().fit(da.from_array(X, chunks=(50, 2)), da.from_array(y, chunks=50))


# -- calibration -----------------------------------------------------------------------------------


def test_expected_calibration_error_against_a_loop():
    rng = np.random.default_rng(5)
    proba = scipy.special.softmax(rng.normal(size=(500, 3)) * 2, axis=1)
    y = np.array([rng.choice(3, p=p) for p in proba])
    n_bins = 7
    conf, pred = proba.max(axis=1), proba.argmax(axis=1)
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (conf >= lo) & ((conf < hi) if b < n_bins - 1 else (conf <= hi))
        if inside.any():
            total += inside.sum() / 500 * abs((pred[inside] == y[inside]).mean()
                                              - conf[inside].mean())
    assert bf.classify.expected_calibration_error(y, proba, n_bins=n_bins) == pytest.approx(total)
    letters = np.array(["a", "b", "c"])
    assert bf.classify.expected_calibration_error(letters[y], proba, classes=letters,
                                                  n_bins=n_bins) == pytest.approx(total)
    bins = bf.classify.calibration_bins(y, proba, n_bins=n_bins)
    assert bins.counts.sum() == 500 and bins.edges.shape == (n_bins + 1,)


def test_bayesian_rungs_are_better_calibrated_than_the_mle_on_a_separable_sample():
    X, y = bf.datasets.overlapping_clusters(20, seed=0)
    X_test, y_test = bf.datasets.overlapping_clusters(4000, seed=1)
    with pytest.warns(bf.NumericalWarning, match="separable"):
        mle = bf.MLEClassifier().fit(X, y)
    ece = {name: bf.classify.expected_calibration_error(y_test, m.predict_proba(X_test),
                                                        classes=m.classes_)
           for name, m in (("mle", mle), ("bayes", bf.BayesianClassifier().fit(X, y)))}
    assert ece["bayes"] < ece["mle"]


# -- real data -------------------------------------------------------------------------------------


def test_breast_cancer_iris_and_wine():
    from sklearn.datasets import load_breast_cancer, load_iris, load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    for load in (load_breast_cancer, load_iris, load_wine):
        X, y = load(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
        model = bf.EvidenceClassifier().fit(X_train, y_train)
        assert model.score(X_test, y_test) > 0.9
        ref = LogisticRegression(C=1 / model.alpha_, fit_intercept=False, tol=1e-10,
                                 max_iter=10000).fit(_design(X_train), y_train)
        assert model.score(X_test, y_test) >= ref.score(_design(X_test), y_test) - 0.03
