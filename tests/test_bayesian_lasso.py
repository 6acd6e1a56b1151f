"""The Bayesian lasso's Gibbs sampler (bayesfit._bayesian_lasso) against independent references.

- One weight, no bias: the posterior moments by brute-force quadrature over (w, ln beta,
  ln lambda^2), written out here from the model's density.
- A bias and several weights: NUTS on the model written directly in PyMC (a Laplace prior on
  the weights, a flat bias), within 4 Monte Carlo standard errors (slow).
- Simulation-based calibration (Talts et al. 2018) with proper priors (slow).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.stats
import xarray as xr

from bayesfit._bayesian_lasso import gibbs_bayesian_lasso


def statistics(Phi, y):
    return Phi.T @ Phi, Phi.T @ y, float(y @ y), len(y)


def summary(draws, names=("w", "sigma", "lambda")):
    """Means and sds of the draws with their Monte Carlo standard errors (ArviZ)."""
    import arviz as az

    data = xr.Dataset({k: (("chain", "draw", "feature")[: draws[k].ndim], draws[k])
                       for k in names})
    return az.summary(data, kind="all", round_to="none")


def run(Phi, y, unpenalized, lambda2_prior, beta_prior, *, draws, chains=4, tune=500, seed=0):
    return gibbs_bayesian_lasso(
        *statistics(Phi, y), unpenalized=unpenalized, lambda2_prior=lambda2_prior,
        beta_prior=beta_prior, draws=draws, tune=tune, chains=chains,
        rng=np.random.default_rng(seed),
    )


def test_one_weight_against_brute_force_quadrature():
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    y = 0.4 * x + 0.8 * rng.normal(size=30)
    r, delta, a, b = 2.0, 1.0, 2.0, 1.0
    # log posterior on a grid of (w, u = ln beta, v = ln lambda^2), Jacobians included
    xx, xy, yy, n = x @ x, x @ y, y @ y, 30
    w_hat, se = xy / xx, np.sqrt((yy - xy**2 / xx) / (n - 1) / xx)
    w = np.linspace(w_hat - 12 * se, w_hat + 12 * se, 161)
    u = np.linspace(np.log(n / yy) - 2.5, np.log(n / yy) + 3.5, 81)
    v = np.linspace(-12.0, 7.0, 121)
    W, U, V = np.meshgrid(w, u, v, indexing="ij")
    beta, lam = np.exp(U), np.exp(V / 2)
    log_p = (0.5 * n * U - 0.5 * beta * (yy - 2 * W * xy + W**2 * xx)  # likelihood
             + V / 2 + U / 2 - lam * np.abs(W) * np.sqrt(beta)  # Laplace(0, sigma / lambda)
             + scipy.stats.gamma.logpdf(beta, a, scale=1 / b) + U  # beta prior, Jacobian
             + scipy.stats.gamma.logpdf(np.exp(V), r, scale=1 / delta) + V)  # lambda^2 prior
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    for axis in range(3):  # the grid holds the mass: its faces are negligible
        assert np.take(p, [0, -1], axis=axis).sum() < 1e-10

    def moments(f):
        m = float(np.sum(p * f))
        return m, float(np.sqrt(np.sum(p * f * f) - m * m))

    exact = {"w": moments(W), "sigma": moments(beta**-0.5), "lambda": moments(lam)}
    draws = run(x[:, None], y, (), (r, delta), (a, b), draws=5000)
    table = summary(draws)
    for name, (mean, sd) in exact.items():
        row = table.loc["w[0]" if name == "w" else name]
        assert abs(row["mean"] - mean) < 4 * row["mcse_mean"], (name, row["mean"], mean)
        assert abs(row["sd"] - sd) < 4 * row["mcse_sd"], (name, row["sd"], sd)


def test_draws_are_reproducible_and_shaped():
    rng = np.random.default_rng(0)
    Phi = np.column_stack([np.ones(20), rng.normal(size=(20, 3))])
    y = Phi @ np.array([1.0, 2.0, 0.0, -1.0]) + rng.normal(size=20)
    one = run(Phi, y, (0,), (1.0, 0.1), (1e-6, 1e-6), draws=50, chains=3, tune=10, seed=5)
    two = run(Phi, y, (0,), (1.0, 0.1), (1e-6, 1e-6), draws=50, chains=3, tune=10, seed=5)
    other = run(Phi, y, (0,), (1.0, 0.1), (1e-6, 1e-6), draws=50, chains=3, tune=10, seed=6)
    assert one["w"].shape == (3, 50, 4) and one["lambda"].shape == (3, 50)
    for k in one:
        np.testing.assert_array_equal(one[k], two[k])
    assert not np.array_equal(one["w"], other["w"])
    np.testing.assert_allclose(one["sigma"], one["beta"] ** -0.5)
    # the chains start apart
    assert not np.array_equal(one["w"][0], one["w"][1])


def test_a_flat_bias_without_data_is_refused():
    Phi = np.zeros((5, 2))
    Phi[:, 1] = 1.0  # the bias column (0) is all zeros: no information about it
    with pytest.raises(ValueError, match=r"unpenalized weights .* improper posterior"):
        run(Phi, np.ones(5), (0,), (1.0, 1.0), (1.0, 1.0), draws=5)


def _nuts_reference(X, y, lambda2_prior, beta_prior, seed):
    """NUTS on the Bayesian lasso written directly in PyMC: Laplace weights, a flat bias."""
    import pymc as pm

    r, delta = lambda2_prior
    a, b = beta_prior
    with pm.Model():
        lam2 = pm.Gamma("lam2", alpha=r, beta=delta)
        lam = pm.Deterministic("lambda", pm.math.sqrt(lam2))
        beta = pm.Gamma("beta", alpha=a, beta=b)
        sigma = pm.Deterministic("sigma", 1.0 / pm.math.sqrt(beta))
        bias = pm.Flat("bias")
        w = pm.Laplace("w", mu=0.0, b=sigma / lam, shape=X.shape[1])
        pm.Normal("y", mu=bias + pm.math.dot(X, w), sigma=sigma, observed=y)
        idata = pm.sample(draws=2000, tune=1000, chains=2, cores=1, target_accept=0.95,
                          random_seed=seed, progressbar=False, nuts_sampler="pymc",
                          compute_convergence_checks=False)
    post = idata["posterior"]
    weights = np.concatenate([post["bias"].values[..., None], post["w"].values], axis=-1)
    diverging = int(idata["sample_stats"]["diverging"].values.sum())
    return {"w": weights, "sigma": post["sigma"].values, "lambda": post["lambda"].values}, \
        diverging


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_full_bayes_laplace_agrees_with_nuts_on_the_explicit_model():
    """FullBayesRegression(weight_prior="laplace"): means and sds of the bias, every weight,
    sigma and lambda within 4 Monte Carlo standard errors of NUTS (both sides' combined); 80
    points, 5 standardized features, 2 of them relevant. NUTS: 2 chains of 2000 draws."""
    import bayesfit as bf

    rng = np.random.default_rng(2008)
    X = rng.normal(size=(80, 5))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = 1.0 + X @ np.array([1.5, -1.0, 0.0, 0.0, 0.0]) + rng.normal(size=80)
    model = bf.FullBayesRegression(
        weight_prior="laplace", draws=5000, tune=500, random_seed=1,
        priors={"lambda": bf.priors.Gamma(1.0, 0.1), "beta": bf.priors.Gamma(1e-6, 1e-6)},
    ).fit(X, y)
    post = model.idata_["posterior"]
    gibbs = {k: post[k].values for k in ("w", "sigma", "lambda")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        nuts, diverging = _nuts_reference(X, y, seed=2, lambda2_prior=(1.0, 0.1),
                                          beta_prior=(1e-6, 1e-6))
    assert diverging < 10  # the Laplace kink at 0: a few at most, at 0.95 acceptance
    g, n = summary(gibbs), summary(nuts)
    for stat in ("mean", "sd"):
        se = np.sqrt(g[f"mcse_{stat}"] ** 2 + n[f"mcse_{stat}"] ** 2)
        z = (g[stat] - n[stat]).abs() / se
        assert np.all(z < 4), (stat, z.round(2).to_dict())


def sbc_pvalues(fit_lambda2_prior, n_sims, seed):
    """SBC: lambda^2 ~ Gamma(2, 2), beta ~ Gamma(3, 2), w_j ~ Laplace(0, sigma / lambda) for 3
    weights on 25 fixed points; the ranks of the truth among 99 draws (every 10th of 990 after
    200 warm-up sweeps) of w_1..w_3, sigma and lambda in 10 bins; chi-square p-values of the
    bin counts. The replications run side by side, one chain each with its own data."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(25, 3))
    lam = np.sqrt(rng.gamma(2.0, 1 / 2.0, n_sims))
    sigma = rng.gamma(3.0, 1 / 2.0, n_sims) ** -0.5
    w = rng.laplace(0.0, (sigma / lam)[:, None], (n_sims, 3))
    y = w @ X.T + sigma[:, None] * rng.normal(size=(n_sims, 25))
    draws = gibbs_bayesian_lasso(
        np.broadcast_to(X.T @ X, (n_sims, 3, 3)), y @ X, np.sum(y * y, axis=1), 25,
        unpenalized=(), lambda2_prior=fit_lambda2_prior, beta_prior=(3.0, 2.0), draws=990,
        tune=200, chains=n_sims, rng=rng,
    )
    thinned = np.concatenate([draws["w"][:, ::10], draws["sigma"][:, ::10, None],
                              draws["lambda"][:, ::10, None]], axis=2)
    truth = np.column_stack([w, sigma, lam])
    ranks = np.sum(thinned < truth[:, None, :], axis=1)
    counts = np.stack([np.bincount(c * 10 // 100, minlength=10) for c in ranks.T])
    return scipy.stats.chisquare(counts, axis=1).pvalue


@pytest.mark.slow
def test_simulation_based_calibration():
    """1000 replications, sampled side by side (~4 s). Every rank histogram is uniform
    (p > 0.001); fitted under a wrong lambda^2 prior (Gamma(40, 4): mean 10 instead of 1,
    tight) it is caught."""
    pvalues = sbc_pvalues((2.0, 2.0), 1000, seed=2019)
    assert np.all(pvalues > 1e-3), pvalues
    wrong = sbc_pvalues((40.0, 4.0), 1000, seed=2019)
    assert np.any(wrong < 1e-3), wrong


def test_the_laplace_prior_is_the_scale_mixture():
    # The identity the sampler rests on (Andrews & Mallows 1974): a normal with variance
    # s^2 tau^2, tau^2 ~ Exp(lambda^2 / 2), is Laplace(0, s / lambda). Checked by integrating
    # the mixture numerically at a few points.
    lam, s = 1.7, 0.6
    tau2 = np.linspace(1e-8, 60.0, 600_001)
    for w in (0.05, 0.4, 1.3):
        mixture = np.trapezoid(
            scipy.stats.norm.pdf(w, 0.0, s * np.sqrt(tau2))
            * scipy.stats.expon.pdf(tau2, scale=2 / lam**2), tau2)
        laplace = scipy.stats.laplace.pdf(w, 0.0, s / lam)
        assert mixture == pytest.approx(laplace, rel=1e-4)


# -- FullBayesRegression(weight_prior="laplace"): the estimator around the sampler --------------


def _lasso_data(n=60, seed=7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, 0.5 + X @ np.array([2.0, 0.0, -1.0, 0.0]) + 0.5 * rng.normal(size=n)


@pytest.mark.filterwarnings("ignore::bayesfit.ConvergenceWarning")  # short chains
def test_full_bayes_laplace_output_is_the_samplers():
    import bayesfit as bf

    X, y = _lasso_data()
    model = bf.FullBayesRegression(weight_prior="laplace", draws=400, tune=200, chains=3,
                                   random_seed=3).fit(X, y)
    post = model.idata_["posterior"]
    assert model.method_ == "gibbs" and post.attrs["method"] == "gibbs"
    assert list(post.data_vars) == ["w", "alpha", "beta", "sigma", "lambda"]
    assert post["w"].dims == ("chain", "draw", "feature") and post["w"].shape == (3, 400, 5)
    assert list(post["feature"].values) == ["intercept", "x0", "x1", "x2", "x3"]
    # the sampler itself, on the statistics written out here, with the same generator
    Phi = np.column_stack([np.ones(60), X])
    direct = run(Phi, y, (0,), (1.0, 0.1), (1e-6, 1e-6), draws=400, chains=3, tune=200,
                 seed=3)
    for name in ("w", "sigma", "lambda"):
        np.testing.assert_allclose(post[name].values, direct[name], rtol=1e-9)
    # alpha is the Laplace rate lambda / sigma (MAPRegression's alpha)
    np.testing.assert_allclose(post["alpha"].values, direct["lambda"] / direct["sigma"])
    np.testing.assert_allclose(model.coef_, direct["w"].mean(axis=(0, 1)), rtol=1e-9)
    assert model.alpha_ == pytest.approx(float(post["alpha"].mean()))
    assert np.isnan(model.log_marginal_likelihood_)
    # the predictive of the draws, the summary of the draws
    mean, std = model.predict(X[:4], return_std=True)
    np.testing.assert_allclose(mean, Phi[:4] @ model.coef_, rtol=1e-12)
    draws_w = direct["w"].reshape(-1, 5)
    var = np.var(draws_w @ Phi[:4].T, axis=0) + np.mean(direct["sigma"].ravel() ** 2)
    np.testing.assert_allclose(std, np.sqrt(var), rtol=1e-9)
    s = model.summary()
    np.testing.assert_allclose(s.coefficients["std_error"], draws_w.std(axis=0, ddof=1))
    assert s.statistics["lambda"] == pytest.approx(direct["lambda"].mean())
    assert s.interval == "credible" and np.all(s.coefficients["r_hat"] < 1.05)


def test_full_bayes_laplace_log_likelihood_is_written_below_its_cap(monkeypatch):
    import bayesfit as bf
    from bayesfit import _arviz

    X, y = _lasso_data()
    settings = {"weight_prior": "laplace", "draws": 100, "tune": 100, "chains": 2,
                "random_seed": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # 200 draws
        model = bf.FullBayesRegression(**settings).fit(X, y)
        ll = model.idata_["log_likelihood"]["y"]
        post = model.idata_["posterior"]
        mu = np.einsum("cdm,nm->cdn", post["w"].values, np.column_stack([np.ones(60), X]))
        want = scipy.stats.norm.logpdf(y, mu, post["sigma"].values[..., None])
        np.testing.assert_allclose(ll.values, want, rtol=1e-12)
        monkeypatch.setattr(_arviz, "LOG_LIKELIHOOD_AUTO_MAX", 200 * 60 - 1)
        assert "log_likelihood" not in bf.FullBayesRegression(**settings).fit(X, y).idata_
        capped = bf.FullBayesRegression(**settings).fit(X, y)
        assert "log_likelihood" in capped.add_log_likelihood(X, y).idata_.children


@pytest.mark.filterwarnings("ignore::bayesfit.ConvergenceWarning")  # short chains
def test_full_bayes_laplace_round_trips_and_weights_are_repeated_rows():
    import json

    import bayesfit as bf

    X, y = _lasso_data()
    settings = {"weight_prior": "laplace", "draws": 300, "tune": 100, "random_seed": 4}
    model = bf.FullBayesRegression(**settings).fit(X, y)
    back = bf.FullBayesRegression.from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    np.testing.assert_array_equal(back.idata_["posterior"]["lambda"],
                                  model.idata_["posterior"]["lambda"])
    counts = np.random.default_rng(0).integers(0, 3, size=60)
    weighted = bf.FullBayesRegression(**settings).fit(X, y, sample_weight=counts)
    repeated = bf.FullBayesRegression(**settings).fit(np.repeat(X, counts, axis=0),
                                                      np.repeat(y, counts))
    np.testing.assert_allclose(weighted.idata_["posterior"]["w"],
                               repeated.idata_["posterior"]["w"], rtol=1e-6, atol=1e-9)


def test_full_bayes_laplace_intervals_separate_relevant_from_irrelevant_weights():
    # 200 points, true weights (2, 0, -1, 0): the 95% credible intervals of the two zero
    # weights cover 0, those of the two others exclude it.
    import bayesfit as bf

    X, y = _lasso_data(n=200)
    model = bf.FullBayesRegression(weight_prior="laplace", draws=2000, random_seed=5).fit(X, y)
    table = model.summary().coefficients
    for feature in ("x1", "x3"):
        assert table.loc[feature, "lower"] < 0.0 < table.loc[feature, "upper"]
    for feature in ("x0", "x2"):
        assert not table.loc[feature, "lower"] < 0.0 < table.loc[feature, "upper"]


def test_full_bayes_laplace_short_chains_warn_with_a_remedy_that_applies():
    import bayesfit as bf

    X, y = _lasso_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bf.FullBayesRegression(weight_prior="laplace", draws=30, tune=50, random_seed=0).fit(X, y)
    messages = [str(w.message) for w in caught if w.category is bf.ConvergenceWarning]
    assert any(m.startswith("bulk ESS is") and "increase draws" in m for m in messages)
    assert not any("collapsed" in m for m in messages)  # a method the Laplace prior refuses


def test_full_bayes_laplace_bad_settings_are_named():
    import bayesfit as bf

    X, y = _lasso_data()
    cases = [
        ({"method": "quadrature"}, "sampled by method='gibbs'"),
        ({"likelihood": "student_t"}, "needs likelihood='normal'"),
        ({"prior_mean": np.zeros(5)}, "leave prior_mean=None"),
        ({"priors": {"sigma": bf.priors.HalfNormal(1.0)}}, "give 'beta' instead"),
        ({"priors": {"lambda": bf.priors.HalfCauchy(1.0)}}, r"priors\['lambda'\] must be"),
    ]
    for kwargs, match in cases:
        with pytest.raises((ValueError, TypeError), match=match):
            bf.FullBayesRegression(weight_prior="laplace", **kwargs).fit(X, y)
    with pytest.raises(ValueError, match="set weight_prior='laplace'"):
        bf.FullBayesRegression(method="gibbs").fit(X, y)
    with pytest.raises(ValueError, match="got 1 sample"):
        bf.FullBayesRegression(weight_prior="laplace").fit(X[:1], y[:1])


@pytest.mark.filterwarnings("ignore::bayesfit.ConvergenceWarning")  # short chains
def test_full_bayes_laplace_on_every_backend_and_dtype(xp, dtype_name):
    # the statistics are summed in the input's namespace (in float64) and sampled on the host:
    # the draws are the NumPy float64 fit's, up to the input's rounding
    import bayesfit as bf

    X, y = _lasso_data()
    settings = {"weight_prior": "laplace", "draws": 200, "tune": 100, "random_seed": 6}
    reference = bf.FullBayesRegression(**settings).fit(X, y)
    dtype = getattr(xp, dtype_name)
    model = bf.FullBayesRegression(**settings).fit(xp.asarray(X, dtype=dtype),
                                                   xp.asarray(y, dtype=dtype))
    tol = 1e-5 if dtype_name == "float32" else 1e-10
    np.testing.assert_allclose(model.idata_["posterior"]["w"], reference.idata_["posterior"]["w"],
                               rtol=tol, atol=tol)
    mean = model.predict(xp.asarray(X[:3], dtype=dtype))
    np.testing.assert_allclose(bf.to_numpy(mean), reference.predict(X[:3]), rtol=tol)
