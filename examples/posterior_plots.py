"""The posterior over functions as data arrive (PRML figs. 3.8 and 3.9).

    python examples/posterior_plots.py [--out DIR]

Nine Gaussian basis functions, alpha = 2, beta = 25, fitted to the first 1, 2, 4 and 25
points of the sinusoid: the predictive band (top row) and curves drawn from the posterior
(bottom row) narrow where the data are.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import bayesfit as bf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    args = parser.parse_args(argv)

    x, t = bf.datasets.sinusoid(25, noise=0.2, seed=2)
    order = np.random.default_rng(0).permutation(25)  # arrive in random order
    x, t = x[order], t[order]
    grid = np.linspace(0.0, 1.0, 200)
    # explicit centres: the basis must not depend on which points have arrived
    basis = bf.basis.GaussianRBF(centers=np.linspace(0.0, 1.0, 9), width=0.1)
    counts = (1, 2, 4, 25)
    fig, axes = plt.subplots(2, len(counts), figsize=(12, 5.5), sharex=True, sharey=True,
                             layout="constrained")
    for col, n in enumerate(counts):
        model = bf.BayesianRegression(basis, alpha=2.0, beta=25.0).fit(x[:n], t[:n])
        bf.plots.predictive(model, x[:n], t[:n], true_fn=bf.datasets.sinusoid_fn, grid=grid,
                            ax=axes[0, col])
        axes[0, col].set_title(f"N = {n}")
        bf.plots.function_samples(model, grid, n=5, random_state=col, ax=axes[1, col])
        axes[1, col].scatter(x[:n], t[:n], facecolors="none", edgecolors="tab:blue")
        axes[1, col].set_title(f"5 draws, N = {n}")
        std = model.predict(grid, return_std=True)[1]
        print(f"N = {n:2d}: mean predictive std {std.mean():.3f} (noise floor {25 ** -0.5:.3f})")
    for ax in axes[0, 1:]:
        ax.get_legend().remove()
    axes[0, 0].set_ylim(-1.6, 1.6)

    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "posterior_plots.png", dpi=100)
    plt.close(fig)
    print(f"wrote {args.out / 'posterior_plots.png'}")


if __name__ == "__main__":
    main()
