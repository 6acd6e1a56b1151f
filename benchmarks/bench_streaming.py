"""Out-of-core fit: a 5 GB float64 design streamed in chunks, never held whole.

    python benchmarks/bench_streaming.py [--quick]

The design (N x 100, N = 6.25e6 for 5 GB) is generated chunk by chunk from a seed; the fit's
own time excludes the generation (timed separately inside the chunk generator). The floor is
the time of the Gram matrix of the same chunks, plain ``X.T @ X`` and blocked over threads
(bayesfit's kernel), measured in the same run on the same regenerated chunks. Peak memory is
the process's max RSS.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

import bayesfit as bf
from bayesfit._backend import get_namespace
from bayesfit._conjugate import gram

D = 100
CHUNK = 100_000


def chunks(n_rows: int, seed: int, clock: list[float]):
    """Yield (X, y) chunks; add the time spent generating them to clock[0]."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(D)
    for start in range(0, n_rows, CHUNK):
        t0 = time.perf_counter()
        X = rng.standard_normal((min(CHUNK, n_rows - start), D))
        y = X @ w + 0.5 * rng.standard_normal(len(X))
        clock[0] += time.perf_counter() - t0
        yield X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.4 GB instead of 5 GB")
    args = parser.parse_args()
    n_rows = 500_000 if args.quick else 6_250_000
    gigabytes = n_rows * D * 8 / 1e9

    gen = [0.0]
    start = time.perf_counter()
    model = bf.EvidenceRegression().fit_stream(chunks(n_rows, 0, gen))
    fit_seconds = time.perf_counter() - start - gen[0]

    xp = get_namespace(np.ones(1))
    plain = blocked = 0.0
    for X, y in chunks(n_rows, 0, [0.0]):
        Phi = np.column_stack([np.ones(len(X)), X])  # the design bayesfit's statistics describe
        t0 = time.perf_counter()
        Phi.T @ Phi
        plain += time.perf_counter() - t0
        t0 = time.perf_counter()
        gram(Phi, y, xp=xp)
        blocked += time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"# bench_streaming  {n_rows:.3g} x {D} float64 = {gigabytes:.1f} GB in chunks of {CHUNK}"
    )
    print(
        "| fit (s) | X^T X floor (s) | blocked floor (s) | vs X^T X | vs blocked "
        "| generation (s) | peak RSS (MB) | noise std |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {fit_seconds:.2f} | {plain:.2f} | {blocked:.2f} | {fit_seconds / plain:.2f}x "
        f"| {fit_seconds / blocked:.2f}x | {gen[0]:.1f} | {peak_mb:.0f} | {model.noise_std_:.4f} |"
    )


if __name__ == "__main__":
    main()
