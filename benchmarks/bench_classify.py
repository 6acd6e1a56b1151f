"""The classification ladder against scikit-learn and a model written directly in PyMC.

    python benchmarks/bench_classify.py [--quick]

1. MAPClassifier against LogisticRegression(solver="lbfgs") on the same design matrix (the
   bias column explicit, fit_intercept=False, C = 1/alpha): the same objective, at the same
   gradient tolerance (both stop when the largest entry of the gradient of the mean
   objective is below tol). Binary and 10 classes; the achieved gradient of each answer is
   printed beside its time ("steps": Newton steps, lbfgs iterations, evidence evaluations).
   EvidenceClassifier (which fits MAP and the Laplace evidence at ~15 values of alpha) on
   the same data, against the same LogisticRegression. Each is timed with the default BLAS
   threads and with one (threadpoolctl), since on a loaded 2-core machine the threads of
   both libraries contend.
2. FullBayesClassifier against the same model written directly in PyMC (w ~ N(0, 1/alpha),
   alpha ~ Gamma(0.5, 3.125), a Bernoulli likelihood on logit_p = Phi w; pm.sample's defaults
   otherwise), on correlated inputs: the smallest bulk ESS over w and alpha per second of
   wall time, end to end (building, compiling from PyTensor's warm disk cache, sampling).
   The direct model runs twice: as written (OpenBLAS's own threads in each of the parallel
   chains) and with one BLAS thread per chain, as FullBayesClassifier runs its chains.

Full sizes: (N, d) = (1e5, 50) for 1, (1e4, 10) for 2. --quick: (2e4, 20) and (2e3, 5).
Timings are the best of `repeat` runs in one process; only the ratios mean much on a shared
machine.
"""

from __future__ import annotations

import argparse
import logging
import platform
import time
import warnings

import numpy as np
import scipy.special
from sklearn.linear_model import LogisticRegression

import bayesfit as bf
from bayesfit import _logistic, _pymc_logistic


def best_of(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def _speed(peer_time, our_time):
    """Say how our time compares with the peer's, the right way round."""
    if our_time <= peer_time:
        return f"**{peer_time / our_time:.2f}x faster**"
    return f"{our_time / peer_time:.2f}x slower"


def make_data(n, d, K, seed=0, rho=0.0):
    rng = np.random.default_rng(seed)
    cov = (1 - rho) * np.eye(d) + rho * np.ones((d, d))
    X = rng.standard_normal((n, d)) @ np.linalg.cholesky(cov).T
    W = rng.normal(0.0, 0.5 / np.sqrt(d) * 3, (d + 1, K if K > 2 else 1))
    Phi = np.c_[np.ones(n), X]
    if K == 2:
        y = (rng.random(n) < scipy.special.expit(Phi @ W[:, 0])).astype(np.int64)
    else:
        P = scipy.special.softmax(Phi @ W, axis=1)
        y = (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return Phi, y


def gradient_max(Phi, y, K, coef, alpha):
    """The largest entry of the mean objective's gradient at ``coef`` (as both solvers test)."""
    reference = K == 2
    V = coef[:, None] if coef.ndim == 1 else coef
    T = _logistic.onehot(y, K, dtype=Phi.dtype, xp=np)
    lik = _logistic.Likelihood(Phi, T, None, reference=reference, xp=np)
    g = lik.gradient(lik.evaluate(V)) + alpha * V
    return float(np.abs(g).max()) / Phi.shape[0]


def bench_map(n, d, repeat, tol=1e-6, alpha=1.0):
    from threadpoolctl import threadpool_limits

    print(f"## MAP and evidence against LogisticRegression(lbfgs), N={n:.0e}, d={d}, "
          f"tol={tol:g}, alpha={alpha:g}")
    print("| classes | BLAS threads | estimator | seconds | steps | achieved max grad | ratio |")
    print("|---|---|---|---|---|---|---|")
    basis = bf.basis.Identity(bias=False)  # the design is given: both read the same array

    def lbfgs(Phi, y):
        return LogisticRegression(C=1.0 / alpha, fit_intercept=False, tol=tol,
                                  max_iter=10_000).fit(Phi, y)

    def map_(Phi, y):
        return bf.MAPClassifier(basis, alpha=alpha, tol=tol).fit(Phi, y)

    def evidence(Phi, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bf.BayesfitWarning)
            return bf.EvidenceClassifier(basis, tol=tol).fit(Phi, y)

    for K in (2, 10):
        Phi, y = make_data(n, d, K)
        for threads in ("default", 1):
            with threadpool_limits(None if threads == "default" else threads):
                lr_time, lr = best_of(lambda Phi=Phi, y=y: lbfgs(Phi, y), repeat)
                map_time, model = best_of(lambda Phi=Phi, y=y: map_(Phi, y), repeat)
                ev_time, ev = best_of(lambda Phi=Phi, y=y: evidence(Phi, y), 1)
            lr_coef = lr.coef_[0] if K == 2 else lr.coef_.T
            rows = [
                ("LogisticRegression(lbfgs)", lr_time, int(lr.n_iter_[0]),
                 f"{gradient_max(Phi, y, K, lr_coef, alpha):.1e}", "1"),
                ("MAPClassifier", map_time, model.n_iter_,
                 f"{gradient_max(Phi, y, K, model.coef_, alpha):.1e}",
                 _speed(lr_time, map_time)),
                (f"EvidenceClassifier (alpha {ev.alpha_:.3g})", ev_time, ev.n_iter_, "",
                 f"{ev_time / lr_time:.2f}x the time"),
            ]
            for name, seconds, steps, grad, ratio in rows:
                print(f"| {K} | {threads} | {name} | {seconds:.3f} | {steps} | {grad} | {ratio} |",
                      flush=True)
        del Phi, y


def _min_ess(posterior):
    import arviz as az

    ess = az.ess(posterior, method="bulk")
    return min(float(ess[v].min()) for v in ess.data_vars)


def direct_pymc(Phi, y, draws, limit_blas):
    """The same model written directly in PyMC, sampled with pm.sample's defaults."""
    import pymc as pm

    with pm.Model() as model:
        alpha = pm.Gamma("alpha", alpha=0.5, beta=0.5 * 2.5**2)
        w = pm.Normal("w", 0.0, sigma=alpha**-0.5, shape=Phi.shape[1])
        pm.Bernoulli("y", logit_p=pm.math.dot(Phi, w), observed=y)
    kwargs = dict(draws=draws, tune=draws, chains=4, random_seed=0, progressbar=False,
                  nuts_sampler="pymc", compute_convergence_checks=False)
    if limit_blas:
        import os

        from bayesfit.pymc_models import _sample

        return _sample(model, cores=min(4, os.cpu_count() or 1), **kwargs)
    return pm.sample(model=model, **kwargs)


def bench_full_bayes(n, d, draws):
    print(f"\n## FullBayesClassifier against the model written directly in PyMC, N={n:.0e}, "
          f"d={d} (equicorrelated inputs, rho=0.8), 4 chains x {draws} draws + {draws} tune")
    print("| sampler | wall s | min bulk ESS | ESS/s | ratio |")
    print("|---|---|---|---|---|")
    logging.getLogger("pymc").setLevel(logging.ERROR)
    Phi, y = make_data(n, d, 2, seed=1, rho=0.8)
    X = Phi[:, 1:]
    warm_X, warm_y = X[:200], y[:200]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # warm PyTensor's disk cache for every model; then time each from a fresh build
        bf.FullBayesClassifier(draws=50, tune=50, chains=1, progressbar=False,
                               random_seed=0).fit(warm_X, warm_y)
        direct_pymc(Phi[:200], warm_y, 50, limit_blas=False)
        _pymc_logistic._MODELS.clear()
        rows = []
        start = time.perf_counter()
        model = bf.FullBayesClassifier(draws=draws, tune=draws, chains=4, progressbar=False,
                                       random_seed=0).fit(X, y)
        wall = time.perf_counter() - start
        post = model.idata_["posterior"].to_dataset()[["w", "alpha"]]
        rows.append(("FullBayesClassifier (whitened by the Laplace fit)", wall, _min_ess(post)))
        for limit in (False, True):
            start = time.perf_counter()
            idata = direct_pymc(Phi, y, draws, limit_blas=limit)
            wall = time.perf_counter() - start
            name = "direct PyMC, one BLAS thread per chain" if limit else "direct PyMC, as written"
            rows.append((name, wall, _min_ess(idata["posterior"].to_dataset()[["w", "alpha"]])))
    ours = rows[0][2] / rows[0][1]
    for name, wall, ess in rows:
        rate = ess / wall
        ratio = "1" if name.startswith("Full") else f"**{ours / rate:.1f}x**"
        print(f"| {name} | {wall:.1f} | {ess:.0f} | {rate:.1f} | {ratio} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    args = parser.parse_args()
    print(f"# bench_classify  {platform.machine()}  numpy {np.__version__}")
    if args.quick:
        bench_map(20_000, 20, repeat=1)
        bench_full_bayes(2_000, 5, draws=300)
    else:
        bench_map(100_000, 50, repeat=2)
        bench_full_bayes(10_000, 10, draws=1000)


if __name__ == "__main__":
    main()
