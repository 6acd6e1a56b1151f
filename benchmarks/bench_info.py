"""Entropy, KL and softmax cross-entropy on a large batch: bayesfit against SciPy and NumPy.

    python benchmarks/bench_info.py [--quick] [--rows N] [--classes K] [--repeat R]

Prints, for each operation, the best-of-R wall time of bayesfit and of its peer (measured in
this run, on the same arrays), their ratio (bayesfit / peer: <= 1 means bayesfit is no
slower) and the peak memory each allocates beyond its inputs (tracemalloc, which sees NumPy's
buffers), as a multiple of one input array.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import scipy.stats

from bayesfit import info, losses


def numpy_cross_entropy(labels, logits):
    """The textbook NumPy reference: log-sum-exp with the max shift, minus the picked logit."""
    m = logits.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(logits - m).sum(axis=-1)) + m[:, 0]
    return np.mean(lse - logits[np.arange(logits.shape[0]), labels])


def measure(fn, repeat):
    """Return (best seconds, peak bytes allocated during one call)."""
    fn()  # warm-up: imports, caches
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10000 rows instead of 100000")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = args.rows or (10_000 if args.quick else 100_000)
    k = args.classes

    rng = np.random.default_rng(0)
    p = rng.random((rows, k))
    p /= p.sum(axis=1, keepdims=True)
    q = rng.random((rows, k))
    q /= q.sum(axis=1, keepdims=True)
    logits = rng.normal(scale=3.0, size=(rows, k))
    labels = rng.integers(0, k, size=rows)
    input_bytes = p.nbytes

    cases = [
        (
            "entropy",
            lambda: info.entropy(p),
            "scipy.stats.entropy",
            lambda: scipy.stats.entropy(p, axis=-1),
        ),
        (
            "kl_divergence",
            lambda: info.kl_divergence(p, q),
            "scipy.stats.entropy(p, q)",
            lambda: scipy.stats.entropy(p, q, axis=-1),
        ),
        (
            "losses.cross_entropy",
            lambda: losses.cross_entropy(labels, logits),
            "NumPy log-sum-exp",
            lambda: numpy_cross_entropy(labels, logits),
        ),
    ]
    print(
        f"batch ({rows}, {k}) float64, one input = {input_bytes / 2**20:.0f} MiB, "
        f"best of {args.repeat}"
    )
    header = (
        f"{'operation':<22}{'bayesfit s':>11}{'peer':>28}{'peer s':>9}{'ratio':>8}"
        f"{'peak bayesfit':>22}{'peak peer':>22}"
    )
    print(header)
    print("-" * len(header))

    def peak(nbytes):
        return f"{nbytes / 2**20:.1f} MiB ({nbytes / input_bytes:.3f}x)"

    for name, ours, peer_name, peer in cases:
        np.testing.assert_allclose(ours(), peer(), rtol=1e-9)  # same answer before timing
        t_ours, m_ours = measure(ours, args.repeat)
        t_peer, m_peer = measure(peer, args.repeat)
        print(
            f"{name:<22}{t_ours:>11.3f}{peer_name:>28}{t_peer:>9.3f}{t_ours / t_peer:>8.2f}"
            f"{peak(m_ours):>22}{peak(m_peer):>22}"
        )


if __name__ == "__main__":
    main()
