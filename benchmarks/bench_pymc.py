"""Full Bayes: exact quadrature vs collapsed and explicit NUTS, end-to-end ESS per second.

Usage: python benchmarks/bench_pymc.py [--quick] [--draws N]

Every row fits the same model (normal likelihood, default hyperpriors) on the same data,
X ~ N(0, 1) with d columns plus a bias, t = X w + N(0, 0.5^2), with
``FullBayesRegression(method=..., nuts_sampler=...)``:

- quadrature: the exact integration over (ln alpha, ln beta), 4 x --draws independent draws;
- collapsed/pymc, collapsed/nutpie: NUTS on the collapsed posterior of (alpha, beta), exact w
  draws after (nutpie's compiled model reused across fits through ``with_data``);
- nuts/pymc: NUTS on the explicit model (w sampled too), chains on 2 processes with one BLAS
  thread each.

MCMC runs 4 chains of --draws draws after as many tuning steps. Each fit is timed end to end
(validation, sufficient statistics, model build and compile from the warm caches, sampling or
quadrature, exact w draws, diagnostics), with no log_likelihood group on any side. ESS is the
smallest bulk ESS over alpha, beta and every weight. The full run: all four rows at
(N, d) = (1e3, 5), (1e4, 10), (1e5, 10); quadrature and collapsed at (1e6, 10), (1e7, 10).
--quick: all four at (1e3, 5), (1e4, 10); quadrature and collapsed at (1e5, 10). nutpie rows
need nutpie (in the dev extra). The last column is ESS/s relative to nuts/pymc at that size.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings

import numpy as np

import bayesfit as bf

FULL_ALL = [(10**3, 5), (10**4, 10), (10**5, 10)]
FULL_FAST = [(10**6, 10), (10**7, 10)]
QUICK_ALL = [(10**3, 5), (10**4, 10)]
QUICK_FAST = [(10**5, 10)]


def make_data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.normal(0.0, 1.0, d)
    return X, 0.7 + X @ w + 0.5 * rng.standard_normal(n)


def run(X, t, method: str, sampler: str, draws: int) -> dict[str, float]:
    import arviz as az

    model = bf.FullBayesRegression(
        method=method,
        draws=draws,
        tune=draws,
        chains=4,
        random_seed=0,
        progressbar=False,
        nuts_sampler=sampler,
        log_likelihood=False,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)
        model.fit(X, t)
    wall = time.perf_counter() - start
    post = model.idata_["posterior"].to_dataset()[["alpha", "beta", "w"]]
    ess = az.ess(post, method="bulk")
    min_ess = min(float(ess[v].min()) for v in ess.data_vars)
    sampling = float(model.idata_["posterior"].attrs.get("sampling_time", np.nan))
    return {"wall": wall, "sampling": sampling, "min_ess": min_ess, "ess_per_s": min_ess / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    parser.add_argument("--draws", type=int, default=1000, help="draws (and tuning) per chain")
    args = parser.parse_args()
    every = QUICK_ALL if args.quick else FULL_ALL
    fast_only = QUICK_FAST if args.quick else FULL_FAST
    fast = [("quadrature", "pymc"), ("collapsed", "pymc")]
    if importlib.util.find_spec("nutpie") is not None:
        fast.append(("collapsed", "nutpie"))
    rows_at = {size: [*fast, ("nuts", "pymc")] for size in every}
    rows_at.update({size: fast for size in fast_only})

    # Compile (or load from the caches) each model once before timing.
    X, t = make_data(200, 2)
    for method, sampler in [*fast, ("nuts", "pymc")]:
        run(X, t, method, sampler, 100)

    header = (
        f"{'N':>9} {'d':>3} {'method/sampler':<17} {'wall s':>8} {'sample s':>9} "
        f"{'min ESS':>8} {'ESS/s':>9} {'x nuts/pymc':>11}"
    )
    print(header)
    print("-" * len(header))
    for (n, d), methods in rows_at.items():
        X, t = make_data(n, d)
        rows = {}
        for method, sampler in methods:
            name = method if method == "quadrature" else f"{method}/{sampler}"
            rows[name] = run(X, t, method, sampler, args.draws)
        reference = rows.get("nuts/pymc")
        for name, r in rows.items():
            ratio = f"{r['ess_per_s'] / reference['ess_per_s']:11.1f}" if reference else f"{'':>11}"
            print(
                f"{n:>9.0e} {d:>3} {name:<17} {r['wall']:8.3f} {r['sampling']:9.2f} "
                f"{r['min_ess']:8.0f} {r['ess_per_s']:9.1f} {ratio}",
                flush=True,
            )
        del X, t


if __name__ == "__main__":
    main()
