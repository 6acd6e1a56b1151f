"""One training epoch of a 784-256-10 MLP: bayesfit.nn vs peers, measured in the same run.

    python benchmarks/bench_nn.py [--quick] [--repeats R]

The task (issue 4): 60000 random samples (784 standard-normal features, 10 random classes),
ReLU hidden layer, softmax cross-entropy, plain SGD (learning rate 0.01), mini-batches of
128 drawn in a shuffled order, float32, on the CPU. Peers:

- "numpy baseline": the same network written directly in NumPy (one matmul per layer
  forward, two backward, the softmax-minus-one-hot output error, the batch loss for the
  history as every peer computes it) with no validation and no array-API layer: the floor
  for what NumPy can do on this machine.
- scikit-learn MLPClassifier (solver="sgd", momentum=0, one epoch via max_iter=1).
- PyTorch on the CPU, when it is importable (it is not part of bayesfit's environment).

Each timing is the best of ``--repeats`` epochs from the same initial weights, the
implementations taking turns so that a change in the machine's load hits all of them. BLAS
runs on ``--threads`` threads (default 1: on a shared 2-core VM multi-threaded BLAS timings
swing by 3x from run to run). The table gives seconds per epoch and each peer's time
relative to bayesfit (ratio = bayesfit / peer: above 1 means bayesfit is slower).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import warnings


def _threads_from_argv() -> str:
    # BLAS reads its thread count when NumPy is first imported, so before the imports below.
    argv = sys.argv[1:]
    return argv[argv.index("--threads") + 1] if "--threads" in argv[:-1] else "1"


for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()

import numpy as np  # noqa: E402

from bayesfit.nn import MLP  # noqa: E402
from bayesfit.nn.optim import SGD  # noqa: E402

SIZES = (784, 256, 10)
BATCH = 128
LR = 0.01


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, SIZES[0]), dtype=np.float32)
    return X, rng.integers(0, SIZES[-1], n)


def best_of(repeats: int, epochs: dict) -> dict[str, float]:
    """Time each epoch function ``repeats`` times, taking turns; return the best times."""
    times: dict[str, list[float]] = {name: [] for name in epochs}
    for _ in range(repeats):
        for name, epoch in epochs.items():
            start = time.perf_counter()
            epoch()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def bench_bayesfit(X, y):
    def epoch():
        model = MLP(list(SIZES), "relu", "softmax", "cross_entropy", random_state=0)
        model.fit(X, y, optimizer=SGD(LR), batch_size=BATCH, epochs=1, progress=False)

    return epoch


def bench_numpy(X, y):
    init = MLP(list(SIZES), "relu", "softmax", "cross_entropy", random_state=0).params

    def epoch():
        W1, b1, W2, b2 = (init[k].astype(np.float32) for k in ("W1", "b1", "W2", "b2"))
        rng = np.random.default_rng(0)
        order = rng.permutation(len(X))
        total = 0.0
        for lo in range(0, len(X), BATCH):
            idx = order[lo : lo + BATCH]
            xb, yb = X[idx], y[idx]
            z1 = xb @ W1 + b1
            a1 = np.maximum(z1, 0)
            z2 = a1 @ W2 + b2
            rows = np.arange(len(yb))
            shifted = z2 - z2.max(axis=1, keepdims=True)
            p = np.exp(shifted)
            sums = p.sum(axis=1, keepdims=True)
            total += float(np.mean(np.log(sums[:, 0]) - shifted[rows, yb]))  # the loss
            p /= sums
            p[rows, yb] -= 1
            d2 = p / len(yb)
            d1 = (d2 @ W2.T) * (z1 > 0)
            W2 -= LR * (a1.T @ d2)
            b2 -= LR * d2.sum(axis=0)
            W1 -= LR * (xb.T @ d1)
            b1 -= LR * d1.sum(axis=0)

    return epoch


def bench_sklearn(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def epoch():
        clf = MLPClassifier(
            hidden_layer_sizes=(SIZES[1],),
            solver="sgd",
            momentum=0.0,
            learning_rate_init=LR,
            batch_size=BATCH,
            max_iter=1,
            alpha=0.0,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)

    return epoch


def bench_torch(X, y):
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def epoch():
        torch.manual_seed(0)
        net = torch.nn.Sequential(
            torch.nn.Linear(SIZES[0], SIZES[1]),
            torch.nn.ReLU(),
            torch.nn.Linear(SIZES[1], SIZES[2]),
        )
        opt = torch.optim.SGD(net.parameters(), lr=LR)
        order = torch.randperm(len(Xt))
        for lo in range(0, len(Xt), BATCH):
            idx = order[lo : lo + BATCH]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(Xt[idx]), yt[idx]).backward()
            opt.step()

    return epoch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10000 samples instead of 60000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1", help="BLAS threads (read at start-up)")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else 60_000
    X, y = data(n)
    print(
        f"one epoch, {'-'.join(map(str, SIZES))} MLP, {n} samples, batch {BATCH}, float32, "
        f"best of {args.repeats}; {os.cpu_count()} CPU(s), {args.threads} BLAS thread(s)"
    )
    epochs = {
        "bayesfit.nn.MLP": bench_bayesfit(X, y),
        "numpy baseline": bench_numpy(X, y),
        "sklearn MLPClassifier": bench_sklearn(X, y),
    }
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(int(args.threads))
        epochs["pytorch (CPU)"] = bench_torch(X, y)
    best = best_of(args.repeats, epochs)
    ours = best["bayesfit.nn.MLP"]
    print(f"{'implementation':24s} {'s / epoch':>10s} {'bayesfit / this':>16s}")
    for name, seconds in best.items():
        print(f"{name:24s} {seconds:10.3f} {ours / seconds:16.2f}")
    if "pytorch (CPU)" not in best:
        print("pytorch (CPU)            not installed: the numpy baseline stands in for it")


if __name__ == "__main__":
    main()
