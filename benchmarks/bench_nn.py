"""One training epoch of a 784-256-10 MLP: bayesfit.nn vs peers, measured in the same run.

    python benchmarks/bench_nn.py [--quick] [--repeats R] [--torch-python PYTHON]

The task (issue 4): 60000 random samples (784 standard-normal features, 10 random classes),
ReLU hidden layer, softmax cross-entropy, plain SGD (learning rate 0.01), mini-batches of
128 drawn in a shuffled order, float32, on the CPU. Peers:

- "numpy baseline": the same network written directly in NumPy (one matmul per layer
  forward, two backward, the softmax-minus-one-hot output error, the batch loss for the
  history as every peer computes it) with no validation and no array-API layer: the floor
  for what NumPy can do on this machine.
- scikit-learn MLPClassifier (solver="sgd", momentum=0, one epoch via max_iter=1).
- PyTorch on the CPU, one thread, in the interpreter ``--torch-python`` names (torch does not
  install into bayesfit's Python; ``_torch_peer.py`` runs there, driven over a pipe so that
  the peers still take turns), or in this one when it has torch; otherwise it is left out.

bayesfit, the NumPy baseline and PyTorch start from the same initial weights and see the
batches in the same order, so they compute the same epoch: the "epoch loss" column (the mean
batch loss) agrees between them to float32 rounding, which checks that the same work is
timed. scikit-learn draws its own initial weights and order.

Each timing is the best of ``--repeats`` epochs, the implementations taking turns so that a
change in the machine's load hits all of them. BLAS runs on ``--threads`` threads (default 1:
on a shared 2-core VM multi-threaded BLAS timings swing by 3x from run to run). The table
gives seconds per epoch and each peer's time relative to bayesfit (ratio = bayesfit / peer:
above 1 means bayesfit is slower).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


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
SEED = 0  # of the initial weights and of the order of the batches
HERE = Path(__file__).resolve().parent


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, SIZES[0]), dtype=np.float32)
    return X, rng.integers(0, SIZES[-1], n)


def initial_weights() -> dict[str, np.ndarray]:
    """The float32 initial weights every peer but scikit-learn starts from (bayesfit's)."""
    params = MLP(list(SIZES), "relu", "softmax", "cross_entropy", random_state=SEED).params
    return {k: v.astype(np.float32) for k, v in params.items()}


def batch_order(n: int) -> np.ndarray:
    """The order of the samples in the epoch: what ``fit(random_state=SEED)`` draws."""
    return np.random.default_rng(SEED).permutation(n)


def best_of(repeats: int, epochs: dict) -> tuple[dict[str, float], dict[str, float]]:
    """Time each epoch function ``repeats`` times, taking turns.

    Returns the best time and the epoch loss (the function's return value) of each.
    """
    times: dict[str, list[float]] = {name: [] for name in epochs}
    losses: dict[str, float] = {}
    for _ in range(repeats):
        for name, epoch in epochs.items():
            start = time.perf_counter()
            losses[name] = epoch()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}, losses


def bench_bayesfit(X, y):
    model = MLP(list(SIZES), "relu", "softmax", "cross_entropy", random_state=SEED)
    init = initial_weights()

    def epoch():
        # from the same initial weights each time, as the NumPy baseline copies its own
        model.params = {k: v.copy() for k, v in init.items()}
        history = model.fit(X, y, optimizer=SGD(LR), batch_size=BATCH, epochs=1,
                            random_state=SEED, progress=False)
        return history.loss[0]

    return epoch


def bench_numpy(X, y):
    init = initial_weights()
    order = batch_order(len(X))

    def epoch():
        W1, b1, W2, b2 = (init[k].copy() for k in ("W1", "b1", "W2", "b2"))
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
            total += float(np.sum(np.log(sums[:, 0]) - shifted[rows, yb]))  # the loss
            p /= sums
            p[rows, yb] -= 1
            d2 = p / len(yb)
            d1 = (d2 @ W2.T) * (z1 > 0)
            W2 -= LR * (a1.T @ d2)
            b2 -= LR * d2.sum(axis=0)
            W1 -= LR * (xb.T @ d1)
            b1 -= LR * d1.sum(axis=0)
        return total / len(X)

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
        return clf.loss_

    return epoch


class TorchPeer:
    """One epoch of the same network in PyTorch, run by ``_torch_peer.py`` in ``python``.

    The data, the initial weights and the order are written once to a temporary directory;
    each call sends ``epoch`` down the pipe and waits for the answer, so the time measured
    around the call is the epoch's (plus a pipe round trip of microseconds).
    """

    def __init__(self, python: str, X, y, threads: int, workdir: Path):
        for name, array in {"X": X, "y": y, "order": batch_order(len(X)),
                            **initial_weights()}.items():
            np.save(workdir / f"{name}.npy", array)
        (workdir / "settings.json").write_text(
            json.dumps({"batch_size": BATCH, "learning_rate": LR, "threads": threads})
        )
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        try:
            self.proc = subprocess.Popen(
                [python, str(HERE / "_torch_peer.py"), str(workdir)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            )
        except OSError as exc:
            raise SystemExit(f"--torch-python {python}: cannot run it ({exc})") from exc

    def __call__(self) -> float:
        self.proc.stdin.write("epoch\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(
                f"the PyTorch peer exited with status {self.proc.wait()} (see its error above)"
            )
        return json.loads(line)["loss"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def torch_python(given: str | None) -> str | None:
    """The interpreter for the PyTorch peer: the one given, else this one if it has torch."""
    if given is not None:
        return given
    return sys.executable if importlib.util.find_spec("torch") is not None else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10000 samples instead of 60000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1", help="BLAS threads (read at start-up)")
    parser.add_argument(
        "--torch-python", default=None, metavar="PYTHON",
        help="an interpreter with torch for the PyTorch peer (default: this one, if it has "
        "torch; else the peer is left out)",
    )
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
    python = torch_python(args.torch_python)
    with tempfile.TemporaryDirectory(prefix="bench_nn_torch_") as workdir:
        peer = None
        if python is not None:
            peer = TorchPeer(python, X, y, int(args.threads), Path(workdir))
            epochs["pytorch (CPU)"] = peer
        try:
            best, losses = best_of(args.repeats, epochs)
        finally:
            if peer is not None:
                peer.close()
    ours = best["bayesfit.nn.MLP"]
    print(f"{'implementation':24s} {'s / epoch':>10s} {'bayesfit / this':>16s} {'epoch loss':>11s}")
    for name, seconds in best.items():
        own = "  (own initial weights and order)" if name.startswith("sklearn") else ""
        print(f"{name:24s} {seconds:10.3f} {ours / seconds:16.2f} {losses[name]:11.6f}{own}")
    if python is None:
        print("pytorch (CPU)            not run: pass --torch-python PYTHON (an interpreter "
              "with torch)")


if __name__ == "__main__":
    main()
