"""Sparse priors: the lasso MAP and its path vs scikit-learn, the Bayesian lasso vs PyMC's NUTS.

    python benchmarks/bench_sparse.py [--quick]

1. Lasso MAP at (1e6, 100): ``MAPRegression(prior="laplace")`` end to end (validation, the
   sufficient statistics, coordinate descent) against the floor (one ``X^T X`` on the design
   with its bias column, plain and blocked over threads as bayesfit computes it) and
   scikit-learn's ``Lasso`` (coordinate descent on X, its default, and on the precomputed
   Gram matrix). Both are run to a KKT residual (the largest violation of the optimality
   conditions, relative to max |Phi^T t|, computed here for both from the statistics) of
   1e-8 or less: scikit-learn at ``tol=1e-12`` (its duality-gap rule), bayesfit at
   ``tol=1e-8``; the table shows what each reached.
2. A 100-point lasso path at (1e5, 100): ``fit`` then ``path(alphas)`` against
   scikit-learn's ``lasso_path`` (its default tolerance) on the same alphas, given centred
   data (the centring not timed: lasso_path fits no intercept).
3. The Bayesian lasso at (1e5, 10): ``FullBayesRegression(weight_prior="laplace")`` (the
   Gibbs sampler on the sufficient statistics) against NUTS on the model written directly in
   PyMC (Laplace weights, a flat bias), both end to end (validation, statistics or compile,
   sampling; not the imports); ESS is the smallest bulk ESS over the weights, sigma and
   lambda.
4. The Gibbs sampler's cost per draw, from N = 1e3 to 1e6 (the statistics are computed once
   and timed apart; the sampler is ``bayesfit._bayesian_lasso``, what the estimator runs).

Timings are the best of ``repeat`` runs where the run is short, ratios measured in the same
process. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np

import bayesfit as bf
from bayesfit._backend import get_namespace
from bayesfit._bayesian_lasso import gibbs_bayesian_lasso
from bayesfit._conjugate import SufficientStats, gram
from bayesfit._sparse import Profiled, kkt_residual

XP = get_namespace(np.ones(1))


def best_of(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def sparse_data(n, d, seed=0):
    """Correlated features (a common factor), 10 relevant weights, a mean and noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + 0.3 * rng.standard_normal((n, 1))
    w = np.zeros(d)
    w[: min(10, d)] = rng.normal(0.0, 2.0, min(10, d))
    return X, X @ w + 1.0 + rng.standard_normal(n)


def relative_kkt(X, y, coef, a):
    """The KKT residual of intercept + coef for scikit-learn's problem at alpha = a."""
    stats = SufficientStats.from_design(X, y, bias=True, xp=XP)
    profiled = Profiled.of(stats.xtx, stats.xty, (0,), xp=XP)
    return kkt_residual(profiled.G, profiled.b, coef, a * len(y), 0.0, xp=XP)


def floors(X, y, repeat):
    """The plain and the blocked X^T X of the design with its bias column (freed after)."""
    design = np.column_stack([np.ones(len(y)), X])
    floor, _ = best_of(lambda: design.T @ design, repeat)
    blocked, _ = best_of(lambda: gram(design, y, xp=XP), repeat)
    return floor, blocked


def bench_map(n, d, repeat):
    from sklearn.linear_model import Lasso

    X, y = sparse_data(n, d)
    a = 0.02  # scikit-learn's alpha: about 10 of the weights stay nonzero
    floor, blocked = floors(X, y, repeat)
    model = bf.MAPRegression(prior="laplace", alpha=a * n, beta=1.0, tol=1e-8)
    ours, _ = best_of(lambda: model.fit(X, y), repeat)
    rows = {"bayesfit MAPRegression(prior='laplace')": (ours, model.kkt_residual_)}
    for label, precompute in (("sklearn Lasso (CD on X)", False),
                              ("sklearn Lasso (precompute=True)", True)):
        peer = Lasso(alpha=a, tol=1e-12, max_iter=100_000, precompute=precompute)
        seconds, _ = best_of(lambda peer=peer: peer.fit(X, y), 1)
        rows[label] = (seconds, relative_kkt(X, y, peer.coef_, a))
        np.testing.assert_allclose(model.coef_[1:], peer.coef_, atol=1e-6)
    print(f"### Lasso MAP at ({n:.0e}, {d}), {np.count_nonzero(model.coef_[1:])} nonzero "
          f"weights")
    print(f"floor: X^T X {floor:.3f} s, blocked X^T X {blocked:.3f} s")
    print("| fit | s | KKT residual | vs blocked floor | bayesfit faster by |")
    print("|---|---|---|---|---|")
    for label, (seconds, kkt) in rows.items():
        print(f"| {label} | {seconds:.3f} | {kkt:.1e} | {seconds / blocked:.2f}x | "
              f"{seconds / ours:.2f}x |")


def bench_path(n, d, repeat):
    from sklearn.linear_model import lasso_path

    X, y = sparse_data(n, d, seed=1)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    a_max = float(np.max(np.abs(Xc.T @ yc))) / n
    alphas = np.geomspace(a_max, a_max * 1e-3, 100)  # lasso_path's default grid

    def ours():
        model = bf.MAPRegression(prior="laplace", alpha=a_max * n, beta=1.0).fit(X, y)
        return model.path(alphas * n)

    seconds, W = best_of(ours, repeat)
    with warnings.catch_warnings():  # its default tolerance leaves a few alphas short
        warnings.simplefilter("ignore")
        theirs, (_, coefs, _) = best_of(lambda: lasso_path(Xc, yc, alphas=alphas), repeat)
    difference = float(np.max(np.abs(W[:, 1:] - coefs.T)))
    print(f"### 100-point lasso path at ({n:.0e}, {d})")
    print("| bayesfit fit + path (s) | sklearn lasso_path (s) | bayesfit faster by | "
          "largest weight difference |")
    print("|---|---|---|---|")
    print(f"| {seconds:.3f} | {theirs:.3f} | {theirs / seconds:.1f}x | {difference:.1e} |")


def _ess(draws):
    import arviz as az
    import xarray as xr

    data = xr.Dataset({k: (("chain", "draw", "feature")[: v.ndim], v) for k, v in draws.items()})
    ess = az.ess(data, method="bulk")
    return float(min(float(ess[k].min()) for k in draws))


def bayesian_lasso(X, y, draws, chains, seed):
    model = bf.FullBayesRegression(weight_prior="laplace", draws=draws, tune=draws // 2,
                                   chains=chains, random_seed=seed, log_likelihood=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # the quick run's short chains
        post = model.fit(X, y).idata_["posterior"]
    return {k: post[k].values for k in ("w", "sigma", "lambda")}


def nuts(X, y, draws, seed):
    import pymc as pm

    with pm.Model():
        lam = pm.Deterministic("lambda", pm.math.sqrt(pm.Gamma("lam2", alpha=1.0, beta=0.1)))
        beta = pm.Gamma("beta", alpha=1e-6, beta=1e-6)
        sigma = pm.Deterministic("sigma", 1.0 / pm.math.sqrt(beta))
        bias = pm.Flat("bias")
        w = pm.Laplace("w", mu=0.0, b=sigma / lam, shape=X.shape[1])
        pm.Normal("y", mu=bias + pm.math.dot(X, w), sigma=sigma, observed=y)
        idata = pm.sample(draws=draws, tune=draws, chains=2, cores=1, random_seed=seed,
                          progressbar=False, nuts_sampler="pymc",
                          compute_convergence_checks=False)
    post = idata["posterior"]
    weights = np.concatenate([post["bias"].values[..., None], post["w"].values], axis=-1)
    return {"w": weights, "sigma": post["sigma"].values, "lambda": post["lambda"].values}


def bench_bayesian_lasso(n, d, draws, nuts_draws):
    import pymc  # noqa: F401  (imports are not timed, on either side)

    X, y = sparse_data(n, d, seed=2)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    bayesian_lasso(X[:100], y[:100], 10, 1, seed=0)  # imports xarray and ArviZ
    start = time.perf_counter()
    gibbs = bayesian_lasso(X, y, draws, 4, seed=0)
    ours = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        reference = nuts(X, y, nuts_draws, seed=1)
        theirs = time.perf_counter() - start
    rows = {"bayesfit FullBayesRegression(weight_prior='laplace'), 4 chains": (ours, _ess(gibbs)),
            "PyMC NUTS (2 chains, explicit model)": (theirs, _ess(reference))}
    print(f"### Bayesian lasso at ({n:.0e}, {d}): ESS per second, end to end")
    print("| sampler | s | min bulk ESS | ESS / s | vs NUTS |")
    print("|---|---|---|---|---|")
    nuts_rate = rows["PyMC NUTS (2 chains, explicit model)"][1] / theirs
    for label, (seconds, ess) in rows.items():
        print(f"| {label} | {seconds:.2f} | {ess:.0f} | {ess / seconds:.0f} | "
              f"{ess / seconds / nuts_rate:.0f}x |")


def bench_per_draw(sizes, d, draws):
    print(f"### Bayesian lasso: cost per draw against N (d = {d}, 4 chains, {draws} draws each)")
    print("| N | statistics (s) | sampling (s) | us per draw |")
    print("|---|---|---|---|")
    for n in sizes:
        X, y = sparse_data(n, d, seed=3)
        start = time.perf_counter()
        stats = SufficientStats.from_design(X, y, bias=True, xp=XP)
        setup = time.perf_counter() - start
        start = time.perf_counter()
        gibbs_bayesian_lasso(
            stats.xtx, stats.xty, float(stats.yty), stats.n, unpenalized=(0,),
            lambda2_prior=(1.0, 0.1), beta_prior=(1e-6, 1e-6), draws=draws, tune=0, chains=4,
            rng=np.random.default_rng(0),
        )
        sampling = time.perf_counter() - start
        print(f"| {n:.0e} | {setup:.3f} | {sampling:.3f} | {1e6 * sampling / (4 * draws):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# bench_sparse  {platform.machine()}  {cores} cores  numpy {np.__version__}")
    if args.quick:
        bench_map(20_000, 20, 2)
        bench_path(10_000, 20, 2)
        bench_bayesian_lasso(2_000, 5, 500, 200)
        bench_per_draw([1_000, 10_000], 5, 200)
    else:
        bench_map(1_000_000, 100, 2)
        bench_path(100_000, 100, 3)
        bench_bayesian_lasso(100_000, 10, 2000, 1000)
        bench_per_draw([1_000, 10_000, 100_000, 1_000_000], 10, 1000)


if __name__ == "__main__":
    main()
