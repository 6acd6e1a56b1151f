"""Regularizers as priors on an over-parameterized MLP: L2 (Gaussian), L1 (Laplace), dropout.

    python examples/mlp_regularization.py [--out DIR] [--epochs N]

A 1-100-100-1 tanh network (about 10,400 parameters) on 15 noisy points of sin(2 pi x)
(noise std 0.3), trained full-batch with Adam four times from the same initial weights:

- without a penalty it interpolates the noise (train MSE near 0, test MSE against the
  noise-free curve far above the noise variance 0.09);
- weight_decay (L2, a Gaussian prior on the weights) shrinks every weight a little;
- l1 (a Laplace prior on the weight matrices) drives most weights to (nearly) zero and keeps
  a few large ones: the histogram of log10 |w| splits in two;
- dropout=0.3 (inverted dropout on both hidden layers) averages over thinned networks and
  leaves the weights dense.

Each regularized net generalizes far better than the unregularized one. The script prints the
train and test MSE of each and the fraction of weights below 1e-2 in magnitude, and draws the
fits and the weight histograms.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import bayesfit as bf
from bayesfit.nn import MLP
from bayesfit.nn.optim import Adam

SETTINGS = {
    "no penalty": {},
    "L2: weight_decay=3e-3": {"weight_decay": 3e-3},
    "L1: l1=1e-3": {"l1": 1e-3},
    "dropout=0.3": {"dropout": 0.3},
}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--epochs", type=int, default=3000)
    args = parser.parse_args(argv)

    x, t = bf.datasets.sinusoid(15, noise=0.3, seed=0)
    grid = np.linspace(0.0, 1.0, 201)
    truth = bf.datasets.sinusoid_fn(grid)

    results: dict[str, dict[str, float]] = {}
    fits, weights = {}, {}
    for name, penalty in SETTINGS.items():
        net = MLP([1, 100, 100, 1], activation="tanh", random_state=0, **penalty)
        net.fit(x[:, None], t, optimizer=Adam(0.01), batch_size=None, epochs=args.epochs,
                random_state=0, progress=False)
        fits[name] = net.predict(grid[:, None])
        weights[name] = np.concatenate(
            [p.ravel() for k, p in net.params.items() if k.startswith("W")]
        )
        results[name] = {
            "train_mse": float(np.mean((net.predict(x[:, None]) - t) ** 2)),
            "test_mse": float(np.mean((fits[name] - truth) ** 2)),
            "small_weights": float(np.mean(np.abs(weights[name]) < 1e-2)),
        }
        r = results[name]
        print(f"{name:24s} train MSE {r['train_mse']:.4f}  test MSE {r['test_mse']:.4f}  "
              f"weights below 1e-2: {r['small_weights']:.0%}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5), sharey="row")
    bins = np.linspace(-8, 1, 46)
    for (name, fit), ax, ax_w in zip(fits.items(), axes[0], axes[1], strict=True):
        ax.plot(x, t, "o", mfc="none", color="tab:blue", label="data")
        ax.plot(grid, truth, color="tab:green", label=r"$\sin 2\pi x$")
        ax.plot(grid, fit, color="tab:red", label="MLP")
        ax.set(title=f"{name}\ntest MSE {results[name]['test_mse']:.3f}", xlabel="x",
               ylim=(-2.0, 2.0))
        ax_w.hist(np.log10(np.abs(weights[name]) + 1e-12), bins=bins, color="tab:gray")
        ax_w.set(xlabel=r"$\log_{10} |w|$", yscale="log")
    axes[0, 0].set_ylabel("t")
    axes[0, 0].legend(fontsize=8, loc="lower left")
    axes[1, 0].set_ylabel("number of weights")
    fig.suptitle("An over-parameterized 1-100-100-1 net on 15 points: L2, L1 and dropout")
    fig.tight_layout()
    path = args.out / "mlp_regularization.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
