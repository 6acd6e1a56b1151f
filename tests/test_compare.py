"""The comparison table against independent references: numpy.polyfit, scikit-learn's Ridge,
PRML's closed forms computed here with plain NumPy/SciPy, and the estimators' own attributes."""

from __future__ import annotations

import csv
import io
import math
from typing import ClassVar

import numpy as np
import pytest
import scipy.stats
from sklearn.linear_model import Ridge

import bayesfit
import bayesfit as bf
from bayesfit._validation import NONE, NONNEGATIVE_INT, POSITIVE_INT
from bayesfit.compare import METHODS, ComparisonRow

ALPHA, BETA = 5e-3, 11.1


@pytest.fixture(scope="module")
def data():
    x, t = bf.datasets.sinusoid(10, noise=0.3, seed=0)
    x_test, t_test = bf.datasets.sinusoid(500, noise=0.3, seed=1)
    return x, t, x_test, t_test


@pytest.fixture(scope="module")
def report(data):
    return bf.compare_estimators(*data, degrees=range(10), alpha=ALPHA, beta=BETA)


def _rms(pred, t):
    return float(np.sqrt(np.mean((pred - t) ** 2)))


def _vander(x, degree):
    return np.vander(x, degree + 1, increasing=True)


def test_rows_cover_every_method_and_degree(report):
    assert report.methods == ["mle", "map", "bayes", "evidence"]
    assert report.degrees == list(range(10))
    assert [(r.method, r.degree) for r in report.rows] == [
        (m, d) for m in report.methods for d in range(10)
    ]


@pytest.mark.parametrize("degree", range(9))
def test_mle_rows_match_numpy_polyfit(report, data, degree):
    x, t, x_test, t_test = data
    coef = np.polyfit(x, t, degree)
    row = report.row("mle", degree)
    np.testing.assert_allclose(row.train_rms, _rms(np.polyval(coef, x), t), rtol=1e-6)
    np.testing.assert_allclose(row.test_rms, _rms(np.polyval(coef, x_test), t_test), rtol=1e-6)
    np.testing.assert_allclose(row.max_abs_w, np.abs(coef).max(), rtol=1e-6)
    beta_ml = 1.0 / np.mean((np.polyval(coef, x) - t) ** 2)
    lpd = scipy.stats.norm.logpdf(t_test, np.polyval(coef, x_test), beta_ml**-0.5).mean()
    np.testing.assert_allclose(row.test_lpd, lpd, rtol=1e-6)
    assert row.gamma == degree + 1
    assert math.isnan(row.log_evidence) and math.isnan(row.info_gain_bits)


def test_mle_at_degree_9_interpolates_and_generalises_badly(report):
    mle, map_ = report.row("mle", 9), report.row("map", 9)
    assert mle.train_rms < 1e-6
    assert mle.test_rms > 5 * map_.test_rms
    assert mle.max_abs_w > 1e3 * map_.max_abs_w  # PRML table 1.1: the weights explode


@pytest.mark.parametrize("degree", [1, 3, 9])
def test_map_rows_match_sklearn_ridge(report, data, degree):
    x, t, x_test, t_test = data
    ridge = Ridge(alpha=ALPHA / BETA, fit_intercept=False, solver="svd")
    ridge.fit(_vander(x, degree), t)
    row = report.row("map", degree)
    pred_train = ridge.predict(_vander(x, degree))
    pred_test = ridge.predict(_vander(x_test, degree))
    np.testing.assert_allclose(row.train_rms, _rms(pred_train, t), rtol=1e-7)
    np.testing.assert_allclose(row.test_rms, _rms(pred_test, t_test), rtol=1e-7)
    np.testing.assert_allclose(row.max_abs_w, np.abs(ridge.coef_).max(), rtol=1e-7)
    # plug-in predictive N(w^T phi, 1/beta)
    lpd = scipy.stats.norm.logpdf(t_test, pred_test, BETA**-0.5).mean()
    np.testing.assert_allclose(row.test_lpd, lpd, rtol=1e-9)


@pytest.mark.parametrize("degree", [0, 2, 5, 9])
def test_bayes_rows_match_prml_closed_forms(report, data, degree):
    x, t, x_test, t_test = data
    Phi, Phi_test = _vander(x, degree), _vander(x_test, degree)
    M, N = Phi.shape[1], Phi.shape[0]
    A = ALPHA * np.eye(M) + BETA * Phi.T @ Phi  # PRML 3.81
    S = np.linalg.inv(A)
    m = BETA * S @ Phi.T @ t
    E = BETA / 2 * np.sum((t - Phi @ m) ** 2) + ALPHA / 2 * m @ m
    log_ev = (  # PRML 3.86
        M / 2 * np.log(ALPHA) + N / 2 * np.log(BETA) - E
        - 0.5 * np.linalg.slogdet(A)[1] - N / 2 * np.log(2 * np.pi)
    )
    lam = np.linalg.eigvalsh(BETA * Phi.T @ Phi)
    gamma = np.sum(lam / (ALPHA + lam))  # PRML 3.91
    var = 1 / BETA + np.einsum("ij,jk,ik->i", Phi_test, S, Phi_test)  # PRML 3.59
    lpd = scipy.stats.norm.logpdf(t_test, Phi_test @ m, np.sqrt(var)).mean()
    # KL(N(m, S) || N(0, I/alpha)) in bits
    kl = 0.5 * (ALPHA * np.trace(S) + ALPHA * m @ m - M - M * np.log(ALPHA)
                - np.linalg.slogdet(S)[1]) / np.log(2)
    row = report.row("bayes", degree)
    np.testing.assert_allclose(row.log_evidence, log_ev, rtol=1e-7)
    np.testing.assert_allclose(row.gamma, gamma, rtol=1e-7)
    np.testing.assert_allclose(row.test_lpd, lpd, rtol=1e-7)
    np.testing.assert_allclose(row.info_gain_bits, kl, rtol=1e-6)
    np.testing.assert_allclose(row.test_rms, _rms(Phi_test @ m, t_test), rtol=1e-7)
    # MAP and Bayes share the weights; gamma at fixed (alpha, beta) is the same
    assert row.gamma == pytest.approx(report.row("map", degree).gamma, rel=1e-12)
    assert row.test_rms == pytest.approx(report.row("map", degree).test_rms, rel=1e-12)


def test_bayes_lpd_beats_map_plug_in(report):
    # the weight uncertainty widens the predictive where data are scarce: better calibrated
    for degree in range(3, 10):
        assert report.row("bayes", degree).test_lpd > report.row("map", degree).test_lpd


@pytest.mark.parametrize("degree", [1, 4, 9])
def test_evidence_rows_equal_the_estimator(report, data, degree):
    x, t, x_test, t_test = data
    model = bf.EvidenceRegression(bf.basis.Polynomial(degree)).fit(x, t)
    row = report.row("evidence", degree)
    assert row.log_evidence == pytest.approx(model.log_evidence_, rel=1e-12)
    assert row.gamma == pytest.approx(model.gamma_, rel=1e-12)
    assert row.test_lpd == pytest.approx(
        model.log_predictive_density(x_test, t_test, reduction="mean"), rel=1e-12
    )
    bits = model.posterior_.kl_to(model.prior()) / math.log(2)
    assert row.info_gain_bits == pytest.approx(bits, rel=1e-12)
    assert report.models[("evidence", degree)].alpha_ == pytest.approx(model.alpha_)


def test_best_degree_has_the_largest_evidence(report):
    # the N x N marginal likelihood at each degree's evidence optimum, written out
    x, t = report.x, report.t
    marginal = {}
    for degree in report.degrees:
        model = report.models[("evidence", degree)]
        Phi = np.vander(x, degree + 1, increasing=True)
        cov = np.eye(len(x)) / model.beta_ + Phi @ Phi.T / model.alpha_
        marginal[degree] = scipy.stats.multivariate_normal(np.zeros(len(x)), cov).logpdf(t)
    assert report.best_degree("evidence") == max(marginal, key=marginal.get)
    with pytest.raises(ValueError, match="no log evidence"):
        report.best_degree("mle")


def test_markdown_and_csv(report):
    md = report.to_markdown().splitlines()
    assert len(md) == 2 + len(report.rows)
    assert md[0].startswith("| method | M | train RMS | test RMS")
    assert md[2].startswith("| MLE | 0 |")
    assert "|  |" in md[2]  # MLE has no evidence: blank cell
    parsed = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert len(parsed) == len(report.rows)
    for rec, row in zip(parsed, report.rows, strict=True):
        assert rec["method"] == row.method and int(rec["degree"]) == row.degree
        assert float(rec["test_rms"]) == row.test_rms  # full precision round trip
        assert (rec["log_evidence"] == "") == math.isnan(row.log_evidence)


def test_warnings_are_collected_not_raised(data):
    # degree 12 on 10 points: rank deficient, a NumericalWarning (an error under pytest's
    # filter) that the report records instead
    report = bf.compare_estimators(*data, degrees=[12], methods=["mle"])
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith("MLE M=12: the design matrix is rank deficient")


def test_progress_is_reported(data):
    calls = []
    bf.compare_estimators(
        *data, degrees=[1, 2], methods=["mle", "map"], progress=lambda *a: calls.append(a)
    )
    assert calls == [(1, 4, "MLE M=1"), (2, 4, "MLE M=2"), (3, 4, "MAP M=1"), (4, 4, "MAP M=2")]


def test_pymc_path_uses_pymc_regression_when_present(data, monkeypatch):
    seen = {}

    class FakePyMC(bf.BayesianRegression):  # PyMCRegression's interface, without sampling
        _parameter_constraints: ClassVar = {
            **bf.BayesianRegression._parameter_constraints,
            "draws": [POSITIVE_INT],
            "random_seed": [NONE, NONNEGATIVE_INT],
        }

        def __init__(self, basis=None, draws=1000, random_seed=None):
            seen.update(draws=draws, random_seed=random_seed)
            super().__init__(basis, alpha=ALPHA, beta=BETA)
            self.draws, self.random_seed = draws, random_seed

        def fit(self, X, y):  # posterior draws with their log-likelihood, as PyMC's idata_
            super().fit(X, y)
            self.idata_ = self.to_arviz(X, y, draws=4000, random_seed=self.random_seed)
            return self

    monkeypatch.setattr(bayesfit, "PyMCRegression", FakePyMC, raising=False)
    report = bf.compare_estimators(
        *data, degrees=[3], methods=["bayes", "pymc"],
        pymc_options={"draws": 10, "random_seed": 1},
    )
    assert seen == {"draws": 10, "random_seed": 1}
    assert report.methods == ["bayes", "pymc"]
    assert report.row("pymc", 3).test_rms == pytest.approx(report.row("bayes", 3).test_rms)
    assert "PyMC" in report.to_markdown()
    # PSIS-LOO of the draws (arviz.loo) against the exact leave-one-out of the same posterior
    assert report.row("pymc", 3).elpd_loo == pytest.approx(report.row("bayes", 3).elpd_loo,
                                                           abs=0.2)


def test_elpd_loo_column_is_the_exact_leave_one_out(data):
    x, t = data[0], data[1]
    report = bf.compare_estimators(*data, degrees=[1, 3])
    for degree in (1, 3):
        assert math.isnan(report.row("mle", degree).elpd_loo)
        assert math.isnan(report.row("map", degree).elpd_loo)
        for method in ("bayes", "evidence"):
            model = report.models[(method, degree)]
            assert report.row(method, degree).elpd_loo == model.loo(x, t).elpd_loo
    assert "LOO elpd" in report.to_markdown() and "elpd_loo" in report.to_csv()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"methods": ["mle", "ols"]}, "methods must be a non-empty subset"),
        ({"methods": []}, "methods must be a non-empty subset"),
        ({"degrees": [1, -2]}, r"each of degrees must be an int in \[0, inf\); got -2"),
        ({"degrees": [1.5]}, r"each of degrees must be an int in \[0, inf\); got 1.5"),
        ({"degrees": []}, "degrees must hold at least one degree"),
        ({"alpha": 0.0}, "alpha must be a finite number in"),
        ({"beta": float("nan")}, "beta must be a finite number in"),
        ({"pymc_options": [1]}, "pymc_options must be a dict"),
    ],
)
def test_bad_settings(data, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        bf.compare_estimators(*data, **kwargs)


def test_bad_data(data):
    x, t, x_test, t_test = data
    t_nan = t.copy()
    t_nan[4] = np.nan
    with pytest.raises(ValueError, match="t contains NaN at index 4"):  # names the argument
        bf.compare_estimators(x, t_nan, x_test, t_test)
    with pytest.raises(ValueError, match="x_test must have one feature"):
        bf.compare_estimators(x, t, np.ones((3, 2)), t_test[:3])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        bf.compare_estimators(x, t[:5], x_test, t_test)


def test_column_errors(report):
    with pytest.raises(ValueError, match="numeric column"):
        report.column("method", "mle")
    with pytest.raises(ValueError, match="method must be one of"):
        report.column("gamma", "pymc")
    with pytest.raises(KeyError, match="no row"):
        report.row("mle", 42)
    assert set(METHODS) >= set(report.methods)
    assert isinstance(report.rows[0], ComparisonRow)


def test_evidence_caption_says_what_the_curves_show(report):
    best, fixed_best = report.best_degree("evidence"), report.best_degree("bayes")
    caption = report.evidence_caption()
    gamma = report.models[("evidence", best)].gamma_
    assert caption.startswith(f"With alpha and beta learned (the evidence approximation) the "
                              f"evidence is largest at M={best}, where gamma={gamma:.2g}")
    assert f"(PRML fig. 3.14) it is largest at M={fixed_best}." in caption
    _, values = report.column("log_evidence", "evidence")
    flat = max(values) - min(values) < 2.0
    assert ("cannot tell these degrees apart" in caption) == flat
    only_evidence = bf.compare_estimators(*report_data(report), degrees=[1, 3],
                                          methods=["evidence"])
    assert "PRML fig. 3.14" not in only_evidence.evidence_caption()


def report_data(report):
    return report.x, report.t, report.x_test, report.t_test


# -- the classification ladder ---------------------------------------------------------------------


def test_compare_classifiers_scores_against_scikit_learn_metrics():
    from sklearn.metrics import accuracy_score, log_loss

    X, y = bf.datasets.overlapping_clusters(20, seed=0)
    Xt, yt = bf.datasets.overlapping_clusters(500, seed=1)
    report = bf.compare_classifiers(X, y, Xt, yt, alpha=0.5)
    assert report.methods == ["mle", "map", "laplace", "evidence"]
    for row in report.rows:
        model = report.models[row.method]
        p = model.predict_proba(Xt)
        if row.method == "mle":  # probabilities of 0 (in float64): scikit-learn clips them
            exact = -np.mean(model.predict_log_proba(Xt)[np.arange(len(yt)), yt])
            assert row.test_log_loss == pytest.approx(exact, rel=1e-12)
        else:
            assert row.test_log_loss == pytest.approx(log_loss(yt, p), rel=1e-9)
        assert row.test_accuracy == accuracy_score(yt, p.argmax(axis=1))
        assert row.test_ece == bf.classify.expected_calibration_error(yt, p)
    assert report.row("map").alpha == 0.5 and math.isnan(report.row("mle").alpha)
    assert report.row("mle").test_log_loss > 10 * report.row("map").test_log_loss
    assert any("separable" in w for w in report.warnings)
    lines = report.to_markdown().splitlines()
    assert lines[0].startswith("| method | test log loss") and len(lines) == 6
    assert next(csv.reader(io.StringIO(report.to_csv())))[0] == "method"
    with pytest.raises(KeyError, match="no row"):
        report.row("fullbayes")
