"""PyMCRegression: full Bayes over (w, alpha, beta), checked against closed forms.

PyTensor compiles every new model graph (seconds to a minute on two cores), so the default
tests share two fitted collapsed models (module-scoped fixtures; later fits of the same graph
hit PyTensor's cache). The explicit-w NUTS model, simulation-based calibration and the
outlier study are ``slow``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.stats
import xarray as xr
from sklearn.base import clone

import bayesfit as bf
from bayesfit import pymc_models
from bayesfit.priors import Gamma, HalfNormal, LogNormal

FAST = {"chains": 2, "progressbar": False}


@pytest.fixture(scope="module")
def data():
    return bf.datasets.linear(40, seed=3)


@pytest.fixture(scope="module")
def fitted(data):
    """Default priors, Polynomial(2) basis: three weights named 'intercept', 'x0', 'x0^2'."""
    x, t = data
    model = bf.PyMCRegression(bf.basis.Polynomial(2), draws=1000, random_seed=1, **FAST)
    return model.fit(x, t)


# -- the ArviZ output ---------------------------------------------------------------------------
def test_idata_groups_dims_and_coords(fitted, data):
    idata = fitted.idata_
    assert {"posterior", "sample_stats", "observed_data"} <= set(idata.children)
    assert "constant_data" not in idata.children
    post = idata["posterior"]
    assert list(post.data_vars) == ["w", "alpha", "beta", "sigma"]
    assert post["w"].dims == ("chain", "draw", "feature")
    names = list(fitted.basis_.get_feature_names_out())
    assert list(post["feature"].values) == names == ["intercept", "x0", "x0^2"]
    assert post["w"].shape == (2, 1000, 3)
    for name in ("alpha", "beta", "sigma"):
        assert post[name].dims == ("chain", "draw")
    np.testing.assert_allclose(post["sigma"].values, post["beta"].values ** -0.5, rtol=1e-12)
    np.testing.assert_array_equal(idata["observed_data"]["y"].values, data[1])
    assert fitted.method_ == "collapsed"


def test_arviz_summary_has_diagnostics(fitted):
    table = fitted.arviz_summary()
    assert {"mean", "sd", "ess_bulk", "r_hat"} <= set(table.columns)
    assert "w[x0]" in table.index and "w[intercept]" in table.index and "alpha" in table.index
    assert table.loc["beta", "r_hat"] <= 1.01


def test_summary_is_the_regression_table_of_the_draws(fitted, data):
    import arviz as az

    s = fitted.summary(level=0.9)
    assert isinstance(s, bf.RegressionSummary) and s.interval == "credible"
    table = s.coefficients
    assert list(table.index) == ["intercept", "x0", "x0^2"]
    assert list(table.columns) == ["estimate", "std_error", "lower", "upper", "ess_bulk", "r_hat"]
    w = fitted.idata_["posterior"]["w"].values.reshape(-1, 3)
    np.testing.assert_allclose(table["estimate"], w.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(table["std_error"], w.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(table["lower"], np.quantile(w, 0.05, axis=0), rtol=1e-12)
    np.testing.assert_allclose(table["upper"], np.quantile(w, 0.95, axis=0), rtol=1e-12)
    reference = az.summary(fitted.idata_, var_names=["w"], round_to="none")
    np.testing.assert_allclose(table["ess_bulk"], reference["ess_bulk"], rtol=1e-6)
    np.testing.assert_allclose(table["r_hat"], reference["r_hat"], atol=0.01)
    x, t = data
    Phi = np.vander(x, 3, increasing=True)
    resid = t - Phi @ fitted.coef_
    stats = s.statistics
    assert stats["n_samples"] == 40 and stats["n_params"] == 3 and stats["df_resid"] == 37
    assert stats["r2"] == pytest.approx(1 - resid @ resid / np.sum((t - t.mean()) ** 2), rel=1e-9)
    sigma = fitted.beta_**-0.5
    assert stats["log_likelihood"] == pytest.approx(
        scipy.stats.norm.logpdf(t, Phi @ fitted.coef_, sigma).sum(), rel=1e-9
    )
    assert stats["alpha"] == fitted.alpha_ and stats["beta"] == fitted.beta_
    assert stats["aic"] is None and stats["log_evidence"] is None and stats["gamma"] is None


def test_full_bayes_weights_close_to_evidence_approximation(fitted, data):
    # With nearly flat hyperpriors and 40 points, integrating over (alpha, beta) moves the
    # weights' posterior mean by a small fraction of their posterior sd from the
    # evidence-optimum posterior (PRML 3.5.1: the evidence approximation is good when the
    # posterior of (alpha, beta) is sharply peaked relative to its effect on w).
    eb = bf.EvidenceRegression(bf.basis.Polynomial(2)).fit(*data)
    sd = fitted.idata_["posterior"]["w"].std(("chain", "draw")).values
    assert np.all(np.abs(fitted.coef_ - eb.coef_) < 0.25 * sd)
    assert 0.15 < float(fitted.idata_["posterior"]["sigma"].mean()) < 0.3  # truth 0.2


# -- predictions from the draws -----------------------------------------------------------------
def test_predict_moments_match_posterior_predictive_draws(fitted):
    x_new = np.array([-1.0, 0.0, 0.8])
    mean, std = fitted.predict(x_new, return_std=True)
    draws = fitted.posterior_predictive(x_new, random_state=0).reshape(-1, 3)
    n = draws.shape[0]
    # posterior predictive draws are nearly independent (collapsed chains mix fast): allow
    # 5 standard errors of a mean and of a standard deviation
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * std / math.sqrt(n / 4))
    assert np.all(np.abs(draws.std(0) / std - 1) < 5 / math.sqrt(2 * n / 4))
    np.testing.assert_allclose(fitted.predict(x_new), mean)


def test_predictive_variance_decomposes(fitted):
    x_new = np.array([0.3])
    w = fitted.idata_["posterior"]["w"].values.reshape(-1, 3)
    phi = np.array([1.0, 0.3, 0.09])
    f = w @ phi
    noise = float(np.mean(fitted.idata_["posterior"]["sigma"].values ** 2))
    p = fitted.predictive(x_new)
    np.testing.assert_allclose(p.mean, [f.mean()], rtol=1e-10)
    np.testing.assert_allclose(p.var, [f.var() + noise], rtol=1e-10)


def test_log_predictive_density_is_the_mixture_over_draws(fitted):
    x_new, y_new = np.array([0.1, -0.5]), np.array([-0.2, -0.6])
    post = fitted.idata_["posterior"]
    w = post["w"].values.reshape(-1, 3)
    sigma = post["sigma"].values.reshape(-1)
    want = []
    for x, y in zip(x_new, y_new, strict=True):
        mu = w @ np.array([1.0, x, x * x])
        want.append(math.log(np.mean(scipy.stats.norm(mu, sigma).pdf(y))))
    got = fitted.log_predictive_density(x_new, y_new, reduction="none")
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert fitted.log_predictive_density(x_new, y_new) == pytest.approx(sum(want))
    assert fitted.log_predictive_density(x_new, y_new, reduction="mean") == pytest.approx(
        sum(want) / 2
    )


def test_posterior_predictive_extends_idata(data):
    x, t = data
    model = bf.PyMCRegression(bf.basis.Polynomial(2), draws=1000, random_seed=1, **FAST)
    model.fit(x, t)
    draws = model.posterior_predictive(x, random_state=0, extend_idata=True)
    group = model.idata_["posterior_predictive"]
    assert group["y"].dims == ("chain", "draw", "obs")
    np.testing.assert_array_equal(group["y"].values, draws)
    assert draws.shape == (2, 1000, 40)


def test_same_seed_same_draws(fitted, data):
    # a fit of other data in between shares the compiled model: it must leave no trace
    clone(fitted).fit(*bf.datasets.linear(15, seed=99))
    again = clone(fitted).fit(*data)
    xr.testing.assert_identical(
        again.idata_["posterior"].to_dataset().drop_attrs(),
        fitted.idata_["posterior"].to_dataset().drop_attrs(),
    )


def test_sample_functions_are_curves_of_posterior_draws(fitted):
    curves = fitted.sample_functions(np.array([0.0, 1.0]), n=5, random_state=0)
    assert curves.shape == (5, 2)
    w = fitted.idata_["posterior"]["w"].values.reshape(-1, 3)
    # at x = 0 a curve is w_0; at x = 1 it is w_0 + w_1 + w_2, for one and the same draw
    for row in curves:
        i = np.flatnonzero(np.isclose(w[:, 0], row[0], rtol=0, atol=1e-14))
        assert np.isclose(w[i].sum(axis=1), row[1]).any()
    with pytest.raises(ValueError, match="n must be an int in"):
        fitted.sample_functions([0.0], n=0)


def test_score_and_params(fitted, data):
    assert 0.5 < fitted.score(*data) <= 1.0
    params = clone(fitted).get_params()
    assert params["draws"] == 1000 and params["method"] == "auto"


def test_dict_round_trip_predicts_the_same(fitted):
    again = bf.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert isinstance(again, bf.PyMCRegression)
    assert again.priors_ == fitted.priors_ and again.method_ == "collapsed"
    x_new = np.array([-0.5, 0.2])
    for a, b in zip(
        again.predict(x_new, return_std=True), fitted.predict(x_new, return_std=True), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert again.log_predictive_density(x_new, [0.0, 0.1]) == fitted.log_predictive_density(
        x_new, [0.0, 0.1]
    )
    xr.testing.assert_equal(
        again.idata_["posterior"].to_dataset(), fitted.idata_["posterior"].to_dataset()
    )
    unfitted = bf.PyMCRegression(draws=7, priors={"sigma": HalfNormal(2.0)})
    rebuilt = bf.PyMCRegression.from_dict(json.loads(json.dumps(unfitted.to_dict())))
    assert rebuilt.get_params() == unfitted.get_params()


def test_dataframe_feature_names_become_coords():
    pd = pytest.importorskip("pandas")
    x, t = bf.datasets.linear(30, seed=5)
    frame = pd.DataFrame({"dose": x})
    model = bf.PyMCRegression(draws=1000, random_seed=2, **FAST).fit(frame, t)
    assert list(model.idata_["posterior"]["feature"].values) == ["intercept", "dose"]
    assert model.predict(frame.iloc[:3]).shape == (3,)


# -- the closed form under tight hyperpriors ------------------------------------------------------
def test_tight_hyperpriors_recover_the_conjugate_posterior():
    """PRML fig. 3.7 setting: alpha = 2, beta = 25, here with a non-zero prior mean.

    Hyperpriors pinned to within 0.01% make the posterior of w the conjugate
    N(m_N, S_N) of BayesianRegression. The mean must agree within 4 Monte Carlo standard
    errors (sqrt(S_jj / ESS_j)) and each covariance entry within 5 standard errors of a
    sample covariance (sqrt((S_ii S_jj + S_ij^2) / ESS)).
    """
    x, t = bf.datasets.linear(20, seed=7)
    alpha, beta, m0 = 2.0, 25.0, np.array([0.4, -0.8])
    priors = {
        "alpha": LogNormal(math.log(alpha), 1e-4),
        "sigma": LogNormal(-0.5 * math.log(beta), 1e-4),  # the sigma-parametrised noise prior
    }
    model = bf.PyMCRegression(priors=priors, prior_mean=m0, draws=2000, random_seed=4, **FAST).fit(
        x, t
    )
    exact = bf.BayesianRegression(alpha=alpha, beta=beta, prior_mean=m0).fit(x, t)
    m_N, S_N = exact.posterior_.mean, exact.posterior_.cov

    import arviz as az

    w = model.idata_["posterior"]["w"]
    ess = az.ess(model.idata_["posterior"].to_dataset(), method="mean")["w"].values
    draws = w.values.reshape(-1, 2)
    se_mean = np.sqrt(np.diag(S_N) / ess)
    assert np.all(np.abs(draws.mean(0) - m_N) < 4 * se_mean)
    n_eff = ess.min()
    se_cov = np.sqrt((np.outer(np.diag(S_N), np.diag(S_N)) + S_N**2) / n_eff)
    assert np.all(np.abs(np.cov(draws, rowvar=False) - S_N) < 5 * se_cov)
    assert model.alpha_ == pytest.approx(alpha, rel=1e-3)
    assert model.beta_ == pytest.approx(beta, rel=1e-3)


# -- diagnostics --------------------------------------------------------------------------------
def _tree(posterior: dict, diverging=None) -> xr.DataTree:
    groups = {"posterior": xr.Dataset({k: (("chain", "draw"), v) for k, v in posterior.items()})}
    if diverging is not None:
        groups["sample_stats"] = xr.Dataset({"diverging": (("chain", "draw"), diverging)})
    return xr.DataTree.from_dict(groups)


def test_convergence_checks_on_known_chains():
    rng = np.random.default_rng(0)
    good = rng.standard_normal((4, 1000))
    assert pymc_models.convergence_warnings(_tree({"a": good})) == []

    shifted = good + np.array([0.0, 0.0, 0.0, 1.0])[:, None]  # one chain elsewhere
    msg = pymc_models.convergence_warnings(_tree({"a": good, "b": shifted}))[0]
    assert msg.startswith("R-hat is") and "for b" in msg and "increase tune and draws" in msg

    short = rng.standard_normal((4, 50))  # 200 draws: ESS ~ 200 < 400 (R-hat may fail too)
    msgs = pymc_models.convergence_warnings(_tree({"a": short}))
    assert any(m.startswith("bulk ESS is") and "increase draws" in m for m in msgs)

    diverging = np.zeros((4, 1000), dtype=bool)
    diverging[1, [3, 50, 700]] = True
    (msg,) = pymc_models.convergence_warnings(_tree({"a": good}, diverging))
    assert msg.startswith("3 divergent transitions") and "target_accept" in msg


def test_fit_warns_with_our_class_when_draws_are_too_few(data):
    model = bf.PyMCRegression(draws=30, tune=200, random_seed=0, **FAST)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(*data)
    ours = [str(w.message) for w in caught if issubclass(w.category, bf.ConvergenceWarning)]
    assert any(m.startswith("bulk ESS is") for m in ours)


# -- bad input ----------------------------------------------------------------------------------
@pytest.fixture
def no_sampling(monkeypatch):
    """Every bad-input error must come before sampling starts."""

    def refuse(*args, **kwargs):
        raise AssertionError("sampling started before the input was checked")

    monkeypatch.setattr(pymc_models, "_sample", refuse)


@pytest.mark.parametrize(
    ("params", "exc", "match"),
    [
        ({"likelihood": "laplace"}, ValueError, "'likelihood' must be one of"),
        ({"method": "gibbs"}, ValueError, "'method' must be one of"),
        ({"method": "collapsed", "likelihood": "student_t"}, ValueError, "needs the normal"),
        ({"draws": 0}, ValueError, "'draws' must be an int in \\[1"),
        ({"draws": -5}, ValueError, "'draws'"),
        ({"draws": 10.0}, ValueError, "'draws'"),
        ({"chains": 0}, ValueError, "'chains' must be an int in \\[1"),
        ({"tune": -1}, ValueError, "'tune'"),
        ({"cores": 0}, ValueError, "'cores'"),
        ({"target_accept": 1.0}, ValueError, "'target_accept'"),
        ({"random_seed": "seed"}, ValueError, "'random_seed'"),
        ({"progressbar": "yes"}, ValueError, "'progressbar'"),
        ({"nuts_sampler": "stan"}, ValueError, "'nuts_sampler'"),
        ({"basis": "poly"}, ValueError, "'basis'"),
        ({"priors": [Gamma(1, 1)]}, ValueError, "'priors' must be"),
        ({"priors": {"lambda": Gamma(1, 1)}}, ValueError, "unknown name 'lambda'"),
        ({"priors": {"nu": Gamma(2, 0.1)}}, ValueError, "unknown name 'nu'"),
        ({"priors": {"alpha": -1.0}}, TypeError, "must be a bayesfit.priors object"),
        (
            {"priors": {"beta": Gamma(1, 1), "sigma": HalfNormal(1)}},
            ValueError,
            "both 'beta' and 'sigma'",
        ),
        ({"prior_mean": [0.0, 0.0, 0.0]}, ValueError, "prior_mean must have shape \\(2,\\)"),
        ({"prior_mean": [0.0, math.nan]}, ValueError, "prior_mean contains NaN at index 1"),
    ],
)
def test_bad_settings_raise_before_sampling(no_sampling, params, exc, match):
    x, t = bf.datasets.linear(10, seed=0)
    with pytest.raises(exc, match=match):
        bf.PyMCRegression(**params).fit(x, t)


@pytest.mark.parametrize(
    ("X", "y", "exc", "match"),
    [
        ([0.0, 1.0, 2.0], [1.0, math.nan, 2.0], ValueError, "y contains NaN at index 1"),
        ([0.0, math.inf, 2.0], [1.0, 2.0, 3.0], ValueError, "X contains inf at row 1"),
        ([0.0, 1.0, 2.0], [1.0, 2.0], ValueError, "inconsistent numbers of samples"),
        (np.zeros((3, 1, 1)), [1.0, 2.0, 3.0], ValueError, "X must be 1-D or 2-D"),
        (np.zeros((0, 1)), np.zeros(0), ValueError, "0 samples"),
        (None, [1.0], TypeError, "X must be array-like"),
        (["a", "b"], [1.0, 2.0], TypeError, "X must contain only numbers"),
        (np.array([True, False]), [1.0, 2.0], TypeError, "boolean dtype"),
    ],
)
def test_bad_data_raise_before_sampling(no_sampling, X, y, exc, match):
    with pytest.raises(exc, match=match):
        bf.PyMCRegression().fit(X, y)


def test_unfitted_and_bad_prediction_input(fitted):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        bf.PyMCRegression().predict([0.0])
    with pytest.raises(ValueError, match="X has 2 features"):
        fitted.predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        fitted.log_predictive_density([0.0], [0.0], reduction="max")
    with pytest.raises(ValueError, match="extend_idata must be True or False"):
        fitted.posterior_predictive([0.0], extend_idata="yes")


def test_log_likelihood_group_lets_arviz_run_loo(fitted, data):
    import arviz as az

    x, t = data
    group = fitted.idata_["log_likelihood"]["y"]
    assert group.dims == ("chain", "draw", "obs") and group.shape == (2, 1000, 40)
    post = fitted.idata_["posterior"]
    mu = np.einsum("cdm,nm->cdn", post["w"].values, x[:, None] ** np.arange(3))
    want = scipy.stats.norm.logpdf(t, mu, post["sigma"].values[..., None])
    np.testing.assert_allclose(group.values, want, rtol=1e-12, atol=1e-14)
    result = az.loo(fitted.idata_)
    assert np.isfinite(result.elpd) and result.n_data_points == 40


@pytest.mark.slow  # nutpie's one numba compile: ~10-25 s on two cores
def test_nutpie_compiles_the_collapsed_model_once(monkeypatch, data):
    """Two fits on other data (and another number of weights) share one nutpie compile: the
    statistics go in with with_data. Priors of their own make this a fresh cache entry."""
    pytest.importorskip("nutpie")
    compiles = []
    compile_once = pymc_models._compile_nutpie

    def counting(model):
        compiles.append(model)
        return compile_once(model)

    monkeypatch.setattr(pymc_models, "_compile_nutpie", counting)
    priors = {"alpha": Gamma(1.5, 0.5), "beta": Gamma(1.5, 0.05)}
    x, t = data
    fits = [
        bf.PyMCRegression(basis, priors=priors, nuts_sampler="nutpie", random_seed=3, **FAST)
        .fit(x, t)
        for basis in (bf.basis.Polynomial(2), bf.basis.Polynomial(3), bf.basis.Polynomial(2))
    ]
    assert len(compiles) == 1
    assert fits[0].idata_["posterior"]["w"].shape == (2, 1000, 3)
    assert fits[1].idata_["posterior"]["w"].shape == (2, 1000, 4)
    # the same seed gives the same draws through the reused compiled model
    np.testing.assert_array_equal(fits[0].idata_["posterior"]["w"].values,
                                  fits[2].idata_["posterior"]["w"].values)
    # and they are draws of the same posterior the exact quadrature integrates
    exact = bf.FullBayesRegression(bf.basis.Polynomial(2), priors=priors, random_seed=0).fit(x, t)
    import arviz as az

    post = fits[0].idata_["posterior"].to_dataset()
    se = float(az.mcse(post, method="mean")["beta"])
    assert abs(float(post["beta"].mean()) - exact.beta_) < 5 * se


def test_import_bayesfit_does_not_import_pymc():
    code = (
        "import sys, bayesfit; bayesfit.PyMCRegression; bayesfit.priors.Gamma(1, 1);"
        "heavy = [m for m in ('pymc', 'arviz', 'pytensor', 'xarray') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- slow: calibration, agreement with the explicit model, robustness ---------------------------
SBC_PRIORS = {"alpha": Gamma(3.0, 3.0), "beta": Gamma(3.0, 0.3)}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::bayesfit.ConvergenceWarning")  # short chains, thinned
def test_simulation_based_calibration_of_the_collapsed_model():
    """Talts et al. (2018): ranks of the true parameters among posterior draws are uniform.

    150 replications: alpha, beta ~ the priors, w ~ N(0, alpha^-1 I), t ~ N(Phi w, beta^-1)
    on a fixed design (N = 20, straight line); 400 draws per fit thinned to 100, so each rank
    is in 0..100. Each of alpha, beta, w_0, w_1 must pass a chi-square test of uniformity over
    10 rank bins at level 0.01 / 4 (Bonferroni), and so must the pooled ranks.
    """
    rng = np.random.default_rng(2018)
    n_rep, n_thin = 150, 4
    x = rng.uniform(-1.0, 1.0, 20)
    Phi = np.column_stack([np.ones_like(x), x])
    model = bf.PyMCRegression(priors=SBC_PRIORS, draws=200, tune=200, chains=2, progressbar=False)
    ranks = {k: [] for k in ("alpha", "beta", "w0", "w1")}
    for _ in range(n_rep):
        alpha = SBC_PRIORS["alpha"].sample(1, rng)[0]
        beta = SBC_PRIORS["beta"].sample(1, rng)[0]
        w = rng.normal(0.0, alpha**-0.5, 2)
        t = Phi @ w + rng.normal(0.0, beta**-0.5, x.shape[0])
        model.set_params(random_seed=int(rng.integers(2**31))).fit(x, t)
        post = model.idata_["posterior"]
        draws = {
            "alpha": post["alpha"].values.reshape(-1)[::n_thin],
            "beta": post["beta"].values.reshape(-1)[::n_thin],
            "w0": post["w"].values[..., 0].reshape(-1)[::n_thin],
            "w1": post["w"].values[..., 1].reshape(-1)[::n_thin],
        }
        truth = {"alpha": alpha, "beta": beta, "w0": w[0], "w1": w[1]}
        for k in ranks:
            ranks[k].append(int(np.sum(draws[k] < truth[k])))
    n_draws = 400 // n_thin

    def p_uniform(r):
        counts = np.bincount(np.asarray(r) * 10 // (n_draws + 1), minlength=10)
        return scipy.stats.chisquare(counts).pvalue

    pvalues = {k: p_uniform(r) for k, r in ranks.items()}
    assert min(pvalues.values()) > 0.01 / 4, pvalues
    assert p_uniform(np.concatenate(list(ranks.values()))) > 0.01, pvalues


@pytest.mark.slow
def test_collapsed_and_nuts_agree():
    """Same data and priors: posterior means of log alpha, beta and w agree within 4 Monte
    Carlo standard errors (both chains' MCSE combined), sds within 15%."""
    import arviz as az

    x, t = bf.datasets.linear(50, seed=11)
    common = {"priors": SBC_PRIORS, "draws": 2000, "random_seed": 5, **FAST}
    fits = {m: bf.PyMCRegression(method=m, **common).fit(x, t) for m in ("collapsed", "nuts")}
    assert fits["nuts"].method_ == "nuts"
    for model in fits.values():  # one output format whichever method ran
        assert set(model.idata_.children) == {
            "posterior", "sample_stats", "observed_data", "log_likelihood"
        }
        post = model.idata_["posterior"]
        assert list(post.data_vars) == ["w", "alpha", "beta", "sigma"]
        assert post["w"].dims == ("chain", "draw", "feature")
        assert list(post["feature"].values) == ["intercept", "x0"]
        np.testing.assert_array_equal(model.idata_["observed_data"]["y"].values, t)
    summaries = {}
    for method, model in fits.items():
        post = model.idata_["posterior"].to_dataset()
        post["log_alpha"] = np.log(post["alpha"])
        summaries[method] = az.summary(
            post, var_names=["log_alpha", "beta", "w"], kind="all", round_to="none"
        )
    c, n = summaries["collapsed"], summaries["nuts"]
    se = np.sqrt(c["mcse_mean"] ** 2 + n["mcse_mean"] ** 2)
    assert np.all(np.abs(c["mean"] - n["mean"]) < 4 * se), (c, n)
    assert np.all(np.abs(c["sd"] / n["sd"] - 1) < 0.15), (c, n)


@pytest.mark.slow
def test_student_t_recovers_the_line_through_gross_outliers():
    """y = -0.3 + 0.5 x + N(0, 0.1^2) on 60 points, the 6 with the largest x moved down by 3.

    Measured (seeds fixed): Student-t posterior mean (-0.285, 0.498), median nu 1.04; the
    normal likelihood gives (-0.548, -0.212), its slope off by 0.71. The test asserts the
    Student-t within 0.05 of both true coefficients and the normal slope off by over 0.5.
    """
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, 60)
    y = -0.3 + 0.5 * x + rng.normal(0.0, 0.1, 60)
    y[np.argsort(x)[-6:]] -= 3.0
    truth = np.array([-0.3, 0.5])
    robust = bf.PyMCRegression(
        likelihood="student_t", target_accept=0.95, random_seed=1, **FAST
    ).fit(x, y)
    normal = bf.PyMCRegression(random_seed=1, **FAST).fit(x, y)
    assert robust.method_ == "nuts"
    assert np.all(np.abs(robust.coef_ - truth) < 0.05), robust.coef_
    assert abs(normal.coef_[1] - truth[1]) > 0.5, normal.coef_
    assert float(robust.idata_["posterior"]["nu"].median()) < 5  # heavy tails were needed
