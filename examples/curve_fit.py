"""Fit PRML's sinusoid with the Bayesian polynomial and draw the predictive (PRML fig. 1.17).

    python examples/curve_fit.py [--out DIR]

Ten evenly spaced noisy points of sin(2 pi x), a degree-9 polynomial, prior precision
alpha = 5e-3 and noise precision beta = 11.1: the predictive mean follows the sine, and the
band widens where there are no points.
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

    x, t = bf.datasets.sinusoid(10, noise=0.3, seed=0, evenly_spaced=True)  # as PRML fig. 1.2
    model = bf.BayesianRegression(bf.basis.Polynomial(9), alpha=5e-3, beta=11.1).fit(x, t)

    grid = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    mean, std = model.predict(grid, return_std=True)
    print("x      mean     std")
    for row in zip(grid, mean, std, strict=True):
        print("{:.2f}  {:+.3f}  {:.3f}".format(*row))

    args.out.mkdir(parents=True, exist_ok=True)
    ax = bf.plots.predictive(model, x, t, true_fn=bf.datasets.sinusoid_fn)
    ax.set_title("Bayesian polynomial, M = 9 (PRML fig. 1.17)")
    ax.figure.savefig(args.out / "curve_fit.png", dpi=100)
    plt.close(ax.figure)
    print(f"wrote {args.out / 'curve_fit.png'}")


if __name__ == "__main__":
    main()
