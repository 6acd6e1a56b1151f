"""Summaries: RegressionSummary's formatting, and every estimator's against references.

The MLE's table and statistics are statsmodels' OLS; the Bayesian rungs' are the Gaussian
posterior written out here (explicit inverse of the small A, SciPy's normal quantiles).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import statsmodels.api as sm
from sklearn.datasets import load_diabetes

import bayesfit as bf
from bayesfit.basis import Identity, Polynomial


def _summary():
    index = pd.MultiIndex.from_tuples([("a", "intercept"), ("a", "x"), ("b", "intercept")],
                                      names=["class", "feature"])
    table = pd.DataFrame({"estimate": [1.25, -2e-9, 3.0], "std_error": [0.5, 0.1, np.nan]},
                         index=index)
    return bf.RegressionSummary("Model(alpha=1)", table, {"n_samples": 12, "r2": None,
                                                           "aic": 31.4159265}, 0.9, "credible")


def test_str_is_a_table_with_the_statistics_that_exist():
    text = str(_summary())
    lines = text.splitlines()
    assert lines[0] == "Model(alpha=1)"
    assert lines[2].split() == ["class", "feature", "estimate", "std_error"]
    assert lines[4].split() == ["a", "intercept", "1.25", "0.5"]
    assert lines[5].split() == ["a", "x", "-2e-09", "0.1"]
    assert lines[6].split() == ["b", "intercept", "3", "nan"]
    assert "lower, upper: 90% credible interval" in lines
    assert "n_samples: 12" in lines and "aic: 31.4159" in lines
    assert not any(line.startswith("r2") for line in lines)  # None: no meaning here


def test_markdown_and_csv_round_trip_the_numbers():
    s = _summary()
    md = s.to_markdown().splitlines()
    assert md[0] == "| class | feature | estimate | std_error |"
    assert md[1] == "|:---|:---|---:|---:|"
    assert md[2] == "| a | intercept | 1.25 | 0.5 |"
    assert "| aic | 31.4159 |" in md
    back = pd.read_csv(io.StringIO(s.to_csv()), index_col=[0, 1])
    np.testing.assert_array_equal(back["estimate"].to_numpy(), [1.25, -2e-9, 3.0])
    assert repr(s) == "RegressionSummary('Model(alpha=1)', 3 coefficients, level=0.9)"


# -- every estimator's summary, against independent computations --------------------------------
STATISTICS = ["n_samples", "n_params", "df_resid", "noise_std_ml", "noise_std_unbiased", "r2",
              "r2_adj", "log_likelihood", "aic", "bic", "log_evidence", "gamma", "alpha", "beta"]


def _diabetes(n=120):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X.iloc[:n, :4], y.iloc[:n].to_numpy()


@pytest.mark.parametrize("intercept", [True, False])
def test_mle_summary_is_statsmodels_ols(intercept):
    X, y = _diabetes()
    Phi = sm.add_constant(X.to_numpy()) if intercept else X.to_numpy()
    ols = sm.OLS(y, Phi).fit()
    s = bf.MLERegression(Identity(bias=intercept)).fit(X, y).summary(level=0.9)
    table = s.coefficients
    names = (["intercept"] if intercept else []) + list(X.columns)
    assert list(table.index) == names and table.index.name == "feature"
    assert list(table.columns) == ["estimate", "std_error", "lower", "upper", "t", "p_value"]
    np.testing.assert_allclose(table["estimate"], ols.params, rtol=1e-10)
    np.testing.assert_allclose(table["std_error"], ols.bse, rtol=1e-10)
    np.testing.assert_allclose(table["t"], ols.tvalues, rtol=1e-10)
    np.testing.assert_allclose(table["p_value"], ols.pvalues, rtol=1e-8, atol=1e-300)
    np.testing.assert_allclose(table[["lower", "upper"]], ols.conf_int(alpha=0.1), rtol=1e-10)
    stats = s.statistics
    assert list(stats) == STATISTICS
    expected = {"n_samples": ols.nobs, "n_params": Phi.shape[1], "df_resid": ols.df_resid,
                "noise_std_unbiased": np.sqrt(ols.scale), "r2": ols.rsquared,
                "r2_adj": ols.rsquared_adj, "log_likelihood": ols.llf, "aic": ols.aic,
                "bic": ols.bic, "noise_std_ml": np.sqrt(ols.ssr / ols.nobs),
                "beta": ols.nobs / ols.ssr}
    for key, value in expected.items():
        assert stats[key] == pytest.approx(value, rel=1e-10), key
    assert stats["alpha"] is None and stats["gamma"] is None and stats["log_evidence"] is None
    assert s.interval == "confidence" and s.level == 0.9
    assert "lower, upper: 90% confidence interval" in str(s)


def _posterior(Phi, t, alpha, beta):
    A = alpha * np.eye(Phi.shape[1]) + beta * Phi.T @ Phi
    S = np.linalg.inv(A)
    return beta * S @ Phi.T @ t, S


def _check_gaussian_columns(table, mean, cov, level):
    sd = np.sqrt(np.diag(cov))
    lower, upper = scipy.stats.norm.interval(level, loc=mean, scale=sd)
    np.testing.assert_allclose(table["estimate"], mean, rtol=1e-9)
    np.testing.assert_allclose(table["std_error"], sd, rtol=1e-9)
    np.testing.assert_allclose(table["lower"], lower, rtol=1e-9)
    np.testing.assert_allclose(table["upper"], upper, rtol=1e-9)
    assert list(table.columns) == ["estimate", "std_error", "lower", "upper"]


def _check_residual_statistics(stats, Phi, t, w, beta):
    resid = t - Phi @ w
    n, M = Phi.shape
    r2 = 1 - resid @ resid / np.sum((t - t.mean()) ** 2)
    assert stats["n_samples"] == n and stats["n_params"] == M and stats["df_resid"] == n - M
    assert stats["noise_std_ml"] == pytest.approx(np.sqrt(resid @ resid / n), rel=1e-9)
    assert stats["noise_std_unbiased"] == pytest.approx(np.sqrt(resid @ resid / (n - M)),
                                                        rel=1e-9)
    assert stats["r2"] == pytest.approx(r2, rel=1e-9)
    assert stats["r2_adj"] == pytest.approx(1 - (n - 1) / (n - M) * (1 - r2), rel=1e-9)
    loglik = scipy.stats.norm.logpdf(t, Phi @ w, beta**-0.5).sum()
    assert stats["log_likelihood"] == pytest.approx(loglik, rel=1e-9)
    assert stats["aic"] is None and stats["bic"] is None  # AIC/BIC count parameters at the MLE


def test_bayesian_summaries_are_the_gaussian_posterior():
    x, t = bf.datasets.sinusoid(25, seed=2)
    Phi = np.vander(x, 4, increasing=True)
    alpha, beta = 0.5, 11.1
    mean, cov = _posterior(Phi, t, alpha, beta)
    for model in (bf.BayesianRegression(Polynomial(3), alpha=alpha, beta=beta),
                  bf.MAPRegression(Polynomial(3), alpha=alpha, beta=beta)):
        s = model.fit(x, t).summary(level=0.8)
        assert s.interval == "credible"
        assert list(s.coefficients.index) == ["intercept", "x0", "x0^2", "x0^3"]
        _check_gaussian_columns(s.coefficients, mean, cov, 0.8)
        _check_residual_statistics(s.statistics, Phi, t, mean, beta)
        assert s.statistics["alpha"] == alpha and s.statistics["beta"] == beta
        assert s.statistics["gamma"] is None
    assert s.statistics["log_evidence"] is None  # MAP has none; BayesianRegression:
    bayes = bf.BayesianRegression(Polynomial(3), alpha=alpha, beta=beta).fit(x, t)
    assert bayes.summary().statistics["log_evidence"] == bayes.log_evidence_


def test_evidence_summary_is_the_posterior_at_the_optimum():
    x, t = bf.datasets.sinusoid(25, seed=2)
    Phi = np.vander(x, 4, increasing=True)
    model = bf.EvidenceRegression(Polynomial(3)).fit(x, t)
    s = model.summary()
    mean, cov = _posterior(Phi, t, model.alpha_, model.beta_)
    _check_gaussian_columns(s.coefficients, mean, cov, 0.95)
    _check_residual_statistics(s.statistics, Phi, t, mean, model.beta_)
    stats = s.statistics
    assert (stats["alpha"], stats["beta"], stats["gamma"], stats["log_evidence"]) == (
        model.alpha_, model.beta_, model.gamma_, model.log_evidence_)


def test_summary_formats_and_survives_persistence(tmp_path):
    X, y = _diabetes()
    model = bf.MLERegression().fit(X, y)
    s = model.summary()
    text = str(s)
    assert text.splitlines()[0] == "MLERegression()"
    assert "intercept" in text and "p_value" in text and "r2_adj:" in text
    assert "| intercept |" in s.to_markdown()
    path = tmp_path / "coef.csv"
    s.to_csv(path)
    back = pd.read_csv(path, index_col=0)
    np.testing.assert_array_equal(back["std_error"].to_numpy(),
                                  s.coefficients["std_error"].to_numpy())
    for cls in (bf.MLERegression, bf.EvidenceRegression):
        fitted = cls().fit(X, y)
        again = bf.linear.from_dict(fitted.to_dict()).summary()
        pd.testing.assert_frame_equal(again.coefficients, fitted.summary().coefficients)
        assert again.statistics == fitted.summary().statistics


def test_summary_checks_level_and_fit():
    with pytest.raises(ValueError, match="level"):
        bf.MLERegression().fit([0.0, 1.0, 2.0], [0.0, 1.0, 3.0]).summary(level=1.5)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        bf.MAPRegression().summary()


def test_mle_summary_without_residual_degrees_of_freedom():
    # N = M: the fit interpolates; no unbiased noise estimate, no standard errors.
    model = bf.MLERegression().fit([0.0, 1.0], [1.0, 3.0])
    s = model.summary()
    assert np.isnan(s.coefficients["std_error"]).all()
    assert s.statistics["noise_std_unbiased"] is None and s.statistics["r2_adj"] is None
    assert s.statistics["log_likelihood"] == np.inf and s.statistics["r2"] == 1.0


def test_loo_result_follows_arvizs_conventions():
    # elpd = sum, se = sqrt(n * sample variance), p_loo = lppd - elpd (Vehtari et al. 2017)
    elpd_i, lppd_i = np.array([-1.0, -0.5, -2.5, -1.2]), np.array([-0.9, -0.5, -2.0, -1.0])
    r = bf.summary.LooResult.from_pointwise(elpd_i, lppd_i)
    assert r.elpd_loo == pytest.approx(-5.2)
    assert r.se == pytest.approx(np.sqrt(4 * np.var(elpd_i, ddof=1)))
    assert r.p_loo == pytest.approx(0.8)
    assert r.pointwise is elpd_i
