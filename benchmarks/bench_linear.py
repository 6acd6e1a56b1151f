"""EvidenceRegression vs BayesianRidge, ARDRegression vs scikit-learn's, the X^T X floor, lstsq.

    python benchmarks/bench_linear.py [--quick]

Both evidence fits are the same model on the same float64 data (BayesianRidge with
fit_intercept=False and an explicit bias column, hyperpriors off). The floor is one
``X.T @ X`` on the design with its bias column: the sufficient statistic no exact method can
avoid reading; "blocked" is the same product summed over row blocks on one thread per core
(what bayesfit does on NumPy), the real floor on these 2-core machines. The MLE table puts
``MLERegression().fit(X, y)`` (validation, a TSQR of [1, X, y], the equilibrated SVD) beside
``numpy.linalg.lstsq`` on the design with its bias column. The ARD table fits two truths on
the same X, a sparse one (10 of the d features relevant) and the dense one of the evidence
table, with ``ARDRegression()`` and scikit-learn's ``ARDRegression()``, each at its defaults
(scikit-learn's stops when the weights move less than 1e-3 in sum and prunes at
lambda_ >= 1e4), beside the two floors measured between the fits. Ratios are measured in the
same process, best of `repeat` runs.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
from sklearn.linear_model import ARDRegression, BayesianRidge

import bayesfit as bf
from bayesfit._backend import get_namespace
from bayesfit._conjugate import gram

SIZES = [(10_000, 10), (100_000, 100), (1_000_000, 100)]
QUICK = [(10_000, 10), (100_000, 20)]


def timed(fn):
    """Return (seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    xp = get_namespace(np.ones(1))
    print(f"# bench_linear  {platform.machine()}  numpy {np.__version__}")
    print(
        "| N | d | X^T X (s) | blocked X^T X (s) | bayesfit (s) | BayesianRidge (s) "
        "| vs BayesianRidge | vs X^T X | vs blocked |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    mle_rows = []
    for n, d in QUICK if args.quick else SIZES:
        X = rng.standard_normal((n, d))
        y = X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n)
        Phi = np.column_stack([np.ones(n), X])
        repeat = 3 if n <= 100_000 else 2
        floor = best_of(lambda Phi=Phi: Phi.T @ Phi, repeat)
        blocked = best_of(lambda Phi=Phi, y=y: gram(Phi, y, xp=xp), repeat)
        ours = best_of(lambda X=X, y=y: bf.EvidenceRegression().fit(X, y), repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = best_of(
                lambda Phi=Phi, y=y: BayesianRidge(
                    fit_intercept=False, alpha_1=0, alpha_2=0, lambda_1=0, lambda_2=0
                ).fit(Phi, y),
                repeat,
            )
        print(
            f"| {n:.0e} | {d} | {floor:.3f} | {blocked:.3f} | {ours:.3f} | {theirs:.3f} | "
            f"{theirs / ours:.1f}x faster | {ours / floor:.2f}x | {ours / blocked:.2f}x |"
        )
        mle_rows.append((n, d, X, y, Phi, repeat))
    print(
        "\n| N | d | truth | ARDRegression (s) | kept | steps | sklearn ARD (s) | kept | its steps "
        "| vs sklearn | vs X^T X | vs blocked |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, d, X, y_all, Phi, repeat in mle_rows:
        y_sparse = X[:, :10] @ rng.standard_normal(10) + 0.5 * rng.standard_normal(n)
        for truth, y in ((f"10 of {d}", y_sparse), (f"all {d}", y_all)):
            # Interleaved, so that the floors and the fits see the same load on the shared
            # cores; each scikit-learn fit once at 1e6 (it takes seconds).
            runs = [
                (
                    best_of(lambda Phi=Phi: Phi.T @ Phi, 1),
                    best_of(lambda Phi=Phi, y=y: gram(Phi, y, xp=xp), 1),
                    timed(lambda X=X, y=y: bf.ARDRegression().fit(X, y)),
                    timed(lambda X=X, y=y: ARDRegression().fit(X, y)) if k == 0 or n <= 100_000
                    else (np.inf, None),
                )
                for k in range(repeat)
            ]
            floor, blocked = min(r[0] for r in runs), min(r[1] for r in runs)
            ours, fitted = min((r[2] for r in runs), key=lambda pair: pair[0])
            theirs, sk = min((r[3] for r in runs), key=lambda pair: pair[0])
            print(
                f"| {n:.0e} | {d} | {truth} | {ours:.3f} | {int(np.sum(fitted.relevant_))} | "
                f"{fitted.n_iter_} | {theirs:.3f} | "
                f"{int(np.sum(sk.lambda_ < sk.threshold_lambda))} | {sk.n_iter_} | "
                f"{theirs / ours:.1f}x faster | {ours / floor:.2f}x | {ours / blocked:.2f}x |"
            )
    print("\n| N | d | numpy lstsq (s) | MLERegression (s) | vs lstsq |")
    print("|---|---|---|---|---|")
    for n, d, X, y, Phi, repeat in mle_rows:
        lstsq = best_of(lambda Phi=Phi, y=y: np.linalg.lstsq(Phi, y, rcond=None), repeat)
        mle = best_of(lambda X=X, y=y: bf.MLERegression().fit(X, y), repeat)
        print(f"| {n:.0e} | {d} | {lstsq:.3f} | {mle:.3f} | {mle / lstsq:.2f}x |")


if __name__ == "__main__":
    main()
