"""FullBayesRegression: exact quadrature over (ln alpha, ln beta), checked against references.

The references: a brute-force two-dimensional integration with scipy.integrate of the
marginal likelihood written as a multivariate normal (never through the eigen-statistics the
code uses); the conjugate posterior of BayesianRegression under pinned hyperpriors; PyMC's NUTS
on the explicit model (w sampled too); simulation-based calibration. The quadrature needs no
MCMC, so everything but the NUTS comparison is fast.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import scipy.special
import scipy.stats
import xarray as xr
from sklearn.base import clone

import bayesfit as bf
from bayesfit import fullbayes
from bayesfit.priors import Gamma, HalfCauchy, HalfNormal, LogNormal

PROPER = {"alpha": Gamma(3.0, 3.0), "beta": Gamma(3.0, 0.3)}


@pytest.fixture(scope="module")
def data():
    return bf.datasets.linear(40, seed=3)


@pytest.fixture(scope="module")
def fitted(data):
    x, t = data
    return bf.FullBayesRegression(bf.basis.Polynomial(2), random_seed=1).fit(x, t)


# The priors' log densities written out (PRML appendix B), independently of SciPy and bayesfit.
def _log_prior(prior, x):
    if isinstance(prior, Gamma):
        return (prior.a * np.log(prior.b) - scipy.special.gammaln(prior.a)
                + (prior.a - 1) * np.log(x) - prior.b * x)
    assert isinstance(prior, HalfNormal)
    return 0.5 * np.log(2 / np.pi) - np.log(prior.scale) - 0.5 * (x / prior.scale) ** 2


def _log_joint(la, lb, Phi: np.ndarray, t: np.ndarray, priors: dict):
    """ln p(t | alpha, beta) + ln p(alpha) + ln p(noise) + Jacobian, in (ln alpha, ln beta),
    with the marginal likelihood written as t ~ N(0, I / beta + Phi Phi^T / alpha): scalars
    or arrays of (ln alpha, ln beta), by batched Cholesky factors."""
    la, lb = np.asarray(la, dtype=float), np.asarray(lb, dtype=float)
    alpha, beta = np.exp(la)[..., None, None], np.exp(lb)[..., None, None]
    cov = np.eye(t.size) / beta + (Phi @ Phi.T) / alpha
    L = np.linalg.cholesky(cov)
    rhs = np.broadcast_to(t[:, None], (*L.shape[:-1], 1))
    z = np.linalg.solve(L, rhs)[..., 0]
    value = (-0.5 * np.sum(z * z, axis=-1) - np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(-1)
             - 0.5 * t.size * math.log(2 * math.pi))
    value = value + _log_prior(priors["alpha"], np.exp(la)) + la
    if "sigma" in priors:  # p(ln beta) = p_sigma(sigma) sigma / 2
        sigma = np.exp(-0.5 * lb)
        value = value + _log_prior(priors["sigma"], sigma) + np.log(sigma / 2)
    else:
        value = value + _log_prior(priors["beta"], np.exp(lb)) + lb
    return value


# -- the quadrature against brute force -----------------------------------------------------------
@pytest.mark.parametrize(
    "priors",
    [PROPER, {"alpha": Gamma(2.0, 2.0), "sigma": HalfNormal(0.5)}],
    ids=["beta prior", "sigma prior"],
)
def test_log_marginal_likelihood_equals_brute_force_integration(priors):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1.0, 1.0, 6)
    t = 0.3 - 0.5 * x + 0.3 * rng.standard_normal(6)
    Phi = np.column_stack([np.ones_like(x), x])
    model = bf.FullBayesRegression(priors=priors, random_seed=0).fit(x, t)
    box = (-14.0, 9.0, -6.0, 9.0)  # (ln alpha, ln beta); checked below to hold all the mass
    shift = float(_log_joint(0.0, 2.0, Phi, t, priors))
    along = np.linspace(0, 1, 60)
    edges = [_log_joint(box[i], box[2] + along * (box[3] - box[2]), Phi, t, priors)
             for i in (0, 1)]
    edges += [_log_joint(box[0] + along * (box[1] - box[0]), box[i], Phi, t, priors)
              for i in (2, 3)]
    assert np.max(edges) - shift < -30
    value, error = scipy.integrate.dblquad(
        lambda lb, la: math.exp(float(_log_joint(la, lb, Phi, t, priors)) - shift),
        *box, epsabs=0.0, epsrel=1e-8,
    )
    assert error < 1e-7 * value
    assert model.log_marginal_likelihood_ == pytest.approx(shift + math.log(value), abs=1e-6)
    assert model.summary().statistics["log_evidence"] == model.log_marginal_likelihood_


def test_hyperparameter_moments_equal_brute_force_integration():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1.0, 1.0, 8)
    t = 0.2 + 0.4 * x + 0.2 * rng.standard_normal(8)
    Phi = np.column_stack([np.ones_like(x), x])
    model = bf.FullBayesRegression(priors=PROPER, random_seed=0).fit(x, t)
    grid = np.meshgrid(np.linspace(-9, 9, 361), np.linspace(-5, 10, 301), indexing="ij")
    logp = _log_joint(*grid, Phi, t, PROPER)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    # a fine Riemann sum of an independent density: good to ~1e-6 on these smooth integrands
    want = {
        "mean_log_alpha": (p * grid[0]).sum(),
        "mean_log_beta": (p * grid[1]).sum(),
        "mean_alpha": (p * np.exp(grid[0])).sum(),
        "mean_beta": (p * np.exp(grid[1])).sum(),
        "mean_sigma": (p * np.exp(-0.5 * grid[1])).sum(),
    }
    hyper = _hyper(model, x, t)
    for key, value in want.items():
        assert hyper.moments[key] == pytest.approx(value, rel=1e-5), key
    assert model.alpha_ == hyper.moments["mean_alpha"]
    assert model.beta_ == hyper.moments["mean_beta"]


def _hyper(model, x, t):
    """The grid of a fitted model's collapsed posterior (recomputed from the data)."""
    from bayesfit._conjugate import Eigen, SufficientStats, evidence_start

    Phi = np.asarray(model.basis_.transform(np.asarray(x)[:, None]))
    stats = SufficientStats.from_design(Phi, np.asarray(t), bias=False, xp=np)
    eig = Eigen.of(stats, xp=np)
    p = model.priors_
    on_sigma = "sigma" in p
    density = fullbayes._CollapsedDensity(eig, p["alpha"], p["sigma" if on_sigma else "beta"],
                                          on_sigma)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fullbayes.hyper_posterior(density, np.log(evidence_start(stats, xp=np)))


def test_grid_edges_lie_25_nats_below_the_mode(data):
    model = bf.FullBayesRegression(bf.basis.Polynomial(2), random_seed=0).fit(*data)
    hyper = _hyper(model, *data)
    f = hyper.log_density
    edge = max(f[0].max(), f[-1].max(), f[:, 0].max(), f[:, -1].max())
    assert edge < f.max() - fullbayes.EDGE_NATS
    assert hyper.converged


def test_draws_follow_the_grid_density(data):
    # The rejection sampler against the quadrature's own exact moments and quantiles: the
    # draws are independent, so Monte Carlo errors are sd / sqrt(S).
    model = bf.FullBayesRegression(bf.basis.Polynomial(2), draws=5000, random_seed=3).fit(*data)
    hyper = _hyper(model, *data)
    post = model.idata_["posterior"]
    la, lb = np.log(post["alpha"].values.ravel()), np.log(post["beta"].values.ravel())
    n = la.size
    m = hyper.moments
    assert abs(la.mean() - m["mean_log_alpha"]) < 4 * m["sd_log_alpha"] / math.sqrt(n)
    assert abs(lb.mean() - m["mean_log_beta"]) < 4 * m["sd_log_beta"] / math.sqrt(n)
    assert abs(la.std() / m["sd_log_alpha"] - 1) < 4 / math.sqrt(2 * n)
    assert abs(lb.std() / m["sd_log_beta"] - 1) < 4 / math.sqrt(2 * n)
    # independent draws: lag-1 autocorrelation within noise, bulk ESS near the number of draws
    assert abs(np.corrcoef(la[:-1], la[1:])[0, 1]) < 4 / math.sqrt(n)
    import arviz as az

    ess = az.ess(post.to_dataset()[["alpha", "beta"]], method="bulk")
    assert min(float(ess[v]) for v in ess.data_vars) > 0.85 * n
    lp = model.idata_["sample_stats"]["lp"].values.ravel()
    assert np.all(np.isfinite(lp)) and lp.max() <= float(hyper.log_density.max()
                                                         - hyper.log_marginal_likelihood) + 1e-6


# -- the closed form under pinned hyperpriors -----------------------------------------------------
def test_pinned_hyperpriors_recover_the_conjugate_posterior():
    """PRML fig. 3.7's alpha = 2, beta = 25, a non-zero prior mean, the sigma-parametrised
    noise prior: the weights' draws are N(m_N, S_N) of BayesianRegression within Monte Carlo
    error (independent draws: 4 standard errors of a mean, 5 of a covariance entry)."""
    x, t = bf.datasets.linear(20, seed=7)
    alpha, beta, m0 = 2.0, 25.0, np.array([0.4, -0.8])
    priors = {"alpha": LogNormal(math.log(alpha), 1e-4),
              "sigma": LogNormal(-0.5 * math.log(beta), 1e-4)}
    model = bf.FullBayesRegression(priors=priors, prior_mean=m0, draws=2000, random_seed=4)
    model.fit(x, t)
    exact = bf.BayesianRegression(alpha=alpha, beta=beta, prior_mean=m0).fit(x, t)
    m_N, S_N = exact.posterior_.mean, exact.posterior_.cov
    w = model.idata_["posterior"]["w"].values.reshape(-1, 2)
    n = w.shape[0]
    assert np.all(np.abs(w.mean(0) - m_N) < 4 * np.sqrt(np.diag(S_N) / n))
    se_cov = np.sqrt((np.outer(np.diag(S_N), np.diag(S_N)) + S_N**2) / n)
    assert np.all(np.abs(np.cov(w, rowvar=False) - S_N) < 5 * se_cov)
    assert model.alpha_ == pytest.approx(alpha, rel=1e-3)
    assert model.beta_ == pytest.approx(beta, rel=1e-3)
    # ln p(t) -> the conjugate log evidence as the hyperpriors pin: their densities at the
    # point integrate to one against the evidence's smooth dependence on (alpha, beta)
    assert model.log_marginal_likelihood_ == pytest.approx(exact.log_evidence_, abs=1e-3)


def test_many_data_weights_approach_the_evidence_approximation():
    # PRML 3.5: with many points p(alpha, beta | t) is sharply peaked, and full Bayes moves
    # the weights' posterior mean by a tiny fraction of their sd from the evidence posterior.
    x, t = bf.datasets.sinusoid(2000, seed=0)
    basis = bf.basis.Polynomial(3)
    full = bf.FullBayesRegression(basis, random_seed=0).fit(x, t)
    eb = bf.EvidenceRegression(basis).fit(x, t)
    sd = full.idata_["posterior"]["w"].std(("chain", "draw")).values
    assert np.all(np.abs(full.coef_ - eb.coef_) < 0.1 * sd)
    assert full.alpha_ == pytest.approx(eb.alpha_, rel=0.5)
    assert full.beta_ == pytest.approx(eb.beta_, rel=0.01)


# -- alpha's heavy tail -------------------------------------------------------------------------
def _pure_noise():
    rng = np.random.default_rng(7)
    return rng.uniform(-1.0, 1.0, 8), 0.3 * rng.standard_normal(8)


def test_heavy_tailed_alpha_mean_is_set_by_the_prior_cutoff():
    # Eight points of pure noise on a cubic: the evidence is flat in alpha once the weights
    # are shrunk to zero, so p(alpha | t) follows the prior's tail there and E[alpha] scales
    # with the prior's cut-off 1/b, while ln alpha's lower quantiles hardly move.
    x, t = _pure_noise()
    fits = {
        b: bf.FullBayesRegression(bf.basis.Polynomial(3), priors={"alpha": Gamma(1.0, b)},
                                  random_seed=0).fit(x, t)
        for b in (1e-2, 1e-3)
    }
    assert fits[1e-3].alpha_ / fits[1e-2].alpha_ == pytest.approx(10.0, rel=0.3)
    lower = [np.quantile(np.log(m.idata_["posterior"]["alpha"].values), 0.05)
             for m in fits.values()]
    assert abs(lower[1] - lower[0]) < 0.25 * (math.log(1e-2) - math.log(1e-3)) + 1.5


def test_an_infinite_posterior_mean_is_reported_as_inf():
    # A HalfCauchy prior on alpha has tail alpha^-2: on pure noise the posterior keeps it,
    # and E[alpha | t] = integral of alpha p(alpha | t) diverges. The draws are still exact.
    x, t = _pure_noise()
    model = bf.FullBayesRegression(bf.basis.Polynomial(3), priors={"alpha": HalfCauchy(1.0)},
                                   random_seed=0).fit(x, t)
    assert model.alpha_ == math.inf
    assert math.isfinite(model.beta_) and math.isfinite(model.log_marginal_likelihood_)
    assert np.all(np.isfinite(model.idata_["posterior"]["alpha"].values))


# -- the ArviZ output, predictions, persistence ---------------------------------------------------
def test_idata_has_pymc_regressions_layout(fitted, data):
    idata = fitted.idata_
    assert set(idata.children) == {"posterior", "sample_stats", "observed_data", "log_likelihood"}
    post = idata["posterior"]
    assert list(post.data_vars) == ["w", "alpha", "beta", "sigma"]
    assert post["w"].dims == ("chain", "draw", "feature")
    assert post["w"].shape == (4, 1000, 3)
    assert list(post["feature"].values) == ["intercept", "x0", "x0^2"]
    np.testing.assert_allclose(post["sigma"].values, post["beta"].values ** -0.5, rtol=1e-12)
    np.testing.assert_array_equal(idata["observed_data"]["y"].values, data[1])
    assert idata["sample_stats"]["lp"].dims == ("chain", "draw")
    assert idata["log_likelihood"]["y"].dims == ("chain", "draw", "obs")
    assert fitted.method_ == "quadrature"
    assert post.attrs["log_marginal_likelihood"] == fitted.log_marginal_likelihood_


def test_same_seed_same_draws(fitted, data):
    again = clone(fitted).fit(*data)
    xr.testing.assert_identical(again.idata_["posterior"].to_dataset(),
                                fitted.idata_["posterior"].to_dataset())
    other = clone(fitted).set_params(random_seed=2).fit(*data)
    assert not np.array_equal(other.idata_["posterior"]["w"].values,
                              fitted.idata_["posterior"]["w"].values)


def test_predictions_come_from_the_draws(fitted):
    x_new, y_new = np.array([-0.5, 0.1, 0.9]), np.array([-0.6, -0.2, 0.2])
    w = fitted.idata_["posterior"]["w"].values.reshape(-1, 3)
    sigma = fitted.idata_["posterior"]["sigma"].values.ravel()
    Phi = x_new[:, None] ** np.arange(3)
    f = w @ Phi.T
    p = fitted.predictive(x_new)
    np.testing.assert_allclose(p.mean, f.mean(0), rtol=1e-12)
    np.testing.assert_allclose(p.var, f.var(0) + np.mean(sigma**2), rtol=1e-10)
    np.testing.assert_allclose(fitted.predict(x_new), f.mean(0), rtol=1e-12)
    want = np.log(np.mean(scipy.stats.norm(f, sigma[:, None]).pdf(y_new), axis=0))
    np.testing.assert_allclose(fitted.log_predictive_density(x_new, y_new, reduction="none"),
                               want, rtol=1e-10)
    curves = fitted.sample_functions(x_new, n=4, random_state=0)
    assert curves.shape == (4, 3)
    assert all(np.isclose(f.T, c[:, None]).all(axis=0).any() for c in curves)
    draws = fitted.posterior_predictive(x_new, random_state=0)
    assert draws.shape == (4, 1000, 3)


def test_summary_is_the_draws_mean_sd_and_equal_tailed_interval(fitted):
    summary = fitted.summary(level=0.9)
    assert isinstance(summary, bf.RegressionSummary)
    table = summary.coefficients
    assert list(table.columns) == ["estimate", "std_error", "lower", "upper", "ess_bulk",
                                   "r_hat"]
    assert list(table.index) == ["intercept", "x0", "x0^2"]
    w = fitted.idata_["posterior"]["w"].values.reshape(-1, 3)
    np.testing.assert_allclose(table["estimate"], w.mean(0), rtol=1e-12)
    np.testing.assert_allclose(table["std_error"], w.std(0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(table["lower"], np.quantile(w, 0.05, axis=0), rtol=1e-12)
    np.testing.assert_allclose(table["upper"], np.quantile(w, 0.95, axis=0), rtol=1e-12)
    assert np.all(table["ess_bulk"] > 3000)  # independent draws: ESS = number of draws
    stats = summary.statistics
    assert stats["n_samples"] == 40 and stats["n_params"] == 3
    assert stats["alpha"] == fitted.alpha_ and stats["beta"] == fitted.beta_
    assert stats["log_evidence"] == fitted.log_marginal_likelihood_  # ln p(t), a, b integrated
    assert summary.level == 0.9 and summary.interval == "credible"


def test_dict_round_trip_predicts_the_same(fitted):
    again = bf.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert isinstance(again, bf.FullBayesRegression)
    assert again.method_ == "quadrature" and again.priors_ == fitted.priors_
    assert again.log_marginal_likelihood_ == fitted.log_marginal_likelihood_
    assert again.alpha_ == fitted.alpha_
    x_new = np.array([-0.5, 0.2])
    for a, b in zip(again.predict(x_new, return_std=True), fitted.predict(x_new, return_std=True),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    xr.testing.assert_equal(again.idata_["posterior"].to_dataset().drop_attrs(),
                            fitted.idata_["posterior"].to_dataset().drop_attrs())


def test_netcdf_round_trip(fitted, tmp_path):
    # docs/full-bayes.md advises idata_.to_netcdf for the whole ArviZ data (h5netcdf)
    path = tmp_path / "fit.nc"
    fitted.idata_.to_netcdf(path)
    back = xr.open_datatree(path)
    assert set(back.children) == set(fitted.idata_.children)
    for group in fitted.idata_.children:
        xr.testing.assert_equal(back[group].to_dataset(), fitted.idata_[group].to_dataset())
    back.close()


def test_other_array_namespaces_give_the_same_fit(data):
    # The statistics are computed in the input's namespace (float64), the rest on the host.
    xps = pytest.importorskip("array_api_strict")
    x, t = data
    ref = bf.FullBayesRegression(random_seed=0).fit(x, t)
    strict = bf.FullBayesRegression(random_seed=0).fit(xps.asarray(x), xps.asarray(t))
    np.testing.assert_allclose(strict.coef_, ref.coef_, rtol=1e-10)
    single = bf.FullBayesRegression(random_seed=0).fit(x.astype(np.float32), t.astype(np.float32))
    assert single.log_marginal_likelihood_ == pytest.approx(ref.log_marginal_likelihood_, abs=1e-3)


def test_dataframe_feature_names_become_coords():
    pd = pytest.importorskip("pandas")
    x, t = bf.datasets.linear(30, seed=5)
    model = bf.FullBayesRegression(random_seed=2).fit(pd.DataFrame({"dose": x}), t)
    assert list(model.idata_["posterior"]["feature"].values) == ["intercept", "dose"]


# -- methods and the log-likelihood group ---------------------------------------------------------
@pytest.fixture
def no_sampling(monkeypatch):
    from bayesfit import pymc_models

    def refuse(*args, **kwargs):
        raise AssertionError("MCMC started")

    monkeypatch.setattr(pymc_models, "_sample", refuse)


def test_auto_is_quadrature_for_normal_and_nuts_for_student_t(no_sampling, data):
    assert bf.FullBayesRegression(random_seed=0).fit(*data).method_ == "quadrature"
    with pytest.raises(AssertionError, match="MCMC started"):
        bf.FullBayesRegression(likelihood="student_t").fit(*data)
    with pytest.raises(ValueError, match="needs the normal likelihood"):
        bf.FullBayesRegression(likelihood="student_t", method="quadrature").fit(*data)


def test_log_likelihood_group_by_size_and_on_request(data, monkeypatch):
    from bayesfit import _arviz

    x, t = data
    model = bf.FullBayesRegression(random_seed=0, draws=100, chains=2)
    ll = model.fit(x, t).idata_["log_likelihood"]["y"]
    assert ll.shape == (2, 100, 40)
    post = model.idata_["posterior"]
    mu = np.einsum("cdm,nm->cdn", post["w"].values, np.column_stack([np.ones_like(x), x]))
    want = scipy.stats.norm.logpdf(t, mu, post["sigma"].values[..., None])
    np.testing.assert_allclose(ll.values, want, rtol=1e-12, atol=1e-14)
    monkeypatch.setattr(_arviz, "LOG_LIKELIHOOD_AUTO_MAX", 199 * 40)  # "auto" below 200 x 40
    assert "log_likelihood" not in model.fit(x, t).idata_.children
    assert "log_likelihood" in model.set_params(log_likelihood=True).fit(x, t).idata_.children
    model.set_params(log_likelihood=False).fit(x, t)
    assert "log_likelihood" not in model.idata_.children
    assert model.add_log_likelihood(x, t) is model
    xr.testing.assert_allclose(model.idata_["log_likelihood"]["y"], ll)


def test_arviz_compare_ranks_bayes_evidence_and_full_bayes():
    import arviz as az

    x, t = bf.datasets.sinusoid(30, seed=4)
    basis = bf.basis.Polynomial(3)
    fits = {
        "full": bf.FullBayesRegression(basis, random_seed=0).fit(x, t).idata_,
        "evidence": bf.EvidenceRegression(basis).fit(x, t).to_arviz(x, t, draws=4000,
                                                                     random_seed=0),
        # far too much shrinkage: the cubic cannot follow the sinusoid
        "shrunk": bf.BayesianRegression(basis, alpha=1e3, beta=11.1).fit(x, t).to_arviz(
            x, t, random_seed=0),
    }
    with warnings.catch_warnings():  # the over-shrunk fit has influential points (Pareto k)
        warnings.simplefilter("ignore", UserWarning)
        table = az.compare(fits, round_to="none")
        loo = {name: az.loo(idata).elpd for name, idata in fits.items()}
    assert list(table.index)[-1] == "shrunk"
    assert set(table.index) == set(fits)
    for name in fits:
        assert table.loc[name, "elpd"] == pytest.approx(loo[name], rel=1e-9)
    # PSIS-LOO of 4000 conjugate draws agrees with the exact leave-one-out
    exact = bf.EvidenceRegression(basis).fit(x, t).loo(x, t)
    assert table.loc["evidence", "elpd"] == pytest.approx(exact.elpd_loo, abs=0.1)


# -- MCMC through PyMCRegression's machinery, against the quadrature -----------------------------
def _moments_table(idata):
    import arviz as az

    post = idata["posterior"].to_dataset()
    post["log_alpha"] = np.log(post["alpha"])
    post["log_beta"] = np.log(post["beta"])
    return az.summary(post, var_names=["log_alpha", "log_beta", "sigma", "w"], kind="all",
                      round_to="none")


AGREEMENT_CASES = {
    # a line, 50 points
    "line": (lambda: bf.datasets.linear(50, seed=11), bf.basis.Identity(), PROPER),
    # 25 points of the sinusoid on 5 Gaussian bumps, the noise prior on sigma
    "rbf": (lambda: bf.datasets.sinusoid(25, seed=2), bf.basis.GaussianRBF(5),
            {"alpha": Gamma(1.0, 0.1), "sigma": HalfNormal(1.0)}),
    # pure noise on a cubic: alpha's posterior follows the prior's tail (heavy-tailed)
    "heavy": (_pure_noise, bf.basis.Polynomial(3),
              {"alpha": Gamma(1.0, 0.01), "beta": Gamma(2.0, 0.2)}),
}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("case", list(AGREEMENT_CASES))
def test_quadrature_agrees_with_nuts_on_the_explicit_model(case):
    """Means and sds of ln alpha, ln beta, sigma and every weight within 4 Monte Carlo
    standard errors (both sides' MCSE combined); on the heavy-tailed case also ln alpha's
    tail probabilities. NUTS: 4 chains of 1000 draws after 1000 tuning steps (with 2, the
    MCSE of the weights' sds on the heavy-tailed case is itself too noisy: over NUTS seeds
    2-9 the largest z reached 4.4 with 2 chains and 3.2 with 4)."""
    make, basis, priors = AGREEMENT_CASES[case]
    x, t = make()
    quad = bf.FullBayesRegression(basis, priors=priors, random_seed=1).fit(x, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # ESS of alpha ~800 here
        nuts = bf.FullBayesRegression(basis, priors=priors, method="nuts", chains=4, draws=1000,
                                      target_accept=0.95, random_seed=2, progressbar=False,
                                      log_likelihood=False).fit(x, t)
    assert nuts.method_ == "nuts"
    assert int(nuts.idata_["sample_stats"]["diverging"].values.sum()) == 0
    q, n = _moments_table(quad.idata_), _moments_table(nuts.idata_)
    for stat in ("mean", "sd"):
        se = np.sqrt(q[f"mcse_{stat}"] ** 2 + n[f"mcse_{stat}"] ** 2)
        z = (q[stat] - n[stat]).abs() / se
        assert np.all(z < 4), (stat, z.round(2).to_dict())
    if case == "heavy":
        import arviz as az

        reference = bf.FullBayesRegression(basis, priors=priors, random_seed=9).fit(x, t)
        cuts = np.quantile(np.log(reference.idata_["posterior"]["alpha"].values), [0.05, 0.95])
        for cut in cuts:  # P(ln alpha > cut) on both sides
            tails = []
            for model in (quad, nuts):
                above = (np.log(model.idata_["posterior"]["alpha"]) > cut).astype(float)
                ds = xr.Dataset({"above": above})
                tails.append((float(above.mean()), float(az.mcse(ds, method="mean")["above"])))
            (pq, sq), (pn, sn) = tails
            assert abs(pq - pn) < 4 * math.hypot(sq, sn), (cut, tails)


# -- simulation-based calibration -----------------------------------------------------------------
def _sbc_pvalues(fit_priors, n_sims: int, seed: int) -> np.ndarray:
    """SBC (Talts et al. 2018): alpha, beta from PROPER, w ~ N(0, 1/alpha), 20 points on a
    line; the ranks of the truth among 99 posterior draws (0..99, 10 bins of 10) of alpha,
    beta, w0, w1; chi-square p-values of the bin counts."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, 20)
    Phi = np.column_stack([np.ones_like(x), x])
    model = bf.FullBayesRegression(priors=fit_priors, chains=1, draws=99, log_likelihood=False)
    ranks = np.empty((n_sims, 4), dtype=np.int64)
    for r in range(n_sims):
        alpha = PROPER["alpha"].sample(1, rng)[0]
        beta = PROPER["beta"].sample(1, rng)[0]
        w = rng.normal(0.0, alpha**-0.5, 2)
        t = Phi @ w + rng.normal(0.0, beta**-0.5, x.size)
        model.set_params(random_seed=int(rng.integers(2**31))).fit(x, t)
        post = model.idata_["posterior"]
        draws = np.column_stack([post["alpha"].values.ravel(), post["beta"].values.ravel(),
                                 post["w"].values[0]])
        ranks[r] = np.sum(draws < np.array([alpha, beta, *w])[None, :], axis=0)
    counts = np.stack([np.bincount(c * 10 // 100, minlength=10) for c in ranks.T])
    return scipy.stats.chisquare(counts, axis=1).pvalue


@pytest.mark.slow
def test_simulation_based_calibration_of_the_quadrature():
    """300 replications (each a quadrature, no MCMC; ~15 s). Every rank histogram is uniform
    (p > 0.001); a posterior under a wrong alpha prior (Gamma(30, 3): mean 10 instead of 1,
    tight) is caught."""
    pvalues = _sbc_pvalues(PROPER, 300, seed=2018)
    assert np.all(pvalues > 1e-3), pvalues
    wrong = _sbc_pvalues({**PROPER, "alpha": Gamma(30.0, 3.0)}, 300, seed=2018)
    assert np.any(wrong < 1e-3), wrong
