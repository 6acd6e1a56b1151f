"""Collapsed vs explicit-w NUTS for PyMCRegression: wall time and min bulk ESS per second.

Usage: python benchmarks/bench_pymc.py [--quick] [--nutpie] [--draws N]

Both methods fit the same model (normal likelihood, default hyperpriors) on the same data:
X ~ N(0, 1) with d columns plus a bias, t = X w + N(0, 0.5^2). Each fit is timed end to end
(validation, sufficient statistics, model build and compile, sampling, exact w draws,
diagnostics), with 4 chains of --draws draws after as many tuning steps; the NUTS model runs
its chains on 2 processes with one BLAS thread each (PyMCRegression's default). ESS is the
smallest bulk ESS over alpha, beta and every weight. The full run: both methods at
(N, d) = (1e3, 5), (1e4, 10), (1e5, 10); collapsed alone at (1e6, 10), (1e7, 10).
--quick: both at (1e3, 5), (1e4, 10); collapsed alone at (1e5, 10), (1e6, 10).
--nutpie adds both models sampled by nutpie (Rust NUTS on a numba-compiled model), where
nutpie is importable. The last column is ESS/s relative to the explicit model on PyMC's NUTS.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings

import numpy as np

import bayesfit as bf

FULL_BOTH = [(10**3, 5), (10**4, 10), (10**5, 10)]
FULL_COLLAPSED = [(10**6, 10), (10**7, 10)]
QUICK_BOTH = [(10**3, 5), (10**4, 10)]
QUICK_COLLAPSED = [(10**5, 10), (10**6, 10)]


def make_data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.normal(0.0, 1.0, d)
    return X, 0.7 + X @ w + 0.5 * rng.standard_normal(n)


def run(X, t, method: str, sampler: str, draws: int) -> dict[str, float]:
    import arviz as az

    model = bf.PyMCRegression(
        method=method,
        draws=draws,
        tune=draws,
        chains=4,
        random_seed=0,
        progressbar=False,
        nuts_sampler=sampler,
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
    parser.add_argument("--nutpie", action="store_true", help="also the nutpie sampler")
    parser.add_argument("--draws", type=int, default=1000, help="draws (and tuning) per chain")
    args = parser.parse_args()
    both = QUICK_BOTH if args.quick else FULL_BOTH
    collapsed_only = QUICK_COLLAPSED if args.quick else FULL_COLLAPSED
    samplers = ["pymc"]
    if args.nutpie and importlib.util.find_spec("nutpie") is not None:
        samplers.append("nutpie")

    # Compile (or load from PyTensor's cache) each model once before timing.
    X, t = make_data(200, 2)
    for method in ("collapsed", "nuts"):
        for sampler in samplers:
            run(X, t, method, sampler, 100)

    header = (
        f"{'N':>9} {'d':>3} {'method/sampler':<17} {'wall s':>8} {'sample s':>9} "
        f"{'min ESS':>8} {'ESS/s':>9} {'x nuts/pymc':>11}"
    )
    print(header)
    print("-" * len(header))
    for n, d in both + collapsed_only:
        X, t = make_data(n, d)
        methods = ("collapsed", "nuts") if (n, d) in both else ("collapsed",)
        rows = {f"{m}/{s}": run(X, t, m, s, args.draws) for m in methods for s in samplers}
        reference = rows.get("nuts/pymc")
        for name, r in rows.items():
            ratio = f"{r['ess_per_s'] / reference['ess_per_s']:11.1f}" if reference else f"{'':>11}"
            print(
                f"{n:>9.0e} {d:>3} {name:<17} {r['wall']:8.2f} {r['sampling']:9.2f} "
                f"{r['min_ess']:8.0f} {r['ess_per_s']:9.1f} {ratio}",
                flush=True,
            )
        del X, t


if __name__ == "__main__":
    main()
